// YAML to JSON with the YAML 1.2 core schema: plain scalars are typed by their
// form, quoted scalars (tag "!") and !!str stay strings.

#include "config/parsers.hpp"

#include <boost/json/array.hpp>
#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

namespace chainbot::config::detail {

namespace {

namespace json = boost::json;

constexpr std::string_view str_tag = "tag:yaml.org,2002:str";

/// A document JSON cannot hold: a map key that is itself a map or a list, or aliases that nest a
/// node in itself (an anchor used inside its own value) or repeat one exponentially.
struct shape_error : std::runtime_error {
    YAML::Mark mark;
    shape_error(YAML::Mark m, const std::string& what) : std::runtime_error(what), mark(m) {}
};

// Far beyond any configuration (sections are two or three levels deep, default.yaml has about
// a hundred values), and small enough that a cycle or an alias bomb fails fast.
constexpr std::size_t max_depth = 64;
constexpr std::size_t max_values = 100000;

// The core schema's number forms, matched by hand: std::regex recurses once per character, so a
// long scalar (a 20 000-digit "port") overflowed the stack instead of failing the type check.
bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_octal(char c) { return c >= '0' && c <= '7'; }
bool is_hex(char c) { return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

template <class Pred>
bool all_nonempty(std::string_view s, Pred pred) {
    return !s.empty() && std::all_of(s.begin(), s.end(), pred);
}

std::string_view without_sign(std::string_view s) {
    if (!s.empty() && (s.front() == '-' || s.front() == '+')) s.remove_prefix(1);
    return s;
}

// [-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?
bool is_float_form(std::string_view s) {
    s = without_sign(s);
    std::size_t i = 0;
    const auto digits = [&] {
        const std::size_t from = i;
        while (i < s.size() && is_digit(s[i])) ++i;
        return i - from;
    };
    if (i < s.size() && s[i] == '.') {
        ++i;
        if (digits() == 0) return false;
    } else {
        if (digits() == 0) return false;
        if (i < s.size() && s[i] == '.') {
            ++i;
            digits();
        }
    }
    if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
        ++i;
        if (i < s.size() && (s[i] == '-' || s[i] == '+')) ++i;
        if (digits() == 0) return false;
    }
    return i == s.size();
}

std::optional<json::value> integer_of(const std::string& s) {
    int base = 0;
    std::string_view digits = s;
    if (all_nonempty(without_sign(s), is_digit)) {  // [-+]?[0-9]+
        base = 10;
        if (digits.starts_with('+')) digits.remove_prefix(1);
    } else if (s.starts_with("0o") && all_nonempty(std::string_view(s).substr(2), is_octal)) {
        base = 8, digits.remove_prefix(2);
    } else if (s.starts_with("0x") && all_nonempty(std::string_view(s).substr(2), is_hex)) {
        base = 16, digits.remove_prefix(2);
    } else {
        return std::nullopt;
    }
    std::int64_t value = 0;
    auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value, base);
    if (ec == std::errc{} && end == digits.data() + digits.size()) return json::value(value);
    std::uint64_t big = 0;
    auto [end_u, ec_u] = std::from_chars(digits.data(), digits.data() + digits.size(), big, base);
    if (ec_u == std::errc{} && end_u == digits.data() + digits.size()) return json::value(big);
    return json::value(std::strtod(s.c_str(), nullptr));  // beyond 64 bits: as a float
}

std::optional<json::value> float_of(const std::string& s) {
    if (is_float_form(s)) return json::value(std::strtod(s.c_str(), nullptr));
    const std::string_view unsigned_part = without_sign(s);
    if (unsigned_part == ".inf" || unsigned_part == ".Inf" || unsigned_part == ".INF")
        return json::value(s.starts_with('-') ? -std::numeric_limits<double>::infinity()
                                              : std::numeric_limits<double>::infinity());
    if (s == ".nan" || s == ".NaN" || s == ".NAN") return json::value(std::numeric_limits<double>::quiet_NaN());
    return std::nullopt;
}

json::value plain_scalar(const std::string& s) {
    if (s.empty() || s == "~" || s == "null" || s == "Null" || s == "NULL") return nullptr;
    if (s == "true" || s == "True" || s == "TRUE") return true;
    if (s == "false" || s == "False" || s == "FALSE") return false;
    if (auto i = integer_of(s)) return *i;
    if (auto f = float_of(s)) return *f;
    return json::value(s);
}

json::value to_json(const YAML::Node& node, std::size_t depth, std::size_t& values) {
    if (depth > max_depth)
        throw shape_error(node.Mark(), fmt::format("nested deeper than {} levels, or an alias inside its own anchor", max_depth));
    if (++values > max_values)
        throw shape_error(node.Mark(), fmt::format("more than {} values once aliases are expanded", max_values));
    switch (node.Type()) {
        case YAML::NodeType::Undefined:
        case YAML::NodeType::Null: return nullptr;
        case YAML::NodeType::Scalar:
            // "!" marks a quoted scalar; an explicit !!str keeps the text too.
            if (node.Tag() == "!" || node.Tag() == str_tag) return json::value(node.Scalar());
            return plain_scalar(node.Scalar());
        case YAML::NodeType::Sequence: {
            json::array out;
            for (const auto& item : node) out.push_back(to_json(item, depth + 1, values));
            return out;
        }
        case YAML::NodeType::Map: {
            json::object out;
            for (auto it = node.begin(); it != node.end(); ++it) {
                if (!it->first.IsScalar()) throw shape_error(it->first.Mark(), "a mapping key must be a scalar");
                out[it->first.Scalar()] = to_json(it->second, depth + 1, values);
            }
            return out;
        }
    }
    return nullptr;
}

std::string where(const YAML::Mark& mark) {
    if (mark.is_null()) return {};
    return fmt::format("line {}, column {}: ", mark.line + 1, mark.column + 1);
}

}  // namespace

std::optional<json::value> parse_yaml(std::string_view text, std::string_view source, problem_list& problems) {
    try {
        std::size_t values = 0;
        return to_json(YAML::Load(std::string(text)), 0, values);
    } catch (const YAML::Exception& e) {
        problems.add(source, where(e.mark) + fmt::format("invalid YAML ({})", e.msg));
    } catch (const shape_error& e) {
        problems.add(source, where(e.mark) + fmt::format("invalid YAML ({})", e.what()));
    }
    return std::nullopt;
}

}  // namespace chainbot::config::detail
