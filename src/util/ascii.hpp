#pragma once
// ASCII case helpers for protocol tokens (header names, URL schemes, HTTP methods, media types).
// std::tolower and boost::algorithm::to_lower_copy depend on the C/C++ locale; these tokens are
// ASCII by definition and must compare the same whatever locale the host sets.
#include <string>
#include <string_view>

namespace chainbot::util {

constexpr char ascii_lower(char c) noexcept { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

inline std::string ascii_lower(std::string_view text) {
    std::string out(text);
    for (char& c : out) c = ascii_lower(c);
    return out;
}

constexpr bool ascii_iequals(std::string_view a, std::string_view b) noexcept {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i)
        if (ascii_lower(a[i]) != ascii_lower(b[i])) return false;
    return true;
}

}  // namespace chainbot::util
