#include "agents/tasks/rules.hpp"

#include "agents/tasks/records.hpp"

#include <boost/json/serialize.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <set>

namespace chainbot::agents::tasks {

namespace json = boost::json;

namespace {

const std::set<std::string, std::less<>> known_types{"string", "number", "integer", "boolean", "array", "object"};
const std::set<std::string, std::less<>> known_formats{"email", "date", "uuid", "url"};

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_hex(char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; }
bool is_space(char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; }

bool digits(std::string_view s, std::size_t at, std::size_t n, int& out) {
    if (at + n > s.size()) return false;
    out = 0;
    for (std::size_t i = at; i < at + n; ++i) {
        if (!is_digit(s[i])) return false;
        out = out * 10 + (s[i] - '0');
    }
    return true;
}

// YYYY-MM-DD, optionally followed by THH:MM[:SS[.fff]] and Z or ±HH:MM.
bool is_date(std::string_view s) {
    int y, m, d;
    if (!digits(s, 0, 4, y) || s.size() < 10 || s[4] != '-' || !digits(s, 5, 2, m) || s[7] != '-' ||
        !digits(s, 8, 2, d))
        return false;
    static constexpr int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m < 1 || m > 12) return false;
    const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    if (d < 1 || d > days[m - 1] + (m == 2 && leap ? 1 : 0)) return false;
    if (s.size() == 10) return true;
    if (s[10] != 'T' && s[10] != ' ') return false;
    int hh, mm, ss = 0;
    std::size_t at = 11;
    if (!digits(s, at, 2, hh) || at + 2 >= s.size() || s[at + 2] != ':' || !digits(s, at + 3, 2, mm)) return false;
    at += 5;
    if (at < s.size() && s[at] == ':') {
        if (!digits(s, at + 1, 2, ss)) return false;
        at += 3;
        if (at < s.size() && s[at] == '.') {
            const std::size_t start = ++at;
            while (at < s.size() && is_digit(s[at])) ++at;
            if (at == start) return false;
        }
    }
    if (hh > 23 || mm > 59 || ss > 60) return false;
    if (at == s.size()) return true;
    if (s[at] == 'Z') return at + 1 == s.size();
    int oh, om;
    return (s[at] == '+' || s[at] == '-') && at + 6 == s.size() && digits(s, at + 1, 2, oh) && s[at + 3] == ':' &&
           digits(s, at + 4, 2, om) && oh <= 23 && om <= 59;
}

bool is_email(std::string_view s) {
    const auto at = s.find('@');
    if (at == std::string_view::npos || at == 0 || s.find('@', at + 1) != std::string_view::npos || s.size() > 254)
        return false;
    if (std::any_of(s.begin(), s.end(), is_space)) return false;
    const auto domain = s.substr(at + 1);
    const auto dot = domain.find('.');
    return dot != std::string_view::npos && dot > 0 && domain.back() != '.' &&
           domain.find("..") == std::string_view::npos;
}

bool is_uuid(std::string_view s) {
    if (s.size() != 36) return false;
    for (std::size_t i = 0; i < s.size(); ++i) {
        const bool dash = i == 8 || i == 13 || i == 18 || i == 23;
        if (dash ? s[i] != '-' : !is_hex(s[i])) return false;
    }
    return true;
}

// scheme://rest, with a scheme of [A-Za-z][A-Za-z0-9+.-]* and a non-empty, space-free rest.
bool is_url(std::string_view s) {
    const auto sep = s.find("://");
    if (sep == std::string_view::npos || sep == 0 || !std::isalpha(static_cast<unsigned char>(s[0]))) return false;
    for (std::size_t i = 1; i < sep; ++i) {
        const char c = s[i];
        if (!std::isalnum(static_cast<unsigned char>(c)) && c != '+' && c != '.' && c != '-') return false;
    }
    const auto rest = s.substr(sep + 3);
    return !rest.empty() && rest[0] != '/' && std::none_of(rest.begin(), rest.end(), is_space);
}

bool has_format(std::string_view format, std::string_view s) {
    if (format == "email") return is_email(s);
    if (format == "date") return is_date(s);
    if (format == "uuid") return is_uuid(s);
    return is_url(s);
}

bool has_type(std::string_view type, const json::value& v) {
    if (type == "integer") {
        if (v.is_int64() || v.is_uint64()) return true;
        return v.is_double() && std::isfinite(v.get_double()) && std::trunc(v.get_double()) == v.get_double();
    }
    return kind_name(v) == type;
}

// The pattern as an expression string literal, so that matches() compiles it once at parse time.
std::string quoted(std::string_view pattern) {
    std::string out = "'";
    for (const char c : pattern) {
        if (c == '\\' || c == '\'') {
            out += '\\';
            out += c;
        } else if (static_cast<unsigned char>(c) < 0x20) {
            out += fmt::format("\\u{:04x}", static_cast<unsigned>(c));
        } else {
            out += c;
        }
    }
    return out + "'";
}

field_rule parse_field_rule(const std::string& field, const json::value& spec, const std::string& where) {
    if (!spec.is_object()) fail_validation(fmt::format("{}: expected an object of rules, got {}", where, kind_name(spec)));
    field_rule rule;
    rule.field = field;
    for (const auto& kv : spec.get_object()) {
        const std::string key(kv.key());
        const std::string at = where + "." + key;
        const auto& v = kv.value();
        if (key == "required") {
            if (!v.is_bool()) fail_validation(fmt::format("{}: expected true or false, got {}", at, kind_name(v)));
            rule.required = v.get_bool();
        } else if (key == "type") {
            if (!v.is_string() || !known_types.count(v.get_string()))
                fail_validation(fmt::format("{}: expected one of string, number, integer, boolean, array, object", at));
            rule.type = std::string(v.get_string());
        } else if (key == "format") {
            if (!v.is_string() || !known_formats.count(v.get_string()))
                fail_validation(fmt::format("{}: expected one of email, date, uuid, url", at));
            rule.format = std::string(v.get_string());
        } else if (key == "regex") {
            if (!v.is_string()) fail_validation(fmt::format("{}: expected a string, got {}", at, kind_name(v)));
            try {
                rule.regex = expr::expression::parse("matches(value, " + quoted(v.get_string()) + ")");
            } catch (const expr::error& e) {
                fail_validation(fmt::format("{}: invalid pattern: {}", at, e.what()));
            }
        } else if (key == "min" || key == "max") {
            auto d = as_number(v);
            if (!d) fail_validation(fmt::format("{}: expected a number, got {}", at, kind_name(v)));
            (key == "min" ? rule.min : rule.max) = *d;
        } else if (key == "enum") {
            if (!v.is_array() || v.get_array().empty())
                fail_validation(fmt::format("{}: expected a non-empty array of allowed values", at));
            rule.enum_values = v.get_array();
        } else {
            fail_validation(fmt::format(
                "{}: unknown rule (expected required, type, format, regex, min, max or enum)", at));
        }
    }
    return rule;
}

rule_set parse_list(const json::array& list) {
    rule_set rules;
    for (std::size_t i = 0; i < list.size(); ++i) {
        const auto& e = list[i];
        if (e == "required")
            rules.all_required = true;
        else if (e == "format")
            rules.consistent_types = true;
        else
            fail_validation(fmt::format("config.validation_rules[{}]: unknown rule {} (expected 'required' or 'format')",
                                        i, json::serialize(e)));
    }
    return rules;
}

std::string describe(const json::value& v) {
    std::string s = json::serialize(v);
    if (s.size() > 80) s = s.substr(0, 77) + "...";
    return s;
}

}  // namespace

