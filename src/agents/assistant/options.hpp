#pragma once
// What one assistant call needs to know about its model service and its persona: the
// settings (agents.assistant.*) overridden by the agent's own config, then by the step's.

#include "config/settings.hpp"
#include "orchestrator/task_registry.hpp"

#include <boost/json/object.hpp>

#include <chrono>
#include <optional>
#include <string>

namespace chainbot::agents::assistant {

/// @brief The effective configuration of one assistant call.
struct assistant_options {
    std::string endpoint;  ///< base URL without a trailing '/', e.g. http://127.0.0.1:11434/v1
    std::string model;
    std::string api_key;  ///< secret: goes into the Authorization field only
    std::chrono::milliseconds timeout{60000};
    int max_memory_messages = 40;
    std::string name;         ///< the agent's name ("assistant" when it has none)
    std::string personality;  ///< "" = none given
    std::string system_prompt;  ///< extra instructions appended to the generated prompt
    std::optional<double> temperature;
    std::optional<int> max_tokens;
};

/// @brief Merges the settings, the agent's config (`agent` may be null) and the step's
/// config (`temperature`, `max_tokens` only). Does not require the endpoint or the model:
/// see require_model_service().
/// @throws orchestrator::step_failure kind "configuration" naming the key of a value of
/// the wrong type or out of range.
assistant_options resolve_options(const config::assistant_settings& settings, const orchestrator::agent_handle* agent,
                                  const boost::json::object& step_config);

/// @brief Checks that the endpoint and the model are known.
/// @throws orchestrator::step_failure kind "configuration", e.g.
/// `agents.assistant.endpoint is not set (nor the agent's config "endpoint")`.
void require_model_service(const assistant_options& options);

/// @brief The system prompt: who the agent is (name, personality), what ChainBot is,
/// then `system_prompt` when given. `with_tools` adds a sentence about the tools.
std::string build_system_prompt(const assistant_options& options, bool with_tools);

}  // namespace chainbot::agents::assistant
