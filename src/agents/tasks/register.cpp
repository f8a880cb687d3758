#include "agents/tasks/register.hpp"

#include "agents/tasks/data_tasks.hpp"

namespace chainbot::agents {

namespace {

using pure_task = boost::json::object (*)(const boost::json::value&, const boost::json::object&);

orchestrator::task_fn wrap(pure_task fn) {
    return [fn](const orchestrator::task_call& call) -> boost::json::value {
        if (call.cancelled && call.cancelled->load()) throw orchestrator::step_failure("cancelled", "step cancelled");
        return fn(call.input, call.config);
    };
}

// Pure functions of the input and config: they may run on the dispatching thread.
constexpr auto compute_kind = orchestrator::task_kind::compute;

}  // namespace

void register_data_processor_tasks(orchestrator::task_registry& registry) {
    registry.add("data_processor", "validate_input_data", wrap(&tasks::validate_input_data), compute_kind);
    registry.add("data_processor", "transform_data", wrap(&tasks::transform_data), compute_kind);
    registry.add("data_processor", "analyze_data_quality", wrap(&tasks::analyze_data_quality), compute_kind);
    registry.add("data_processor", "compute_statistics", wrap(&tasks::compute_statistics), compute_kind);
    registry.add("data_processor", "aggregate", wrap(&tasks::aggregate), compute_kind);
    registry.add("data_processor", "basic_processing", wrap(&tasks::basic_processing), compute_kind);
    registry.add("data_processor", "advanced_processing", wrap(&tasks::advanced_processing), compute_kind);
}

void register_assistant_analysis_tasks(orchestrator::task_registry& registry) {
    registry.add("assistant", "analyze_data_quality", wrap(&tasks::analyze_data_quality), compute_kind);
    registry.add("assistant", "compute_statistics", wrap(&tasks::compute_statistics), compute_kind);
    registry.add("assistant", "validate_input_data", wrap(&tasks::validate_input_data), compute_kind);
}

}  // namespace chainbot::agents
