#pragma once
// Configuration files to JSON: JSON as is, YAML with core-schema typing (plain
// scalars infer null/bool/int/float, quoted scalars stay strings), TOML by type.

#include "config/problems.hpp"

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <filesystem>
#include <optional>
#include <string_view>

namespace chainbot::config {

enum class file_format { json, yaml, toml };

/// @brief The format named by the extension (.json, .yaml, .yml, .toml; any case), or nullopt.
std::optional<file_format> format_of(const std::filesystem::path& path);

/// @brief Parses `text`; on a syntax error adds "<source>: line L, column C: invalid ..."
/// to `problems` and returns nullopt. An empty YAML document is null.
std::optional<boost::json::value> parse_document(std::string_view text, file_format format, std::string_view source,
                                                 problem_list& problems);

/// @brief Reads a file of sections. A missing or unreadable file, an unknown extension,
/// a syntax error or a top level that is not a mapping adds a problem named by the
/// path and returns nullopt. An empty YAML file is an empty object.
std::optional<boost::json::object> read_config_file(const std::filesystem::path& path, problem_list& problems);

}  // namespace chainbot::config

namespace chainbot::config::detail {

/// @brief One parser per format, used by parse_document (yaml_reader.cpp, parsers.cpp).
std::optional<boost::json::value> parse_json(std::string_view text, std::string_view source, problem_list& problems);
std::optional<boost::json::value> parse_yaml(std::string_view text, std::string_view source, problem_list& problems);
std::optional<boost::json::value> parse_toml(std::string_view text, std::string_view source, problem_list& problems);

}  // namespace chainbot::config::detail
