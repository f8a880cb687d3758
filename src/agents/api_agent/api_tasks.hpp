#pragma once
// The `api` agent type's tasks: HTTP requests through the agent's configured client.
// One api agent is one client (base URL, auth, rate limiter): clients are kept per agent
// id, made from the agent's config on first use and replaced when that config (or a
// secret it references) changes. See docs/api_agent.md.

#include "orchestrator/task_registry.hpp"

#include <functional>
#include <map>
#include <string>

namespace chainbot {
class logger;
}
namespace chainbot::http {
class http_client;
}

namespace chainbot::agents {

/// @brief What the api tasks need from the module. `http` must outlive the registry's use.
struct api_agent_environment {
    http::http_client& http;
    /// The configured secrets (workflow.credentials_file), resolvable as ${name} in the
    /// agent's auth and headers. Called on each task; may be empty.
    std::function<std::map<std::string, std::string>()> secrets;
    logger* log = nullptr;  ///< retries are logged here (masked); may be null
};

/// @brief Registers under agent type "api": `request` (input {"method", "path" | "url",
/// "query", "headers", "body"}), `get` and `post` (the same input with the method fixed).
/// Each returns {"status_code", "headers", "body", "attempts"}. The agent's config is its
/// spawn config; without an agent (no spawner), the step's `config` stands in for it.
void register_api_agent_tasks(orchestrator::task_registry& registry, api_agent_environment env);

}  // namespace chainbot::agents
