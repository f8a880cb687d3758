#pragma once
/// @file request_parsing.hpp
/// @brief Reading what clients send: JSON bodies, pagination and other query parameters.
/// Each throws http::http_error with the status to answer (400 or 415).

#include "http/message.hpp"
#include "store/types.hpp"

#include <boost/json/value.hpp>

#include <optional>
#include <string>

namespace chainbot::api {

/// @brief Largest page a list returns; larger limits are refused.
inline constexpr std::size_t max_page_limit = 1000;
inline constexpr std::size_t default_page_limit = 100;

/// @brief The body as JSON. 415 unsupported_media_type when a Content-Type is given and
/// is not JSON (application/json or */*+json); 400 invalid_json when it does not parse
/// (or is empty and `empty_as` is not given).
boost::json::value parse_json_body(const http::request& req, std::optional<boost::json::value> empty_as = std::nullopt);

/// @brief `?limit=&offset=` (defaults 100 and 0); 400 invalid_parameter when not a
/// non-negative integer or limit is 0 or above max_page_limit.
store::page parse_page(const http::request& req);

/// @brief A non-negative integer query parameter, nullopt when absent; 400 when malformed.
std::optional<std::size_t> query_unsigned(const http::request& req, const std::string& name);

/// @brief A boolean query parameter ("true"/"false"/"1"/"0"), nullopt when absent; 400 when malformed.
std::optional<bool> query_bool(const http::request& req, const std::string& name);

/// @brief The list envelope: {"items", "total", "limit", "offset"}.
boost::json::object page_body(boost::json::array items, std::size_t total, const store::page& p);

}  // namespace chainbot::api
