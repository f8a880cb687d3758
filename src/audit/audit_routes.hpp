#pragma once
/// @file audit_routes.hpp
/// @brief GET /api/chainbot/audit (permission chainbot:admin): the trail, newest first.
/// There is deliberately no route that changes or deletes an entry.
///
/// Query: user (or user_id), action, resource, success (true/false), since (inclusive),
/// until (exclusive) as ISO 8601 or epoch milliseconds, limit (1..1000, default 100),
/// offset. Answer: {"items": [{"id", "timestamp", "user_id", "token_id", "action",
/// "resource", "success", "client", "metadata"}], "total", "limit", "offset"}.

#include "audit/audit_trail.hpp"

#include "http/message.hpp"

#include <boost/json/object.hpp>

namespace chainbot::audit {

inline constexpr std::string_view audit_route_pattern = "/api/chainbot/audit";

/// @brief The handler's blocking body: run it on the blocking pool. Flushes the trail first,
/// so the answer has every entry recorded before the request. Throws http::http_error (400
/// invalid_parameter) for a bad filter and the store's errors.
http::response list_audit(audit_trail& trail, const http::request& req);

/// @brief One entry as the API shows it.
boost::json::object to_json(const store::audit_entry& e);

}  // namespace chainbot::audit
