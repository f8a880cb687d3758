#pragma once
/// @file api_errors.hpp
/// @brief The HTTP boundary's one mapping from an exception to a JSON error response.
///
/// | exception                          | status | code                      |
/// |------------------------------------|--------|---------------------------|
/// | http::http_error                   | its    | its                       |
/// | orchestrator::validation_error     | 400    | validation_error, details [{path, message}] |
/// | service_error (orchestrator_error) | its    | its (429, 503: + Retry-After, its own or the default) |
/// | store::store_not_found             | 404    | not_found                 |
/// | store::store_conflict              | 409    | conflict                  |
/// | store::store_unavailable           | 503    | database_unavailable, Retry-After |
/// | std::invalid_argument              | 400    | invalid_argument          |
/// | anything else                      | 500    | internal_error ("internal error"; the text is logged only) |

#include "http/message.hpp"
#include "runtime/logger.hpp"

#include <exception>

namespace chainbot::api {

/// @brief Seconds a client should wait before retrying a 503 or 429 that names none.
inline constexpr int retry_after_seconds = 5;

/// @brief The response for `error`; internal errors are written to `log` (may be null).
http::response error_response(std::exception_ptr error, logger* log = nullptr);

/// @brief 503 with Retry-After: the blocking pool is full or the module is stopping.
http::response busy_response();

}  // namespace chainbot::api
