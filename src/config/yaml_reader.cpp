// YAML to JSON with the YAML 1.2 core schema: plain scalars are typed by their
// form, quoted scalars (tag "!") and !!str stay strings.

#include "config/parsers.hpp"

#include <boost/json/array.hpp>
#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <charconv>
#include <cmath>
#include <limits>
#include <regex>
#include <stdexcept>
#include <string>

namespace chainbot::config::detail {

namespace {

namespace json = boost::json;

constexpr std::string_view str_tag = "tag:yaml.org,2002:str";

/// A map key that is itself a map or a list; JSON has no such thing.
struct unsupported_key : std::runtime_error {
    YAML::Mark mark;
    explicit unsupported_key(YAML::Mark m) : std::runtime_error("a mapping key must be a scalar"), mark(m) {}
};

std::optional<json::value> integer_of(const std::string& s) {
    static const std::regex decimal("[-+]?[0-9]+");
    static const std::regex octal("0o[0-7]+");
    static const std::regex hex("0x[0-9a-fA-F]+");
    int base = 0;
    std::string_view digits = s;
    if (std::regex_match(s, decimal)) {
        base = 10;
        if (digits.starts_with('+')) digits.remove_prefix(1);
    } else if (std::regex_match(s, octal)) {
        base = 8, digits.remove_prefix(2);
    } else if (std::regex_match(s, hex)) {
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
    static const std::regex number(R"([-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?)");
    static const std::regex infinity(R"([-+]?\.(inf|Inf|INF))");
    static const std::regex nan(R"(\.(nan|NaN|NAN))");
    if (std::regex_match(s, number)) return json::value(std::strtod(s.c_str(), nullptr));
    if (std::regex_match(s, infinity))
        return json::value(s.starts_with('-') ? -std::numeric_limits<double>::infinity()
                                              : std::numeric_limits<double>::infinity());
    if (std::regex_match(s, nan)) return json::value(std::numeric_limits<double>::quiet_NaN());
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

json::value to_json(const YAML::Node& node) {
    switch (node.Type()) {
        case YAML::NodeType::Undefined:
        case YAML::NodeType::Null: return nullptr;
        case YAML::NodeType::Scalar:
            // "!" marks a quoted scalar; an explicit !!str keeps the text too.
            if (node.Tag() == "!" || node.Tag() == str_tag) return json::value(node.Scalar());
            return plain_scalar(node.Scalar());
        case YAML::NodeType::Sequence: {
            json::array out;
            for (const auto& item : node) out.push_back(to_json(item));
            return out;
        }
        case YAML::NodeType::Map: {
            json::object out;
            for (auto it = node.begin(); it != node.end(); ++it) {
                if (!it->first.IsScalar()) throw unsupported_key(it->first.Mark());
                out[it->first.Scalar()] = to_json(it->second);
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
        return to_json(YAML::Load(std::string(text)));
    } catch (const YAML::Exception& e) {
        problems.add(source, where(e.mark) + fmt::format("invalid YAML ({})", e.msg));
    } catch (const unsupported_key& e) {
        problems.add(source, where(e.mark) + fmt::format("invalid YAML ({})", e.what()));
    }
    return std::nullopt;
}

}  // namespace chainbot::config::detail
