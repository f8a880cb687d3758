// The spawn-time checks of each built-in agent type's config: each type's own parser, so
// that a config accepted at spawn is one the agent can use.

#include "agents/assistant/options.hpp"
#include "agents/spawner.hpp"
#include "agents/workflow_agent.hpp"

namespace chainbot::agents {

void add_builtin_validators(agent_spawner& spawner) {
    spawner.set_config_validator("assistant", [](const boost::json::object& config) {
        orchestrator::agent_handle agent;
        agent.type = "assistant";
        agent.config = config;
        (void)assistant::resolve_options(config::assistant_settings{}, &agent, {});
    });
    spawner.set_config_validator("workflow", [](const boost::json::object& config) { (void)parse_alert_rules(config); });
}

}  // namespace chainbot::agents
