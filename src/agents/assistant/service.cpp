#include "agents/assistant/service.hpp"

namespace chainbot::agents::assistant {

namespace json = boost::json;
using orchestrator::step_failure;

model_service open_model_service(const assistant_environment& env, const orchestrator::agent_handle* agent,
                                 const orchestrator::task_call* call) {
    auto snapshot = env.settings ? env.settings() : nullptr;
    const config::assistant_settings defaults;
    const auto& settings = snapshot ? snapshot->agents.assistant : defaults;
    static const json::object no_config;
    model_service s;
    s.options = resolve_options(settings, agent, call ? call->config : no_config);
    require_model_service(s.options);
    s.client = env.http ? env.http() : nullptr;
    if (!s.client) throw step_failure("configuration", "no HTTP client is available to assistant agents");
    return s;
}

void throw_if_cancelled(const orchestrator::task_call* call) {
    if (call && call->cancelled && call->cancelled->load()) throw step_failure("cancelled", "step cancelled");
}

void add_usage(json::object& total, const json::object& more) {
    for (const auto& [key, value] : more) {
        if (!value.is_number()) continue;
        auto* current = total.if_contains(key);
        if (!current || !current->is_number())
            total[key] = value;
        else if (current->is_double() || value.is_double())
            *current = current->to_number<double>() + value.to_number<double>();
        else
            *current = current->to_number<std::int64_t>() + value.to_number<std::int64_t>();
    }
}

}  // namespace chainbot::agents::assistant
