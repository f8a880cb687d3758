#pragma once
// Internal: what every model task does before and around its requests.

#include "agents/assistant/assistant.hpp"
#include "agents/assistant/options.hpp"

#include <boost/json/object.hpp>

namespace chainbot::agents::assistant {

/// @brief The resolved options and the client of one task run.
struct model_service {
    assistant_options options;
    http::http_client* client = nullptr;
};

/// @brief Resolves the options (settings, agent config, step config) and checks that a
/// model can be asked.
/// @throws orchestrator::step_failure kind "configuration"
model_service open_model_service(const assistant_environment& env, const orchestrator::agent_handle* agent,
                                 const orchestrator::task_call* call);

/// @throws orchestrator::step_failure kind "cancelled" when the step was cancelled or timed out
void throw_if_cancelled(const orchestrator::task_call* call);

/// @brief Adds the numeric fields of `more` (a reply's usage) to `total`.
void add_usage(boost::json::object& total, const boost::json::object& more);

}  // namespace chainbot::agents::assistant
