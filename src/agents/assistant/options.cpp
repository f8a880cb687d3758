#include "agents/assistant/options.hpp"

#include <fmt/format.h>

#include <cmath>

namespace chainbot::agents::assistant {

namespace json = boost::json;
using orchestrator::step_failure;

namespace {

// Where a value came from, for messages: `agent config "model"` or `config.max_tokens`.
struct source {
    const char* prefix;  // "agent config \"" or "config."
    const char* suffix;  // "\"" or ""
    std::string name(const char* key) const { return fmt::format("{}{}{}", prefix, key, suffix); }
};

const source agent_source{"agent config \"", "\""};
const source step_source{"config.", ""};

[[noreturn]] void bad(const source& from, const char* key, const char* expected) {
    throw step_failure("configuration", fmt::format("{}: expected {}", from.name(key), expected));
}

// A non-empty string overrides; "" or absent keeps the current value.
void take_string(const json::object& cfg, const source& from, const char* key, std::string& out) {
    const auto* v = cfg.if_contains(key);
    if (!v || v->is_null()) return;
    if (!v->is_string()) bad(from, key, "a string");
    if (!v->as_string().empty()) out = std::string(v->as_string());
}

std::optional<double> number_of(const json::object& cfg, const source& from, const char* key, double min, double max,
                                const char* expected) {
    const auto* v = cfg.if_contains(key);
    if (!v || v->is_null()) return std::nullopt;
    if (!v->is_number()) bad(from, key, expected);
    const double x = v->to_number<double>();
    if (!(x >= min && x <= max)) bad(from, key, expected);
    return x;
}

std::optional<int> integer_of(const json::object& cfg, const source& from, const char* key, int min, int max,
                              const char* expected) {
    auto x = number_of(cfg, from, key, min, max, expected);
    if (!x) return std::nullopt;
    if (std::floor(*x) != *x) bad(from, key, expected);
    return static_cast<int>(*x);
}

void take_generation(const json::object& cfg, const source& from, assistant_options& o) {
    if (auto t = number_of(cfg, from, "temperature", 0.0, 2.0, "a number from 0 to 2")) o.temperature = *t;
    if (auto m = integer_of(cfg, from, "max_tokens", 1, 1000000, "an integer from 1 to 1000000")) o.max_tokens = *m;
}

}  // namespace

assistant_options resolve_options(const config::assistant_settings& settings, const orchestrator::agent_handle* agent,
                                  const json::object& step_config) {
    assistant_options o;
    o.endpoint = settings.endpoint;
    o.model = settings.model;
    o.api_key = settings.api_key;
    o.timeout = std::chrono::milliseconds(static_cast<std::int64_t>(settings.timeout_seconds) * 1000);
    o.max_memory_messages = settings.max_memory_messages;
    o.name = "assistant";
    if (agent) {
        if (!agent->name.empty()) o.name = agent->name;
        const auto& cfg = agent->config;
        take_string(cfg, agent_source, "endpoint", o.endpoint);
        take_string(cfg, agent_source, "model", o.model);
        take_string(cfg, agent_source, "api_key", o.api_key);
        take_string(cfg, agent_source, "personality", o.personality);
        take_string(cfg, agent_source, "system_prompt", o.system_prompt);
        // Fractions are allowed here (the settings take whole seconds): tests and fast local models.
        if (auto t = number_of(cfg, agent_source, "timeout_seconds", 0.001, 3600, "a number of seconds from 0.001 to 3600"))
            o.timeout = std::chrono::milliseconds(static_cast<std::int64_t>(std::llround(*t * 1000)));
        if (auto m = integer_of(cfg, agent_source, "max_memory_messages", 0, 10000, "an integer from 0 to 10000"))
            o.max_memory_messages = *m;
        take_generation(cfg, agent_source, o);
    }
    take_generation(step_config, step_source, o);
    while (!o.endpoint.empty() && o.endpoint.back() == '/') o.endpoint.pop_back();
    return o;
}

void require_model_service(const assistant_options& o) {
    for (auto [value, key] : {std::pair{&o.endpoint, "endpoint"}, std::pair{&o.model, "model"}})
        if (value->empty())
            throw step_failure("configuration",
                               fmt::format("agents.assistant.{0} is not set (nor the agent's config \"{0}\")", key));
    if (o.endpoint.rfind("http://", 0) != 0 && o.endpoint.rfind("https://", 0) != 0)
        throw step_failure("configuration", "the assistant's endpoint must be an http:// or https:// URL");
}

std::string build_system_prompt(const assistant_options& o, bool with_tools) {
    std::string prompt = fmt::format(
        "You are {}, an assistant agent of ChainBot, a workflow orchestration system that processes data "
        "with teams of agents.",
        o.name);
    if (!o.personality.empty()) {
        prompt += " Your personality: " + o.personality;
        if (o.personality.back() != '.' && o.personality.back() != '!' && o.personality.back() != '?') prompt += '.';
    } else
        prompt += " Be helpful, precise and concise.";
    if (with_tools)
        prompt += " When a question needs computation over JSON records (validation, quality, statistics, "
                  "aggregation, transformation), call a tool instead of guessing, then answer from its result.";
    if (!o.system_prompt.empty()) prompt += "\n\n" + o.system_prompt;
    return prompt;
}

}  // namespace chainbot::agents::assistant
