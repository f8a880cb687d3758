#pragma once
/// @file assistant.hpp
/// @brief The `assistant` agent type: conversations with an OpenAI-compatible
/// chat-completions service, with per-agent memory and tool calling (data tasks,
/// entanglement messages). docs/assistant.md describes the tasks.
///
/// @code
///   agents::assistant_environment env{
///       [rt] { return rt->settings(); },
///       [client] { return client.get(); },  // an http_client on the runtime's io_context
///       &orch->tasks()};
///   agents::register_assistant_model_tasks(orch->tasks(), env);
///   // on an entanglement `chat` message, from a blocking thread:
///   std::string reply = agents::assistant_reply(env, *agent, text);
/// @endcode

#include "config/settings.hpp"
#include "orchestrator/task_registry.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <functional>
#include <memory>
#include <string>

namespace chainbot::http {
class http_client;
}

namespace chainbot::agents {

/// @brief What assistants need from the module.
struct assistant_environment {
    /// The current settings snapshot (agents.assistant.*); null or returning null: the
    /// built-in defaults (no endpoint).
    std::function<std::shared_ptr<const config::settings>()> settings;
    /// The client for the model service. Its io_context must be run by other threads than
    /// the callers' (tasks run on the blocking pool). Null or returning null fails the
    /// model tasks with kind "configuration".
    std::function<http::http_client*()> http;
    /// Where run_data_task finds the data_processor tasks; null: the registry the
    /// model tasks are registered in.
    const orchestrator::task_registry* tools = nullptr;
};

/// @brief Where a chat message came from, when it arrived through an entanglement.
struct chat_origin {
    std::string entanglement_id;  ///< also send_message's default entanglement
    std::string sender_id;
};

/// @brief One user message to answer.
struct assistant_chat_input {
    std::string message;
    boost::json::value data;  ///< optional records the message is about (run_data_task's default input)
    chat_origin origin;
};

/// @brief The answer to one assistant_chat_input.
struct assistant_chat_output {
    std::string reply;
    boost::json::array tool_calls;  ///< [{"name", "arguments", "ok", "result" | "error"}] in the order made
    std::string model;
    boost::json::object usage;  ///< token counts summed over every request of the turn
};

/// @brief Requests per turn that may offer tools; after them the model is asked once
/// more without tools, and a model still calling tools fails the turn (kind "agent").
inline constexpr int assistant_max_tool_rounds = 5;

/// @brief Answers `input` as `agent` (may be null: no memory, no send_message, the
/// settings' model): system prompt, remembered conversation, the message; runs the tools
/// the model calls; remembers the exchange. Blocking.
/// @param call the step being run (its config's temperature/max_tokens, its cancel flag); may be null
/// @throws orchestrator::step_failure (see assistant::complete_chat(); "configuration" for missing or
/// bad config, "cancelled", "agent" for endless tool calls)
assistant_chat_output assistant_chat(const assistant_environment& env, const orchestrator::agent_handle* agent,
                                     const assistant_chat_input& input, const orchestrator::task_call* call = nullptr);

/// @brief The reply of `agent` to a `chat` message received through an entanglement:
/// assistant_chat() with the agent's memory and tools. For the entanglement layer. Blocking.
/// @throws orchestrator::step_failure as assistant_chat()
std::string assistant_reply(const assistant_environment& env, const orchestrator::agent_handle& agent,
                            const std::string& text, const chat_origin& origin = {});

/// @brief Registers the model tasks under agent type "assistant": chat, summarize,
/// generate_text (the analysis tasks are register_assistant_analysis_tasks()).
void register_assistant_model_tasks(orchestrator::task_registry& registry, assistant_environment env);

}  // namespace chainbot::agents
