#pragma once
#include "api/route_table.hpp"

#include <boost/json/object.hpp>

namespace chainbot::api {

/// @brief The OpenAPI 3.0 document of every route in `table`: method, path (with its
/// path parameters), summary, the permission as `x-permission`, and the bearer security
/// scheme (public routes carry `security: []`).
boost::json::object openapi_document(const route_table& table);

/// @brief GET /api/chainbot/openapi.json (public), built from the table when requested,
/// so it lists routes added after it too.
void add_openapi_route(route_table& table);

}  // namespace chainbot::api
