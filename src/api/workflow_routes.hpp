#pragma once
#include "api/api_context.hpp"

namespace chainbot::api {

/// @brief Under /api/chainbot:
///
/// | method | path             | permission               | answer                                  |
/// |--------|------------------|--------------------------|-----------------------------------------|
/// | GET    | /workflows       | chainbot:read            | {items, total, limit, offset}           |
/// | POST   | /workflows       | chainbot:workflow:create | 201 {id, name, description, version, created_at, definition} |
/// | GET    | /workflows/{id}  | chainbot:read            | that (latest or ?version=n) + latest_version, updated_at, versions |
/// | PUT    | /workflows/{id}  | chainbot:workflow:create | 200, the new version                    |
/// | DELETE | /workflows/{id}  | chainbot:workflow:delete | 204; 409 while executions are active    |
///
/// POST /workflows/{id}/execute is in execute_route.hpp.
void add_workflow_routes(api_context& ctx);

}  // namespace chainbot::api
