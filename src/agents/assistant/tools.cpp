#include "agents/assistant/tools.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <fmt/format.h>

#include <array>

namespace chainbot::agents::assistant {

namespace json = boost::json;
using orchestrator::step_failure;

namespace {

// Tool results beyond this are cut: small local models have small context windows.
constexpr std::size_t max_tool_result_chars = 32 * 1024;

struct data_task_info {
    const char* name;
    const char* what;
};

// The data_processor library (docs/data_processor_tasks.md), described for the model.
constexpr std::array<data_task_info, 7> data_tasks{{
    {"validate_input_data",
     "checks records against config.validation_rules ([\"required\", \"format\"] or {\"fields\": {...}}); "
     "returns valid, counts and per-record errors"},
    {"transform_data",
     "config {\"transformation\": \"normalize\"} (min-max) or {\"operations\": [...]} (normalize, rename, map, filter, "
     "sort, deduplicate, flatten); returns records"},
    {"analyze_data_quality", "completeness, validity, uniqueness and an overall quality_score from 0 to 1"},
    {"compute_statistics",
     "count, mean, median, stddev, min, max and percentiles per numeric field (config: fields, percentiles)"},
    {"aggregate",
     "group by config.group_by with config.aggregations {\"<name>\": {\"op\": \"sum|avg|count|min|max\", \"field\": "
     "\"...\"}}"},
    {"basic_processing", "validate, drop invalid records, deduplicate, min-max normalize"},
    {"advanced_processing", "validate, drop invalid, deduplicate, statistics and quality, z-score normalize"},
}};

constexpr std::array<const char*, 4> message_types{"chat", "task", "result", "notification"};

json::object run_data_task_definition(const std::vector<std::string>& tasks) {
    std::string description =
        "Runs a ChainBot data task over JSON records and returns its JSON output. Tasks:";
    json::array names;
    for (const auto& t : data_tasks)
        for (const auto& present : tasks)
            if (present == t.name) {
                description += fmt::format(" {}: {};", t.name, t.what);
                names.push_back(json::string(t.name));
            }
    description += " When input is omitted, the data given with the conversation is used.";
    json::object params{
        {"type", "object"},
        {"properties",
         json::object{
             {"task", json::object{{"type", "string"}, {"enum", std::move(names)}, {"description", "the task to run"}}},
             {"input", json::object{{"type", "object"},
                                    {"description", "{\"records\": [{...}, ...]}: the records to process"}}},
             {"config", json::object{{"type", "object"}, {"description", "the task's options"}}},
         }},
        {"required", json::array{"task"}},
    };
    return {{"type", "function"},
            {"function", json::object{{"name", "run_data_task"}, {"description", description}, {"parameters", params}}}};
}

json::object send_message_definition() {
    json::array types;
    for (auto t : message_types) types.push_back(json::string(t));
    json::object params{
        {"type", "object"},
        {"properties",
         json::object{
             {"content", json::object{{"type", "string"}, {"description", "the message"}}},
             {"receiver_id",
              json::object{{"type", "string"}, {"description", "the receiving agent's id; omit to broadcast to every member"}}},
             {"entanglement_id",
              json::object{{"type", "string"}, {"description", "the entanglement to send in; omit for the current one"}}},
             {"message_type", json::object{{"type", "string"}, {"enum", std::move(types)}, {"description", "default chat"}}},
         }},
        {"required", json::array{"content"}},
    };
    return {{"type", "function"},
            {"function",
             json::object{{"name", "send_message"},
                          {"description", "Sends a message to other agents of your entanglement (private or broadcast)."},
                          {"parameters", params}}}};
}

tool_outcome failed(std::string error, std::string kind = {}) {
    tool_outcome o;
    o.error = std::move(error);
    o.error_kind = std::move(kind);
    return o;
}

tool_outcome succeeded(json::value result) {
    tool_outcome o;
    o.ok = true;
    o.result = std::move(result);
    return o;
}

const json::value* arg(const json::object& args, const char* key) {
    const auto* v = args.if_contains(key);
    return v && !v->is_null() ? v : nullptr;
}

// Small models sometimes send nested JSON as text: "{\"records\": [...]}".
json::value unquote_json(const json::value& v) {
    if (!v.is_string()) return v;
    boost::system::error_code ec;
    auto parsed = json::parse(v.as_string(), ec);
    return ec ? v : parsed;
}

tool_outcome run_data_task(const tool_context& ctx, const json::object& args) {
    const auto* task = arg(args, "task");
    if (!task || !task->is_string()) return failed("run_data_task: \"task\" must name a task", "validation");
    const std::string name(task->as_string());
    const auto fn = ctx.registry->find("data_processor", name);
    if (!fn) return failed(fmt::format("run_data_task: unknown task '{}'", name), "validation");

    orchestrator::task_call call;
    if (ctx.call) {
        call.execution_id = ctx.call->execution_id;
        call.step_id = ctx.call->step_id;
        call.attempt = ctx.call->attempt;
        call.idempotency_key = ctx.call->idempotency_key;
        call.cancelled = ctx.call->cancelled;
    }
    if (!call.cancelled) call.cancelled = std::make_shared<std::atomic<bool>>(false);
    if (const auto* input = arg(args, "input"))
        call.input = unquote_json(*input);
    else if (!ctx.data.is_null())
        call.input = ctx.data;
    else
        return failed("run_data_task: no \"input\" given and the conversation carries no data", "validation");
    if (const auto* config = arg(args, "config")) {
        const auto cfg = unquote_json(*config);
        if (!cfg.is_object()) return failed("run_data_task: \"config\" must be an object", "validation");
        call.config = cfg.as_object();
    }
    return succeeded((*fn)(call));
}

tool_outcome send_message(const tool_context& ctx, const json::object& args) {
    const auto* content = arg(args, "content");
    if (!content) return failed("send_message: \"content\" is required", "validation");
    json::object message{{"content", *content}, {"message_type", "chat"}};
    if (const auto* type = arg(args, "message_type")) {
        if (!type->is_string()) return failed("send_message: \"message_type\" must be a string", "validation");
        message["message_type"] = *type;
    }
    if (const auto* receiver = arg(args, "receiver_id")) {
        if (!receiver->is_string()) return failed("send_message: \"receiver_id\" must be a string", "validation");
        if (!receiver->as_string().empty()) message["receiver_id"] = *receiver;
    }
    if (const auto* ent = arg(args, "entanglement_id"); ent && ent->is_string() && !ent->as_string().empty())
        message["entanglement_id"] = *ent;
    else if (!ctx.entanglement_id.empty())
        message["entanglement_id"] = ctx.entanglement_id;
    return succeeded(ctx.agent->send_message(message));
}

}  // namespace

std::string tool_outcome::message_content() const {
    std::string text;
    if (ok) {
        text = json::serialize(result);
    } else {
        json::object e{{"error", error}};
        if (!error_kind.empty()) e["kind"] = error_kind;
        text = json::serialize(e);
    }
    if (text.size() > max_tool_result_chars)
        text = text.substr(0, max_tool_result_chars) + fmt::format(" ...(truncated: {} characters in all)", text.size());
    return text;
}

std::vector<std::string> available_data_tasks(const orchestrator::task_registry& registry) {
    std::vector<std::string> names;
    for (const auto& t : data_tasks)
        if (registry.contains("data_processor", t.name)) names.emplace_back(t.name);
    return names;
}

json::array tool_definitions(const tool_context& ctx) {
    json::array tools;
    if (ctx.registry) {
        const auto tasks = available_data_tasks(*ctx.registry);
        if (!tasks.empty()) tools.push_back(run_data_task_definition(tasks));
    }
    if (ctx.agent && ctx.agent->send_message) tools.push_back(send_message_definition());
    return tools;
}

tool_outcome run_tool(const tool_context& ctx, const std::string& name, const std::string& arguments) {
    const bool can_run_data = ctx.registry != nullptr;
    const bool can_send = ctx.agent && ctx.agent->send_message;
    if (!(name == "run_data_task" && can_run_data) && !(name == "send_message" && can_send)) {
        std::string offered;
        if (can_run_data) offered += "run_data_task";
        if (can_send) offered += offered.empty() ? "send_message" : ", send_message";
        return failed(fmt::format("unknown tool '{}' (available: {})", name, offered.empty() ? "none" : offered), "validation");
    }
    boost::system::error_code ec;
    const auto parsed = json::parse(arguments, ec);
    if (ec || !parsed.is_object())
        return failed(fmt::format("{}: the arguments are not a JSON object", name), "validation");
    try {
        return name == "run_data_task" ? run_data_task(ctx, parsed.as_object()) : send_message(ctx, parsed.as_object());
    } catch (const step_failure& e) {
        return failed(e.what(), e.kind());
    } catch (const std::exception& e) {
        return failed(e.what(), "error");
    }
}

}  // namespace chainbot::agents::assistant
