#pragma once
// Puts the built-in data tasks into the orchestrator's task registry.

#include "orchestrator/task_registry.hpp"

namespace chainbot::agents {

/// @brief Registers every data task under agent type "data_processor": validate_input_data,
/// transform_data, analyze_data_quality, compute_statistics, aggregate, basic_processing,
/// advanced_processing.
void register_data_processor_tasks(orchestrator::task_registry& registry);

/// @brief Registers the analysis tasks an assistant runs without a model, under agent type
/// "assistant": analyze_data_quality, compute_statistics, validate_input_data.
void register_assistant_analysis_tasks(orchestrator::task_registry& registry);

}  // namespace chainbot::agents
