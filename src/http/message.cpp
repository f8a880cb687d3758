#include "http/message.hpp"
#include "util/ascii.hpp"

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include <cctype>
#include <string>
#include <string_view>

namespace chainbot::http {

std::string_view request::header(const std::string& name, std::string_view fallback) const {
    auto it = headers.find(name);
    return it == headers.end() ? fallback : std::string_view(it->second);
}

bool has_token(std::string_view list, std::string_view token) {
    const std::string value = util::ascii_lower(list);
    std::size_t start = 0;
    while (start <= value.size()) {
        auto end = value.find(',', start);
        if (end == std::string::npos) end = value.size();
        auto item = std::string_view(value).substr(start, end - start);
        while (!item.empty() && (item.front() == ' ' || item.front() == '\t')) item.remove_prefix(1);
        while (!item.empty() && (item.back() == ' ' || item.back() == '\t')) item.remove_suffix(1);
        if (item == token) return true;
        start = end + 1;
    }
    return false;
}

response response::json(int status, std::string body) {
    response r;
    r.status = status;
    r.body = std::move(body);
    return r;
}

namespace {

// The length of the valid UTF-8 sequence at the start of `s` (1 to 4), or 0 when it is not one.
std::size_t utf8_sequence(std::string_view s) noexcept {
    const auto b = [&](std::size_t i) { return static_cast<unsigned char>(s[i]); };
    const auto cont = [&](std::size_t i) { return i < s.size() && (b(i) & 0xC0) == 0x80; };
    const unsigned char c = b(0);
    if (c < 0x80) return 1;
    if (c >= 0xC2 && c <= 0xDF) return cont(1) ? 2 : 0;
    if (c >= 0xE0 && c <= 0xEF) {
        if (!cont(1) || !cont(2)) return 0;
        if ((c == 0xE0 && b(1) < 0xA0) || (c == 0xED && b(1) > 0x9F)) return 0;  // overlong, surrogate
        return 3;
    }
    if (c >= 0xF0 && c <= 0xF4) {
        if (!cont(1) || !cont(2) || !cont(3)) return 0;
        if ((c == 0xF0 && b(1) < 0x90) || (c == 0xF4 && b(1) > 0x8F)) return 0;  // overlong, past U+10FFFF
        return 4;
    }
    return 0;
}

// Error texts quote what clients sent (paths, ids), which may be any bytes; Boost.JSON
// serializes strings as they are, so invalid UTF-8 becomes U+FFFD to keep the body JSON.
std::string valid_utf8(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    while (!s.empty()) {
        const std::size_t n = utf8_sequence(s);
        if (n == 0) {
            out += "\xEF\xBF\xBD";
            s.remove_prefix(1);
        } else {
            out.append(s.substr(0, n));
            s.remove_prefix(n);
        }
    }
    return out;
}

void make_valid_utf8(boost::json::value& v) {
    if (auto* str = v.if_string()) {
        *str = valid_utf8(*str);
    } else if (auto* arr = v.if_array()) {
        for (auto& e : *arr) make_valid_utf8(e);
    } else if (auto* obj = v.if_object()) {
        for (auto& kv : *obj) make_valid_utf8(kv.value());
    }
}

}  // namespace

response response::error(int status, std::string_view code, std::string_view message,
                         boost::json::value details) {
    boost::json::object error;
    error["code"] = valid_utf8(code);
    error["message"] = valid_utf8(message);
    make_valid_utf8(details);
    error["details"] = std::move(details);
    boost::json::object body;
    body["error"] = std::move(error);
    return json(status, boost::json::serialize(body));
}

}  // namespace chainbot::http
