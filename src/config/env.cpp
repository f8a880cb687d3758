#include "config/env.hpp"
#include "util/ascii.hpp"

#include <boost/json/parse.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <charconv>

namespace chainbot::config {

namespace {

namespace json = boost::json;

std::string_view trimmed(std::string_view s) {
    auto is_space = [](unsigned char c) { return std::isspace(c) != 0; };
    while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
    while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
    return s;
}

/// An integer or a float; the text itself when it is neither (check_value rejects it).
json::value number_value(std::string_view text) {
    std::string_view s = trimmed(text);
    if (s.starts_with('+')) s.remove_prefix(1);
    const char* end = s.data() + s.size();
    std::int64_t i = 0;
    if (auto r = std::from_chars(s.data(), end, i); r.ec == std::errc{} && r.ptr == end && !s.empty()) return i;
    double d = 0;
    if (auto r = std::from_chars(s.data(), end, d); r.ec == std::errc{} && r.ptr == end && !s.empty()) return d;
    return json::value(std::string(text));
}

std::optional<bool> bool_value(std::string_view text) {
    const std::string s = util::ascii_lower(trimmed(text));
    if (s == "true" || s == "1" || s == "yes") return true;
    if (s == "false" || s == "0" || s == "no") return false;
    return std::nullopt;
}

json::array comma_list(std::string_view text) {
    json::array out;
    while (!text.empty()) {
        auto comma = text.find(',');
        std::string_view item = trimmed(text.substr(0, comma));
        if (!item.empty()) out.emplace_back(item);
        if (comma == std::string_view::npos) break;
        text.remove_prefix(comma + 1);
    }
    return out;
}

}  // namespace

const key_spec* key_of_env_name(std::string_view variable) {
    for (const auto& spec : schema())
        if (env_name(spec.key) == variable) return &spec;
    return nullptr;
}

std::optional<json::value> env_text_to_json(const key_spec& spec, std::string_view text, std::string& problem) {
    json::value as_text(std::string_view{text});  // braces would make a one-element array
    switch (spec.type) {
        case value_type::integer:
        case value_type::number: return number_value(text);
        case value_type::boolean:
            if (auto b = bool_value(text)) return json::value(*b);
            problem = fmt::format("expected true, false, 1, 0, yes or no, got {}", shown_value(spec, as_text));
            return std::nullopt;
        case value_type::string_list: {
            if (!trimmed(text).starts_with('[')) return comma_list(text);
            boost::system::error_code ec;
            json::value parsed = json::parse(text, ec);
            if (!ec) return parsed;
            problem = fmt::format("expected a JSON array of strings or a comma-separated list, got {} ({})",
                                  shown_value(spec, as_text), ec.message());
            return std::nullopt;
        }
        case value_type::integer_list: {
            // "17, 27" or a JSON array; items that are not numbers stay text for check_value to reject.
            if (trimmed(text).starts_with('[')) {
                boost::system::error_code ec;
                json::value parsed = json::parse(text, ec);
                if (!ec) return parsed;
                problem = fmt::format("expected a JSON array of integers or a comma-separated list, got {} ({})",
                                      shown_value(spec, as_text), ec.message());
                return std::nullopt;
            }
            json::array items;
            for (const auto& item : comma_list(text)) items.push_back(number_value(item.as_string()));
            return items;
        }
        case value_type::string:
        case value_type::log_level:
        case value_type::database_url: return as_text;
    }
    return as_text;
}

void collect_environment(const std::map<std::string, std::string>& environment, key_values& values,
                         problem_list& problems) {
    for (const auto& [name, text] : environment) {
        if (!std::string_view(name).starts_with(env_prefix)) continue;
        const std::string source = "environment variable " + name;
        const key_spec* spec = key_of_env_name(name);
        if (!spec) {
            problems.add(source, fmt::format("matches no configuration key (expected {}<SECTION>_<KEY>, e.g. {})",
                                             env_prefix, env_name("workflow.retry_attempts")));
            continue;
        }
        std::string problem;
        auto raw = env_text_to_json(*spec, text, problem);
        if (!raw) {
            problems.add(source, spec->key, problem);
            continue;
        }
        auto checked = check_value(*spec, *raw);
        if (!checked.value) {
            problems.add(source, spec->key, checked.problem);
            continue;
        }
        values.insert_or_assign(std::string(spec->key), std::move(*checked.value));
    }
}

}  // namespace chainbot::config
