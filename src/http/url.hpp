#pragma once
/// @file url.hpp
/// @brief Percent-decoding and request-target splitting (RFC 3986), shared by the
/// router and any handler that needs them.

#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace chainbot::http {

/// @brief Decodes `%XX` escapes; with `plus_is_space` (query strings) also '+' to ' '.
/// @return nullopt on a malformed escape ("%4", "%zz").
std::optional<std::string> percent_decode(std::string_view text, bool plus_is_space = false);

/// @brief Parses "a=1&b=x%20y&flag" into {a: "1", b: "x y", flag: ""}; the first
/// occurrence of a repeated key wins. @return nullopt on a malformed escape.
std::optional<std::map<std::string, std::string>> parse_query(std::string_view query);

/// @brief A request-target cut into its path and raw query string.
struct split_target {
    std::string_view path;   ///< up to '?' or '#', still encoded
    std::string_view query;  ///< between '?' and '#', without the '?'
};

/// @brief Splits "/a/b?x=1#frag" into {"/a/b", "x=1"}.
split_target split_request_target(std::string_view target) noexcept;

}  // namespace chainbot::http
