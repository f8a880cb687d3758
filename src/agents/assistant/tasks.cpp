// The assistant's model tasks, as agent_task steps see them (docs/assistant.md).

#include "agents/assistant/assistant.hpp"
#include "agents/assistant/chat_client.hpp"
#include "agents/assistant/service.hpp"

#include <boost/json/serialize.hpp>
#include <fmt/format.h>

namespace chainbot::agents {

namespace json = boost::json;
using orchestrator::step_failure;
using namespace assistant;

namespace {

// Text to summarize beyond this is cut (and the output says so).
constexpr std::size_t max_summary_input_chars = 64 * 1024;

const json::value* field(const json::value& v, const char* key) {
    const auto* o = v.if_object();
    const auto* f = o ? o->if_contains(key) : nullptr;
    return f && !f->is_null() ? f : nullptr;
}

// "..." or {"<key>": "..."}.
std::string text_input(const json::value& input, const char* key) {
    if (input.is_string()) return std::string(input.as_string());
    if (const auto* f = field(input, key)) {
        if (!f->is_string()) throw step_failure("validation", fmt::format("input.{}: expected a string", key));
        return std::string(f->as_string());
    }
    throw step_failure("validation", fmt::format("input: expected {{\"{}\": \"...\"}} or a string", key));
}

json::value chat_task(const assistant_environment& env, const orchestrator::task_call& call) {
    assistant_chat_input input;
    input.message = text_input(call.input, "message");
    if (const auto* data = field(call.input, "data")) input.data = *data;
    if (const auto* e = field(call.input, "entanglement_id"); e && e->is_string())
        input.origin.entanglement_id = std::string(e->as_string());
    auto out = assistant_chat(env, call.agent.get(), input, &call);
    return json::object{{"reply", out.reply}, {"tool_calls", std::move(out.tool_calls)}, {"model", out.model},
                        {"usage", std::move(out.usage)}};
}

// One request: the agent's system prompt and one user message; no memory, no tools.
chat_completion ask_once(const assistant_environment& env, const orchestrator::task_call& call, const std::string& text) {
    const auto service = open_model_service(env, call.agent.get(), &call);
    throw_if_cancelled(&call);
    json::array messages{json::object{{"role", "system"}, {"content", build_system_prompt(service.options, false)}},
                         json::object{{"role", "user"}, {"content", text}}};
    return complete_chat(*service.client, service.options, messages);
}

json::value summarize_task(const assistant_environment& env, const orchestrator::task_call& call) {
    const auto& input = call.input;
    std::string what = "text";
    std::string content;
    if (input.is_string()) {
        content = std::string(input.as_string());
    } else if (const auto* t = field(input, "text"); t && t->is_string()) {
        content = std::string(t->as_string());
    } else if (input.is_null()) {
        throw step_failure("validation", "input: expected text or JSON data to summarize");
    } else {
        what = "JSON data";
        content = json::serialize(input);
    }
    int max_words = 120;
    if (const auto* m = call.config.if_contains("max_words"); m && !m->is_null()) {
        if (!m->is_number() || m->to_number<double>() < 1 || m->to_number<double>() > 10000)
            throw step_failure("validation", "config.max_words: expected a number from 1 to 10000");
        max_words = static_cast<int>(m->to_number<double>());
    }
    std::string focus;
    if (const auto* f = call.config.if_contains("focus"); f && !f->is_null()) {
        if (!f->is_string()) throw step_failure("validation", "config.focus: expected a string");
        focus = std::string(f->as_string());
    }
    const bool truncated = content.size() > max_summary_input_chars;
    if (truncated) content.resize(max_summary_input_chars);

    std::string prompt = fmt::format("Summarize the following {} in at most {} words", what, max_words);
    if (!focus.empty()) prompt += fmt::format(", focusing on {}", focus);
    prompt += ". Answer with the summary only.";
    if (truncated) prompt += " (The input was cut to its beginning.)";
    prompt += "\n\n" + content;
    const auto reply = ask_once(env, call, prompt);
    return json::object{{"summary", reply.content}, {"model", reply.model}, {"usage", reply.usage}, {"truncated", truncated}};
}

json::value generate_text_task(const assistant_environment& env, const orchestrator::task_call& call) {
    const auto reply = ask_once(env, call, text_input(call.input, "prompt"));
    return json::object{{"text", reply.content}, {"model", reply.model}, {"usage", reply.usage}};
}

}  // namespace

void register_assistant_model_tasks(orchestrator::task_registry& registry, assistant_environment env) {
    if (!env.tools) env.tools = &registry;
    auto shared = std::make_shared<const assistant_environment>(std::move(env));
    registry.add("assistant", "chat", [shared](const orchestrator::task_call& call) { return chat_task(*shared, call); });
    registry.add("assistant", "summarize",
                 [shared](const orchestrator::task_call& call) { return summarize_task(*shared, call); });
    registry.add("assistant", "generate_text",
                 [shared](const orchestrator::task_call& call) { return generate_text_task(*shared, call); });
}

}  // namespace chainbot::agents
