#pragma once
// The tools an assistant offers its model (OpenAI function calling):
//  - run_data_task {task, input?, config?}: one of the data_processor tasks found in the
//    task registry (one tool with a `task` enum rather than one tool per task keeps the
//    tool list short, which small local models handle better);
//  - send_message {content, receiver_id?, entanglement_id?, message_type?}: an
//    entanglement message from this agent, offered only when the agent can send.
// A call never throws at the model: an unknown tool, bad arguments or a failing task
// become an {"error": ...} result the model reads and can recover from.

#include "orchestrator/task_registry.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <string>
#include <vector>

namespace chainbot::agents::assistant {

/// @brief The outcome of one tool call.
struct tool_outcome {
    bool ok = false;
    boost::json::value result;  ///< the task's output or send_message's stored message; null on error
    std::string error;          ///< why it failed ("" when ok)
    std::string error_kind;     ///< the step_failure kind when the tool threw one

    /// @brief The text of the `role: tool` message: the result as JSON, or {"error", "kind"}.
    std::string message_content() const;
};

/// @brief What the tools act on during one conversation turn.
struct tool_context {
    const orchestrator::task_registry* registry = nullptr;  ///< data tasks; null: no run_data_task
    const orchestrator::task_call* call = nullptr;          ///< the step being run (ids, cancel flag); may be null
    const orchestrator::agent_handle* agent = nullptr;      ///< send_message when it has one; may be null
    boost::json::value data;                                ///< run_data_task's input when the model gives none
    std::string entanglement_id;                            ///< send_message's default entanglement
};

/// @brief The data_processor tasks run_data_task may name (those present in the registry).
std::vector<std::string> available_data_tasks(const orchestrator::task_registry& registry);

/// @brief The `tools` array of the request ([] when nothing is available).
boost::json::array tool_definitions(const tool_context& ctx);

/// @brief Runs the tool `name` with `arguments` (JSON text). Blocking; never throws.
tool_outcome run_tool(const tool_context& ctx, const std::string& name, const std::string& arguments);

}  // namespace chainbot::agents::assistant
