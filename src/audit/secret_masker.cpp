#include "audit/secret_masker.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/string.hpp>

#include <algorithm>
#include <array>
#include <cctype>

namespace chainbot::audit {

namespace {

namespace json = boost::json;

constexpr int max_depth = 64;
constexpr std::array<std::string_view, 9> markers{"token",      "password",      "passwd",
                                                  "secret",     "api_key",       "apikey",
                                                  "authorization", "credential", "private_key"};
constexpr std::array<std::string_view, 2> schemes{"bearer", "basic"};

std::string normalized(std::string_view s) {
    std::string out(s);
    for (auto& c : out) c = c == '-' ? '_' : static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

bool is_word_char(char c) noexcept { return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-'; }
bool is_space(char c) noexcept { return std::isspace(static_cast<unsigned char>(c)) != 0; }
bool is_quote(char c) noexcept { return c == '"' || c == '\''; }
// Where an unquoted value ends.
bool ends_value(char c) noexcept { return is_space(c) || is_quote(c) || std::string_view(",;&}])>").find(c) != std::string_view::npos; }

// "scheme://user:password@host" -> "scheme://user:***@host".
std::string mask_url_passwords(std::string_view t) {
    std::string out;
    std::size_t from = 0;
    for (auto at = t.find("://"); at != std::string_view::npos; at = t.find("://", at + 3)) {
        const auto start = at + 3;
        auto end = start;
        while (end < t.size() && !is_space(t[end]) && std::string_view("/?#@\"'").find(t[end]) == std::string_view::npos) ++end;
        if (end >= t.size() || t[end] != '@') continue;
        const auto colon = t.find(':', start);
        if (colon == std::string_view::npos || colon >= end) continue;
        out.append(t.substr(from, colon + 1 - from)).append(masked);
        from = end;
    }
    out.append(t.substr(from));
    return out;
}

// Length of "<scheme> <credential>" at `i`, or 0. "Bearer", "BEARER" and "Basic" always
// count; a lower-case "bearer" or "basic" only before a credential that is not a plain
// word, so that "a basic workflow" stays readable.
std::size_t scheme_span(std::string_view t, std::size_t i) {
    for (auto s : schemes) {
        if (t.size() - i <= s.size() || normalized(t.substr(i, s.size())) != s || !is_space(t[i + s.size()])) continue;
        const bool canonical = std::isupper(static_cast<unsigned char>(t[i])) != 0;
        auto j = i + s.size();
        while (j < t.size() && is_space(t[j])) ++j;
        auto k = j;
        bool plain_word = true;
        for (; k < t.size() && !ends_value(t[k]); ++k) plain_word = plain_word && std::isalpha(static_cast<unsigned char>(t[k]));
        if (k == j || (!canonical && plain_word)) return 0;
        return k - i;
    }
    return 0;
}

}  // namespace

secret_masker::secret_masker(masker_options options) : options_(std::move(options)) {
    for (auto& n : options_.names) n = normalized(n);
    std::erase_if(options_.values, [](const std::string& v) { return v.size() < 4; });
}

bool secret_masker::is_secret_key(std::string_view key) const {
    const auto k = normalized(key);
    return std::any_of(markers.begin(), markers.end(), [&](std::string_view m) { return k.find(m) != std::string::npos; }) ||
           std::find(options_.names.begin(), options_.names.end(), k) != options_.names.end();
}

std::string secret_masker::mask_text(std::string_view input) const {
    std::string cut;
    if (input.size() > options_.max_text_length) {
        cut = std::string(input.substr(0, options_.max_text_length)) + "...[truncated]";
        input = cut;
    }
    const std::string text = mask_url_passwords(input);
    const std::string_view t = text;
    std::string out;
    out.reserve(t.size());
    std::size_t i = 0;
    while (i < t.size()) {
        if (!is_word_char(t[i]) || (i > 0 && is_word_char(t[i - 1]))) {
            out += t[i++];
            continue;
        }
        if (const auto span = scheme_span(t, i)) {  // Bearer abc -> Bearer ***
            auto j = i;
            while (!is_space(t[j])) ++j;
            out.append(t.substr(i, j - i)).append(" ").append(masked);
            i += span;
            continue;
        }
        auto end = i;
        while (end < t.size() && is_word_char(t[end])) ++end;
        const auto word = t.substr(i, end - i);
        out.append(word);
        i = end;
        if (word.size() >= 20 && normalized(word.substr(0, 4)) == "cbt_") {  // a ChainBot token
            out.resize(out.size() - word.size());
            out.append(masked);
            continue;
        }
        if (!is_secret_key(word)) continue;
        // key=value, key: value, "key": "value"
        auto j = i;
        if (j < t.size() && is_quote(t[j])) ++j;
        while (j < t.size() && t[j] == ' ') ++j;
        if (j >= t.size() || (t[j] != '=' && t[j] != ':')) continue;
        ++j;
        while (j < t.size() && t[j] == ' ') ++j;
        out.append(t.substr(i, j - i));
        i = j;
        if (i < t.size() && is_quote(t[i])) {
            const char q = t[i];
            const auto close = t.find(q, i + 1);
            const auto stop = close == std::string_view::npos ? t.size() : close;
            out.append(1, q).append(masked);
            i = stop;
            continue;
        }
        auto k = i + scheme_span(t, i);
        while (k < t.size() && !ends_value(t[k])) ++k;
        if (k > i) out.append(masked);
        i = k;
    }
    for (const auto& v : options_.values) {
        for (auto at = out.find(v); at != std::string::npos; at = out.find(v, at + masked.size()))
            out.replace(at, v.size(), masked);
    }
    return out;
}

json::value secret_masker::mask(const json::value& v) const { return mask_value(v, 0); }

json::value secret_masker::mask_value(const json::value& v, int depth) const {
    if (depth > max_depth) return json::string(masked);
    switch (v.kind()) {
        case json::kind::object: {
            json::object out;
            for (const auto& kv : v.get_object())
                out[kv.key()] = is_secret_key(kv.key()) ? json::value(json::string(masked)) : mask_value(kv.value(), depth + 1);
            return out;
        }
        case json::kind::array: {
            json::array out;
            for (const auto& item : v.get_array()) out.push_back(mask_value(item, depth + 1));
            return out;
        }
        case json::kind::string: return json::string(mask_text(v.get_string()));
        default: return v;
    }
}

}  // namespace chainbot::audit
