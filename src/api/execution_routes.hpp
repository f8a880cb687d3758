#pragma once
#include "api/api_context.hpp"

namespace chainbot::api {

/// @brief Under /api/chainbot:
///
/// | method | path                      | permission                | answer                          |
/// |--------|---------------------------|---------------------------|---------------------------------|
/// | GET    | /executions               | chainbot:read             | {items, total, limit, offset}; ?workflow_id=&status= |
/// | GET    | /executions/{id}          | chainbot:read             | the execution with step_runs    |
/// | POST   | /executions/{id}/cancel   | chainbot:workflow:execute | 202 {execution_id, action, status} |
/// | POST   | /executions/{id}/pause    | chainbot:workflow:execute | same                            |
/// | POST   | /executions/{id}/resume   | chainbot:workflow:execute | same                            |
///
/// Cancel, pause and resume take effect asynchronously; 409 when the execution is not in
/// a state that allows it, 404 when there is no such execution.
void add_execution_routes(api_context& ctx);

}  // namespace chainbot::api
