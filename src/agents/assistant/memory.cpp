#include "agents/assistant/memory.hpp"

#include <algorithm>

namespace chainbot::agents::assistant {

namespace json = boost::json;

namespace {

constexpr const char* conversation_key = "conversation";

bool is_dialogue_message(const json::value& m) {
    const auto* o = m.if_object();
    if (!o) return false;
    const auto* role = o->if_contains("role");
    const auto* content = o->if_contains("content");
    return role && role->is_string() && (role->as_string() == "user" || role->as_string() == "assistant") && content &&
           content->is_string();
}

bool is_user_message(const json::value& m) { return m.as_object().at("role").as_string() == "user"; }

}  // namespace

json::array load_conversation(const orchestrator::agent_handle& agent) {
    if (!agent.load_data) return {};
    const auto data = agent.load_data();
    const auto* o = data.if_object();
    const auto* stored = o ? o->if_contains(conversation_key) : nullptr;
    if (!stored || !stored->is_array()) return {};
    json::array conversation;
    for (const auto& m : stored->as_array())
        if (is_dialogue_message(m)) conversation.push_back(m);
    return conversation;
}

void trim_conversation(json::array& conversation, int max_messages) {
    const std::size_t keep = static_cast<std::size_t>(std::max(0, max_messages));
    std::size_t drop = conversation.size() > keep ? conversation.size() - keep : 0;
    while (drop < conversation.size() && !is_user_message(conversation[drop])) ++drop;
    conversation.erase(conversation.begin(), conversation.begin() + static_cast<std::ptrdiff_t>(drop));
}

void remember_exchange(const orchestrator::agent_handle& agent, json::array conversation, const std::string& user_text,
                       const std::string& reply, int max_messages) {
    if (!agent.save_data) return;
    conversation.push_back(json::object{{"role", "user"}, {"content", user_text}});
    conversation.push_back(json::object{{"role", "assistant"}, {"content", reply}});
    trim_conversation(conversation, max_messages);
    // Keep whatever else the agent's data holds.
    json::object data;
    if (agent.load_data) {
        auto current = agent.load_data();
        if (current.is_object()) data = std::move(current.as_object());
    }
    data[conversation_key] = std::move(conversation);
    agent.save_data(data);
}

}  // namespace chainbot::agents::assistant
