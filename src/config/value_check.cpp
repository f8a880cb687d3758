// Checking one value against its schema row, and moving values between JSON and
// the typed settings.

#include "config/loader.hpp"
#include "config/schema.hpp"

#include <boost/json/serialize.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <set>
#include <type_traits>

namespace chainbot::config {

namespace {

namespace json = boost::json;

std::string render(const json::value& v);

std::string render_number(double d) { return fmt::format("{}", d); }

std::string render(const json::value& v) {
    switch (v.kind()) {
        case json::kind::null: return "null";
        case json::kind::bool_: return v.get_bool() ? "true" : "false";
        case json::kind::int64: return std::to_string(v.get_int64());
        case json::kind::uint64: return std::to_string(v.get_uint64());
        case json::kind::double_: return render_number(v.get_double());
        case json::kind::string: return json::serialize(v);
        case json::kind::array: {
            std::string out = "[";
            for (const auto& item : v.get_array()) out += (out.size() > 1 ? ", " : "") + render(item);
            return out + "]";
        }
        case json::kind::object: {
            std::string out = "{";
            for (const auto& [k, item] : v.get_object())
                out += (out.size() > 1 ? ", " : "") + json::serialize(json::value(k)) + ": " + render(item);
            return out + "}";
        }
    }
    return "?";
}

std::string range_text(const key_spec& spec) {
    if (spec.min && spec.max) return fmt::format(" from {} to {}", *spec.min, *spec.max);
    if (spec.min) return fmt::format(" {} {}", spec.min_exclusive ? ">" : ">=", *spec.min);
    if (spec.max) return fmt::format(" <= {}", *spec.max);
    return {};
}

std::string joined(const std::vector<std::string_view>& items) {
    std::string out;
    for (auto item : items) out += (out.empty() ? "" : ", ") + std::string(item);
    return out;
}

/// A JSON number as a double, or nullopt for any other kind.
std::optional<double> number_of(const json::value& v) {
    if (v.is_int64()) return static_cast<double>(v.get_int64());
    if (v.is_uint64()) return static_cast<double>(v.get_uint64());
    if (v.is_double()) return v.get_double();
    return std::nullopt;
}

bool in_range(const key_spec& spec, double d) {
    if (spec.min && (spec.min_exclusive ? d <= *spec.min : d < *spec.min)) return false;
    return !(spec.max && d > *spec.max);
}

checked_value rejected(const key_spec& spec, const json::value& raw, std::string_view note = {}) {
    return {std::nullopt, fmt::format("expected {}, got {}{}", expectation(spec), shown_value(spec, raw), note)};
}

checked_value check_integer(const key_spec& spec, const json::value& raw) {
    auto d = number_of(raw);
    // 5.0 is an integer written as a float; 5.5 is not.
    if (!d || !std::isfinite(*d) || std::floor(*d) != *d) return rejected(spec, raw);
    if (!in_range(spec, *d)) return rejected(spec, raw);
    if (*d > std::numeric_limits<int>::max() || *d < std::numeric_limits<int>::min())
        return rejected(spec, raw, " (too large)");
    return {json::value(static_cast<std::int64_t>(*d)), {}};
}

checked_value check_number(const key_spec& spec, const json::value& raw) {
    auto d = number_of(raw);
    if (!d || !std::isfinite(*d) || !in_range(spec, *d)) return rejected(spec, raw);
    return {json::value(*d), {}};
}

checked_value check_string(const key_spec& spec, const json::value& raw) {
    if (!raw.is_string()) return rejected(spec, raw);
    std::string_view s = raw.get_string();
    if (spec.non_empty && s.empty()) return rejected(spec, raw);
    if (!spec.allowed.empty() && std::find(spec.allowed.begin(), spec.allowed.end(), s) == spec.allowed.end())
        return rejected(spec, raw);
    return {raw, {}};
}

checked_value check_string_list(const key_spec& spec, const json::value& raw) {
    if (!raw.is_array() || (spec.non_empty && raw.get_array().empty())) return rejected(spec, raw);
    std::set<std::string_view> seen;
    for (const auto& item : raw.get_array()) {
        if (!item.is_string()) return rejected(spec, raw);
        std::string_view s = item.get_string();
        if (!seen.insert(s).second) return rejected(spec, raw, fmt::format(" (\"{}\" twice)", s));
        if (!spec.allowed.empty() && std::find(spec.allowed.begin(), spec.allowed.end(), s) == spec.allowed.end())
            return rejected(spec, raw, fmt::format(" (\"{}\" is not allowed)", s));
    }
    return {raw, {}};
}

checked_value check_integer_list(const key_spec& spec, const json::value& raw) {
    if (!raw.is_array() || (spec.non_empty && raw.get_array().empty())) return rejected(spec, raw);
    json::array out;
    std::set<std::int64_t> seen;
    for (const auto& item : raw.get_array()) {
        auto checked = check_integer(spec, item);
        if (!checked.value) return rejected(spec, raw);
        const auto i = checked.value->get_int64();
        if (!seen.insert(i).second) return rejected(spec, raw, fmt::format(" ({} twice)", i));
        out.push_back(*checked.value);
    }
    return {json::value(std::move(out)), {}};
}

checked_value check_log_level(const key_spec& spec, const json::value& raw) {
    auto level = raw.is_string() ? parse_log_level(raw.get_string()) : std::nullopt;
    if (!level) return rejected(spec, raw);
    return {json::value(std::string(to_string(*level))), {}};
}

checked_value check_database_url(const key_spec& spec, const json::value& raw) {
    if (!raw.is_string()) return rejected(spec, raw);
    if (auto why = database_url_problem(raw.get_string()))
        return {std::nullopt,
                fmt::format("bad URL {} ({}): expected {}", shown_value(spec, raw), *why, expectation(spec))};
    return {raw, {}};
}

}  // namespace

std::string expectation(const key_spec& spec) {
    switch (spec.type) {
        case value_type::integer: return "an integer" + range_text(spec);
        case value_type::number: return "a number" + range_text(spec);
        case value_type::boolean: return "true or false";
        case value_type::string:
            if (!spec.allowed.empty()) return "one of " + joined(spec.allowed);
            return spec.non_empty ? "a non-empty string" : "a string";
        case value_type::string_list:
            if (!spec.allowed.empty())
                return std::string(spec.non_empty ? "a non-empty " : "a ") + "list of distinct values from " +
                       joined(spec.allowed);
            return spec.non_empty ? "a non-empty list of strings" : "a list of strings";
        case value_type::log_level: return "one of " + joined(spec.allowed);
        case value_type::integer_list:
            return std::string(spec.non_empty ? "a non-empty " : "a ") + "list of distinct integers" + range_text(spec);
        case value_type::database_url:
            return "\"\" (the default SQLite file in the data dir), sqlite:///absolute/path.db, "
                   "sqlite://relative/path.db or postgresql://user:password@host:port/database";
    }
    return "a valid value";
}

std::string shown_value(const key_spec& spec, const json::value& raw) {
    switch (secrecy_of(spec)) {
        case secrecy::none: return render(raw);
        case secrecy::url_password:
            if (raw.is_string()) return json::serialize(json::value(mask_url(raw.get_string())));
            // A list or object could hold the URL itself: describe it, never print it.
            if (raw.is_array()) return "a list";
            if (raw.is_object()) return "an object";
            return render(raw);
        case secrecy::whole_value: return "a value not shown (secret)";
    }
    return "?";
}

checked_value check_value(const key_spec& spec, const json::value& raw) {
    switch (spec.type) {
        case value_type::integer: return check_integer(spec, raw);
        case value_type::number: return check_number(spec, raw);
        case value_type::boolean: return raw.is_bool() ? checked_value{raw, {}} : rejected(spec, raw);
        case value_type::string: return check_string(spec, raw);
        case value_type::string_list: return check_string_list(spec, raw);
        case value_type::log_level: return check_log_level(spec, raw);
        case value_type::database_url: return check_database_url(spec, raw);
        case value_type::integer_list: return check_integer_list(spec, raw);
    }
    return rejected(spec, raw);
}

json::value read_field(const key_spec& spec, const settings& s) {
    // The accessors return mutable references so one table serves reads and writes;
    // reading through them does not modify `s`.
    auto& target = const_cast<settings&>(s);
    return std::visit(
        [&](auto accessor) -> json::value {
            const auto& field = accessor(target);
            using field_t = std::decay_t<decltype(field)>;
            if constexpr (std::is_same_v<field_t, std::vector<std::string>>) {
                json::array out;
                for (const auto& item : field) out.emplace_back(item);
                return out;
            } else if constexpr (std::is_same_v<field_t, std::vector<int>>) {
                json::array out;
                for (int item : field) out.emplace_back(static_cast<std::int64_t>(item));
                return out;
            } else if constexpr (std::is_same_v<field_t, log_level>) {
                return json::value(std::string(to_string(field)));
            } else if constexpr (std::is_same_v<field_t, int>) {
                return json::value(static_cast<std::int64_t>(field));
            } else {
                return json::value(field);
            }
        },
        spec.field);
}

void write_field(const key_spec& spec, settings& s, const json::value& normalized) {
    std::visit(
        [&](auto accessor) {
            auto& field = accessor(s);
            using field_t = std::decay_t<decltype(field)>;
            if constexpr (std::is_same_v<field_t, std::vector<std::string>>) {
                field.clear();
                for (const auto& item : normalized.as_array()) field.emplace_back(item.as_string());
            } else if constexpr (std::is_same_v<field_t, std::vector<int>>) {
                field.clear();
                for (const auto& item : normalized.as_array()) field.push_back(static_cast<int>(item.as_int64()));
            } else if constexpr (std::is_same_v<field_t, log_level>) {
                field = parse_log_level(normalized.as_string()).value_or(log_level::info);
            } else if constexpr (std::is_same_v<field_t, int>) {
                field = static_cast<int>(normalized.as_int64());
            } else if constexpr (std::is_same_v<field_t, double>) {
                field = normalized.to_number<double>();
            } else if constexpr (std::is_same_v<field_t, bool>) {
                field = normalized.as_bool();
            } else {
                field = std::string(normalized.as_string());
            }
        },
        spec.field);
}

}  // namespace chainbot::config
