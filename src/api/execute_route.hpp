#pragma once
#include "api/api_context.hpp"
#include "orchestrator/orchestrator.hpp"

#include <chrono>
#include <string>

namespace chainbot::api {

inline constexpr std::chrono::milliseconds default_wait_timeout{30000};
inline constexpr std::chrono::milliseconds max_wait_timeout{300000};

/// @brief POST /api/chainbot/workflows/{id}/execute (chainbot:workflow:execute): 202
/// {execution_id, workflow_id, workflow_version, status}; with wait, 200 and the outcome
/// ({execution_id, workflow_id, status, output, error}) or 202 after timeout_ms.
void add_execute_route(api_context& ctx);

/// @brief What an execute request asks for (shared with the webhook route).
struct execute_options {
    orchestrator::execute_request request;
    bool wait = false;
    std::chrono::milliseconds timeout = default_wait_timeout;
};

/// @brief Reads the Idempotency-Key header and ?wait / ?timeout_ms into `o` (400 when
/// malformed, or when the header differs from a key already in `o`).
void read_execute_query(const http::request& req, execute_options& o);

/// @brief Starts an execution of `workflow_id` and answers as the execute route does
/// (202 at once; with wait, the outcome or 202 after the timeout). Any thread.
void start_execution(api_context& ctx, std::string workflow_id, execute_options options, http::responder respond);

}  // namespace chainbot::api