rule_set parse_rules(const json::object& config, const std::vector<std::string>& fallback) {
    const auto* v = config.if_contains("validation_rules");
    if (!v || v->is_null()) {
        json::array list;
        for (const auto& name : fallback) list.emplace_back(name);
        return parse_list(list);
    }
    if (v->is_array()) return parse_list(v->get_array());
    if (!v->is_object())
        fail_validation(fmt::format("config.validation_rules: expected a list such as [\"required\", \"format\"] or "
                                    "an object {{\"fields\": {{...}}}}, got {}", kind_name(*v)));
    rule_set rules;
    for (const auto& kv : v->get_object())
        if (kv.key() != "fields")
            fail_validation(fmt::format("config.validation_rules.{}: unknown key (expected 'fields')",
                                        std::string(kv.key())));
    const auto* fields = v->get_object().if_contains("fields");
    if (!fields || !fields->is_object())
        fail_validation("config.validation_rules.fields: expected an object mapping field names to rules");
    for (const auto& kv : fields->get_object()) {
        const std::string field(kv.key());
        rules.fields.push_back(parse_field_rule(field, kv.value(), "config.validation_rules.fields." + field));
    }
    return rules;
}

std::map<std::string, std::string> dominant_kinds(const json::array& records) {
    // field -> (kind, count) in first-seen order
    std::map<std::string, std::vector<std::pair<std::string_view, std::size_t>>> counts;
    for (const auto& r : records) {
        if (!r.is_object()) continue;
        for (const auto& kv : r.get_object()) {
            if (kv.value().is_null()) continue;
            auto& kinds = counts[std::string(kv.key())];
            const auto kind = kind_name(kv.value());
            auto it = std::find_if(kinds.begin(), kinds.end(), [&](const auto& p) { return p.first == kind; });
            if (it == kinds.end())
                kinds.emplace_back(kind, 1);
            else
                ++it->second;
        }
    }
    std::map<std::string, std::string> out;
    for (const auto& [field, kinds] : counts) {
        const auto* best = &kinds.front();
        for (const auto& k : kinds)
            if (k.second > best->second) best = &k;
        out[field] = std::string(best->first);
    }
    return out;
}

