#pragma once
/// @file webhook_routes.hpp
/// @brief Inbound webhooks: POST /api/chainbot/webhooks/{name} (chainbot:workflow:execute)
/// starts the workflow whose definition has `"webhook": "<name>"`, with the JSON body as
/// its input. Answers like POST /workflows/{id}/execute: 202 {execution_id, workflow_id,
/// workflow_version, status}; the Idempotency-Key header, ?wait=true and ?timeout_ms
/// work the same. 404 when no workflow binds the name.

#include "api/api_context.hpp"

namespace chainbot::api {

void add_webhook_routes(api_context& ctx);

}  // namespace chainbot::api
