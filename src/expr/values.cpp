#include "expr/values.hpp"

#include "expr/error.hpp"

#include <charconv>
#include <cmath>
#include <limits>

namespace chainbot::expr::detail {

namespace {

// Values built by the host can nest without bound; recursion over them stops here.
constexpr int max_value_depth = 512;

void check_depth(int depth) {
    if (depth > max_value_depth) throw eval_error("value nested too deeply", 0);
}

void append_escaped(std::string& out, std::string_view s) {
    static constexpr char hex[] = "0123456789abcdef";
    out += '"';
    for (const char c : s) {
        switch (c) {
        case '"': out += "\\\""; break;
        case '\\': out += "\\\\"; break;
        case '\n': out += "\\n"; break;
        case '\r': out += "\\r"; break;
        case '\t': out += "\\t"; break;
        case '\b': out += "\\b"; break;
        case '\f': out += "\\f"; break;
        default:
            if (static_cast<unsigned char>(c) < 0x20) {
                out += "\\u00";
                out += hex[(c >> 4) & 0xF];
                out += hex[c & 0xF];
            } else {
                out += c;
            }
        }
    }
    out += '"';
}

template <typename T>
void append_chars(std::string& out, T number) {
    char buffer[64];
    auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, number);
    if (ec == std::errc{}) out.append(buffer, end);
}

bool append_json_at(std::string& out, const boost::json::value& v, std::size_t cap, int depth) {
    check_depth(depth);
    switch (v.kind()) {
    case boost::json::kind::null: out += "null"; break;
    case boost::json::kind::bool_: out += v.get_bool() ? "true" : "false"; break;
    case boost::json::kind::int64: append_chars(out, v.get_int64()); break;
    case boost::json::kind::uint64: append_chars(out, v.get_uint64()); break;
    case boost::json::kind::double_:
        if (std::isfinite(v.get_double())) append_chars(out, v.get_double());
        else out += "null";  // JSON has no infinity or NaN
        break;
    case boost::json::kind::string: append_escaped(out, v.get_string()); break;
    case boost::json::kind::array: {
        out += '[';
        bool first = true;
        for (const auto& item : v.get_array()) {
            if (!first) out += ',';
            first = false;
            if (!append_json_at(out, item, cap, depth + 1)) return false;
        }
        out += ']';
        break;
    }
    case boost::json::kind::object: {
        out += '{';
        bool first = true;
        for (const auto& member : v.get_object()) {
            if (!first) out += ',';
            first = false;
            append_escaped(out, member.key());
            out += ':';
            if (!append_json_at(out, member.value(), cap, depth + 1)) return false;
        }
        out += '}';
        break;
    }
    }
    return out.size() <= cap;
}

bool deep_equal_at(const boost::json::value& a, const boost::json::value& b, int depth) {
    check_depth(depth);
    const auto na = to_number(a);
    const auto nb = to_number(b);
    if (na || nb) {
        if (!na || !nb) return false;
        if (na->is_int && nb->is_int) return na->i == nb->i;
        return na->as_double() == nb->as_double();
    }
    if (a.kind() != b.kind()) return false;
    switch (a.kind()) {
    case boost::json::kind::null: return true;
    case boost::json::kind::bool_: return a.get_bool() == b.get_bool();
    case boost::json::kind::string: return a.get_string() == b.get_string();
    case boost::json::kind::array: {
        const auto& x = a.get_array();
        const auto& y = b.get_array();
        if (x.size() != y.size()) return false;
        for (std::size_t i = 0; i < x.size(); ++i)
            if (!deep_equal_at(x[i], y[i], depth + 1)) return false;
        return true;
    }
    case boost::json::kind::object: {
        const auto& x = a.get_object();
        const auto& y = b.get_object();
        if (x.size() != y.size()) return false;
        for (const auto& member : x) {
            const auto* other = y.if_contains(member.key());
            if (other == nullptr || !deep_equal_at(member.value(), *other, depth + 1)) return false;
        }
        return true;
    }
    default: return false;
    }
}

}  // namespace

std::string_view kind_name(const boost::json::value& v) noexcept {
    switch (v.kind()) {
    case boost::json::kind::null: return "null";
    case boost::json::kind::bool_: return "boolean";
    case boost::json::kind::int64:
    case boost::json::kind::uint64:
    case boost::json::kind::double_: return "number";
    case boost::json::kind::string: return "string";
    case boost::json::kind::array: return "array";
    case boost::json::kind::object: return "object";
    }
    return "value";
}

bool truthy(const boost::json::value& v) noexcept {
    switch (v.kind()) {
    case boost::json::kind::null: return false;
    case boost::json::kind::bool_: return v.get_bool();
    case boost::json::kind::int64: return v.get_int64() != 0;
    case boost::json::kind::uint64: return v.get_uint64() != 0;
    case boost::json::kind::double_: return v.get_double() != 0.0;
    case boost::json::kind::string: return !v.get_string().empty();
    case boost::json::kind::array: return !v.get_array().empty();
    case boost::json::kind::object: return !v.get_object().empty();
    }
    return false;
}

std::optional<number> to_number(const boost::json::value& v) noexcept {
    switch (v.kind()) {
    case boost::json::kind::int64: return number{true, v.get_int64(), 0};
    case boost::json::kind::uint64:
        if (v.get_uint64() <= std::uint64_t(std::numeric_limits<std::int64_t>::max()))
            return number{true, std::int64_t(v.get_uint64()), 0};
        return number{false, 0, double(v.get_uint64())};
    case boost::json::kind::double_: return number{false, 0, v.get_double()};
    default: return std::nullopt;
    }
}

std::optional<std::int64_t> exact_int(double d) noexcept {
    // 2^63 is exactly representable; every double below it in magnitude converts without overflow.
    if (!(d >= -9223372036854775808.0 && d < 9223372036854775808.0) || std::trunc(d) != d) return std::nullopt;
    return static_cast<std::int64_t>(d);
}

bool deep_equal(const boost::json::value& a, const boost::json::value& b) { return deep_equal_at(a, b, 0); }

bool append_json(std::string& out, const boost::json::value& v, std::size_t cap) {
    return append_json_at(out, v, cap, 0);
}

bool append_text(std::string& out, const boost::json::value& v, std::size_t cap) {
    if (v.is_string()) {
        const auto& s = v.get_string();
        if (out.size() + s.size() > cap) return false;
        out.append(s.data(), s.size());
        return true;
    }
    return append_json(out, v, cap);
}

std::size_t utf8_length(std::string_view s) noexcept {
    std::size_t count = 0;
    for (const char c : s)
        if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) ++count;
    return count;
}

}  // namespace chainbot::expr::detail