std::optional<violation> check_field(const field_rule& rule, const json::value* value) {
    const std::string& f = rule.field;
    auto broken = [&](std::string name, std::string message) {
        return violation{f, std::move(name), std::move(message)};
    };
    if (!value || value->is_null()) {
        if (rule.required) return broken("required", fmt::format("field '{}' is {}", f, value ? "null" : "missing"));
        return std::nullopt;
    }
    const json::value& v = *value;
    if (rule.type && !has_type(*rule.type, v))
        return broken("type", fmt::format("field '{}' is {}, expected {}", f, describe(v), *rule.type));
    if (rule.format && !(v.is_string() && has_format(*rule.format, v.get_string())))
        return broken("format", fmt::format("field '{}' is not a valid {}: {}", f, *rule.format, describe(v)));
    if (rule.regex) {
        if (!v.is_string()) return broken("regex", fmt::format("field '{}' is {}, expected a string", f, kind_name(v)));
        try {
            expr::context ctx;
            ctx.resolve = [&](std::string_view root) { return root == "value" ? &v : nullptr; };
            if (!rule.regex->test(ctx))
                return broken("regex", fmt::format("field '{}' does not match the pattern", f));
        } catch (const expr::error& e) {
            return broken("regex", fmt::format("field '{}': {}", f, e.what()));
        }
    }
    if (rule.min || rule.max) {
        std::optional<double> measure = as_number(v);
        const char* what = "is";
        if (!measure && v.is_string()) measure = double(v.get_string().size()), what = "has length";
        if (!measure && v.is_array()) measure = double(v.get_array().size()), what = "has length";
        if (!measure) return broken("range", fmt::format("field '{}' is {}, which has no range", f, kind_name(v)));
        if (rule.min && *measure < *rule.min)
            return broken("min", fmt::format("field '{}' {} {}, below the minimum {}", f, what, *measure, *rule.min));
        if (rule.max && *measure > *rule.max)
            return broken("max", fmt::format("field '{}' {} {}, above the maximum {}", f, what, *measure, *rule.max));
    }
    if (rule.enum_values) {
        const auto key = canonical_key(v);
        const bool allowed = std::any_of(rule.enum_values->begin(), rule.enum_values->end(),
                                         [&](const json::value& e) { return canonical_key(e) == key; });
        if (!allowed)
            return broken("enum", fmt::format("field '{}' is {}, not one of {}", f, describe(v),
                                              describe(*rule.enum_values)));
    }
    return std::nullopt;
}

std::vector<violation> check_record(const rule_set& rules, const json::value& record,
                                    const std::map<std::string, std::string>& dominant) {
    std::vector<violation> out;
    if (!record.is_object()) {
        out.push_back({std::nullopt, "object", fmt::format("record is {}, expected an object", kind_name(record))});
        return out;
    }
    const auto& obj = record.get_object();
    if (rules.all_required) {
        if (obj.empty()) out.push_back({std::nullopt, "required", "record is empty"});
        for (const auto& kv : obj)
            if (kv.value().is_null())
                out.push_back({std::string(kv.key()), "required", fmt::format("field '{}' is null", std::string(kv.key()))});
    }
    if (rules.consistent_types) {
        for (const auto& kv : obj) {
            if (kv.value().is_null()) continue;
            const std::string field(kv.key());
            auto it = dominant.find(field);
            const auto kind = kind_name(kv.value());
            if (it != dominant.end() && it->second != kind)
                out.push_back({field, "format",
                               fmt::format("field '{}' is {}, but {} in most records", field, kind, it->second)});
        }
    }
    for (const auto& rule : rules.fields)
        if (auto v = check_field(rule, field_of(obj, rule.field))) out.push_back(std::move(*v));
    return out;
}

}  // namespace chainbot::agents::tasks
