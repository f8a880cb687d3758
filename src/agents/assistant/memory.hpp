#pragma once
// An assistant's conversation memory, kept in the agent's persisted private data as
// {"conversation": [{"role": "user"|"assistant", "content": "..."}...]} (other keys of the
// data are preserved). Only the dialogue is kept: the system prompt is rebuilt on every
// call (so a changed personality applies at once) and tool exchanges stay within their
// turn (tool results can be large, and a trimmed history must never start with a tool
// message whose call was dropped).

#include "orchestrator/task_registry.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include <string>

namespace chainbot::agents::assistant {

/// @brief The remembered messages of `agent` (empty when it has no data, no load_data,
/// or data this code did not write). Blocking.
boost::json::array load_conversation(const orchestrator::agent_handle& agent);

/// @brief Appends one exchange (user text, assistant reply) to `conversation`, drops the
/// oldest messages beyond `max_messages` (0 keeps nothing; a history never starts with a
/// reply), and persists it through save_data (a no-op without one). Blocking.
/// @throws whatever save_data throws
void remember_exchange(const orchestrator::agent_handle& agent, boost::json::array conversation,
                       const std::string& user_text, const std::string& reply, int max_messages);

/// @brief Keeps the last `max_messages` of `conversation`, then drops leading messages
/// until it starts with a user message.
void trim_conversation(boost::json::array& conversation, int max_messages);

}  // namespace chainbot::agents::assistant
