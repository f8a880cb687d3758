#include "agents/assistant/assistant.hpp"

#include "agents/assistant/chat_client.hpp"
#include "agents/assistant/memory.hpp"
#include "agents/assistant/service.hpp"
#include "agents/assistant/tools.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <fmt/format.h>

namespace chainbot::agents {

namespace json = boost::json;
using orchestrator::step_failure;
using namespace assistant;

namespace {

// Data attached to a message beyond this is cut (the model still reaches all of it
// through run_data_task, which takes the data itself, not the text).
constexpr std::size_t max_data_chars = 16 * 1024;

std::string user_text(const assistant_chat_input& input) {
    std::string text = input.message;
    if (!input.data.is_null()) {
        auto data = json::serialize(input.data);
        if (data.size() > max_data_chars)
            data = data.substr(0, max_data_chars) + fmt::format(" ...(truncated: {} characters in all)", data.size());
        text += "\n\nData (JSON):\n" + data;
    }
    return text;
}

std::string origin_note(const chat_origin& origin) {
    if (origin.sender_id.empty() && origin.entanglement_id.empty()) return {};
    std::string note = "\n\nThis message reached you through an entanglement (a team of agents)";
    if (!origin.entanglement_id.empty()) note += fmt::format(" '{}'", origin.entanglement_id);
    if (!origin.sender_id.empty()) note += fmt::format(", from the agent '{}'", origin.sender_id);
    return note + ". Your answer is sent back to it.";
}

json::object tool_record(const tool_call& c, const tool_outcome& outcome) {
    boost::system::error_code ec;
    auto args = json::parse(c.arguments, ec);
    json::object record{{"name", c.name}, {"arguments", ec ? json::value(c.arguments) : std::move(args)}, {"ok", outcome.ok}};
    if (outcome.ok)
        record["result"] = outcome.result;
    else
        record["error"] = outcome.error;
    return record;
}

}  // namespace

assistant_chat_output assistant_chat(const assistant_environment& env, const orchestrator::agent_handle* agent,
                                     const assistant_chat_input& input, const orchestrator::task_call* call) {
    auto service = open_model_service(env, agent, call);
    const auto& options = service.options;

    tool_context tools_ctx;
    tools_ctx.registry = env.tools;
    tools_ctx.call = call;
    tools_ctx.agent = agent;
    tools_ctx.data = input.data;
    tools_ctx.entanglement_id = input.origin.entanglement_id;
    const auto tools = tool_definitions(tools_ctx);

    json::array history = agent ? load_conversation(*agent) : json::array{};
    trim_conversation(history, options.max_memory_messages);
    const auto text = user_text(input);

    json::array messages;
    messages.push_back(
        json::object{{"role", "system"}, {"content", build_system_prompt(options, !tools.empty()) + origin_note(input.origin)}});
    for (const auto& m : history) messages.push_back(m);
    messages.push_back(json::object{{"role", "user"}, {"content", text}});

    assistant_chat_output out;
    out.model = options.model;
    for (int round = 0;; ++round) {
        throw_if_cancelled(call);
        const bool offer_tools = round < assistant_max_tool_rounds && !tools.empty();
        const auto reply = complete_chat(*service.client, options, messages, offer_tools ? tools : json::array{});
        add_usage(out.usage, reply.usage);
        out.model = reply.model;
        if (reply.tool_calls.empty()) {
            out.reply = reply.content;
            break;
        }
        if (tools.empty()) throw step_failure("agent", "the model asked for tools although none were offered");
        if (!offer_tools)
            throw step_failure("agent", fmt::format("the model still asked for tools after {} rounds of tool calls",
                                                    assistant_max_tool_rounds));
        messages.push_back(reply.as_message());
        for (const auto& c : reply.tool_calls) {
            throw_if_cancelled(call);
            const auto outcome = run_tool(tools_ctx, c.name, c.arguments);
            out.tool_calls.push_back(tool_record(c, outcome));
            messages.push_back(json::object{{"role", "tool"}, {"tool_call_id", c.id}, {"content", outcome.message_content()}});
        }
    }
    if (agent) remember_exchange(*agent, std::move(history), text, out.reply, options.max_memory_messages);
    return out;
}

std::string assistant_reply(const assistant_environment& env, const orchestrator::agent_handle& agent,
                            const std::string& text, const chat_origin& origin) {
    assistant_chat_input input;
    input.message = text;
    input.origin = origin;
    return assistant_chat(env, &agent, input).reply;
}

}  // namespace chainbot::agents
