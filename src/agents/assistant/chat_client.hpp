#pragma once
// One request to an OpenAI-compatible chat-completions service (Ollama, llama.cpp's
// server, hosted services): POST <endpoint>/chat/completions, blocking. Failures become
// orchestrator::step_failure with a kind retry_on can select.

#include "agents/assistant/options.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <string>
#include <vector>

namespace chainbot::http {
class http_client;
}

namespace chainbot::agents::assistant {

/// @brief A function call the model asks for.
struct tool_call {
    std::string id;         ///< echoed back in the tool message (generated when the server sent none)
    std::string name;
    std::string arguments;  ///< JSON text, as the protocol carries it
};

/// @brief The first choice of a completion.
struct chat_completion {
    std::string content;  ///< "" when the model only called tools
    std::vector<tool_call> tool_calls;
    std::string finish_reason;
    std::string model;        ///< as the server reports it (the requested model when absent)
    boost::json::object usage;  ///< as reported ({} when absent)

    /// @brief The assistant message to put back into the conversation (content, tool_calls).
    boost::json::object as_message() const;
};

/// @brief Sends `messages` (and `tools`, offered with tool_choice "auto" when not empty)
/// and waits for the reply, at most options.timeout. Call it from a thread that does not
/// run the client's io_context.
/// @throws orchestrator::step_failure of kind
///   - "timeout": no complete reply within options.timeout;
///   - "http_429", "http_5xx", "http_4xx": the service answered with that status;
///   - "protocol": the reply is not a chat completion (not JSON, no choices...) or is too large;
///   - "http_transport": no connection (refused, name not resolved, TLS failure);
///   - "configuration": the endpoint is not a usable URL;
///   - "cancelled": the client was shut down.
///   Messages never contain the API key, nor the endpoint's password or query.
chat_completion complete_chat(http::http_client& client, const assistant_options& options,
                              const boost::json::array& messages, const boost::json::array& tools = {});

/// @brief The JSON body complete_chat() sends (exposed for tests and logs; no secret in it).
boost::json::object chat_request_body(const assistant_options& options, const boost::json::array& messages,
                                      const boost::json::array& tools);

}  // namespace chainbot::agents::assistant
