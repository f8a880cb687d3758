#pragma once
/// @file run_blocking.hpp
/// @brief Runs a handler's blocking part (store calls) on the runtime's bounded blocking
/// pool and answers with its result, or with the mapped error when it throws.
///
/// @code
///   table.add({"GET", "/api/chainbot/workflows/{id}", ..., [&rt, db](http::request& req, http::responder respond) {
///       run_blocking(rt, std::move(respond), [db, id = req.params.at("id")] {
///           return http::response::json(200, load(db, id));  // may throw store_not_found: 404
///       });
///   }, "..."});
/// @endcode

#include "http/router.hpp"
#include "runtime/runtime.hpp"

#include <functional>

namespace chainbot::api {

/// @brief Posts `fn` to rt's blocking pool; responds with what it returns, or with
/// error_response() of what it throws. When the pool is full (or stopping) it answers
/// 503 with Retry-After at once, without queuing.
void run_blocking(runtime& rt, http::responder respond, std::function<http::response()> fn);

/// @brief A route handler that runs `fn` on the blocking pool (through run_blocking), for
/// handlers written as blocking functions of the request (security::admin_routes(), say).
/// @code
///   for (auto& r : security::admin_routes(backends))
///       table.add({r.method, r.pattern, r.permission, blocking_handler(rt, r.handle), r.summary});
/// @endcode
http::handler blocking_handler(runtime& rt, std::function<http::response(http::request&)> fn);

}  // namespace chainbot::api
