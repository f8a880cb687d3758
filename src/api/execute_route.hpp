#pragma once
#include "api/api_context.hpp"

#include <chrono>

namespace chainbot::api {

inline constexpr std::chrono::milliseconds default_wait_timeout{30000};
inline constexpr std::chrono::milliseconds max_wait_timeout{300000};

/// @brief POST /api/chainbot/workflows/{id}/execute (chainbot:workflow:execute): 202
/// {execution_id, workflow_id, workflow_version, status}; with wait, 200 and the outcome
/// ({execution_id, workflow_id, status, output, error}) or 202 after timeout_ms.
void add_execute_route(api_context& ctx);

}  // namespace chainbot::api
