// Reading configuration files: choosing the format by extension, JSON and TOML
// parsing (YAML is in yaml_reader.cpp), and the checks every file shares.

#include "config/parsers.hpp"
#include "util/ascii.hpp"

#include <boost/json/array.hpp>
#include <boost/json/parser.hpp>
#include <fmt/format.h>
#include <toml++/toml.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

namespace chainbot::config {

namespace json = boost::json;

namespace detail {

namespace {

/// 1-based line and column of a byte offset.
std::pair<std::size_t, std::size_t> line_column(std::string_view text, std::size_t offset) {
    offset = std::min(offset, text.size());
    std::size_t line = 1 + static_cast<std::size_t>(std::count(text.begin(), text.begin() + offset, '\n'));
    auto line_start = text.rfind('\n', offset == 0 ? 0 : offset - 1);
    std::size_t column = offset - (line_start == std::string_view::npos || offset == 0 ? 0 : line_start + 1) + 1;
    return {line, column};
}

template <class Value>
std::string text_of(const Value& v) {
    std::ostringstream out;
    out << v;
    return out.str();
}

json::value to_json(const toml::node& node) {
    switch (node.type()) {
        case toml::node_type::table: {
            json::object out;
            for (const auto& [key, value] : *node.as_table()) out[key.str()] = to_json(value);
            return out;
        }
        case toml::node_type::array: {
            json::array out;
            for (const auto& item : *node.as_array()) out.push_back(to_json(item));
            return out;
        }
        case toml::node_type::string: return json::value(node.as_string()->get());
        case toml::node_type::integer: return json::value(node.as_integer()->get());
        case toml::node_type::floating_point: return json::value(node.as_floating_point()->get());
        case toml::node_type::boolean: return json::value(node.as_boolean()->get());
        // No key takes a date or time yet; as text they fail the type check readably.
        case toml::node_type::date: return json::value(text_of(*node.as_date()));
        case toml::node_type::time: return json::value(text_of(*node.as_time()));
        case toml::node_type::date_time: return json::value(text_of(*node.as_date_time()));
        case toml::node_type::none: break;
    }
    return nullptr;
}

}  // namespace

std::optional<json::value> parse_json(std::string_view text, std::string_view source, problem_list& problems) {
    json::parser parser;
    boost::system::error_code ec;
    std::size_t consumed = parser.write(text.data(), text.size(), ec);
    if (!ec) return parser.release();
    auto [line, column] = line_column(text, consumed);
    problems.add(source, fmt::format("line {}, column {}: invalid JSON ({})", line, column, ec.message()));
    return std::nullopt;
}

std::optional<json::value> parse_toml(std::string_view text, std::string_view source, problem_list& problems) {
    try {
        toml::table table = toml::parse(text, std::string_view(source));
        return to_json(table);
    } catch (const toml::parse_error& e) {
        problems.add(source, fmt::format("line {}, column {}: invalid TOML ({})", e.source().begin.line,
                                         e.source().begin.column, e.description()));
    }
    return std::nullopt;
}

}  // namespace detail

std::optional<file_format> format_of(const std::filesystem::path& path) {
    const std::string ext = util::ascii_lower(path.extension().string());
    if (ext == ".json") return file_format::json;
    if (ext == ".yaml" || ext == ".yml") return file_format::yaml;
    if (ext == ".toml") return file_format::toml;
    return std::nullopt;
}

std::optional<json::value> parse_document(std::string_view text, file_format format, std::string_view source,
                                          problem_list& problems) {
    switch (format) {
        case file_format::json: return detail::parse_json(text, source, problems);
        case file_format::yaml: return detail::parse_yaml(text, source, problems);
        case file_format::toml: return detail::parse_toml(text, source, problems);
    }
    return std::nullopt;
}

std::optional<json::object> read_config_file(const std::filesystem::path& path, problem_list& problems) {
    const std::string source = path.string();
    auto format = format_of(path);
    if (!format) {
        problems.add(source, fmt::format("unknown file type \"{}\" (expected .json, .yaml, .yml or .toml)",
                                         path.extension().string()));
        return std::nullopt;
    }
    std::error_code ec;
    if (!std::filesystem::is_regular_file(path, ec)) {
        problems.add(source, std::filesystem::exists(path, ec) ? "not a regular file" : "file not found");
        return std::nullopt;
    }
    std::ifstream in(path, std::ios::binary);
    if (!in.is_open()) {
        problems.add(source, fmt::format("cannot read the file ({})", std::strerror(errno)));
        return std::nullopt;
    }
    std::ostringstream text;
    text << in.rdbuf();
    auto document = parse_document(text.str(), *format, source, problems);
    if (!document) return std::nullopt;
    if (document->is_null()) return json::object{};  // an empty or all-comment YAML file
    if (!document->is_object()) {
        problems.add(source, "expected a mapping of sections (database, workflow, ...) at the top level");
        return std::nullopt;
    }
    return std::move(document->get_object());
}

}  // namespace chainbot::config
