// The spawn-time checks of each built-in agent type's config.

#include "agents/spawner.hpp"
#include "agents/workflow_agent.hpp"

#include <fmt/format.h>

#include <stdexcept>

namespace chainbot::agents {

namespace json = boost::json;

namespace {

void assistant_config(const json::object& config) {
    for (const char* key : {"endpoint", "model", "api_key", "personality", "system_prompt"})
        if (const auto* v = config.if_contains(key); v && !v->is_string())
            throw std::invalid_argument(fmt::format("{}: must be a string", key));
    if (const auto* v = config.if_contains("temperature")) {
        if (!v->is_number() || v->to_number<double>() < 0 || v->to_number<double>() > 2)
            throw std::invalid_argument("temperature: must be a number from 0 to 2");
    }
    for (const char* key : {"max_tokens", "timeout_seconds"})
        if (const auto* v = config.if_contains(key); v && !((v->is_int64() && v->as_int64() >= 1) || (v->is_uint64())))
            throw std::invalid_argument(fmt::format("{}: must be an integer >= 1", key));
}

void workflow_config(const json::object& config) { (void)parse_alert_rules(config); }

}  // namespace

void add_builtin_validators(agent_spawner& spawner) {
    spawner.set_config_validator("assistant", assistant_config);
    spawner.set_config_validator("workflow", workflow_config);
}

}  // namespace chainbot::agents
