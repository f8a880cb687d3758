#include "agents/workflow_agent.hpp"

#include "orchestrator/orchestrator.hpp"
#include "store/database.hpp"

#include <boost/json/parse.hpp>
#include <fmt/format.h>

#include <regex>
#include <stdexcept>
#include <thread>

namespace chainbot::agents {

namespace json = boost::json;

namespace {

const char* const statuses[] = {"failed", "timed_out", "cancelled", "completed"};

std::int64_t positive_int(const json::value& v, const std::string& where) {
    if (v.is_int64() && v.as_int64() >= 1) return v.as_int64();
    if (v.is_uint64() && v.as_uint64() >= 1) return static_cast<std::int64_t>(std::min<std::uint64_t>(v.as_uint64(), INT64_MAX));
    throw std::invalid_argument(where + ": must be an integer >= 1");
}

std::string text(const json::value& v, const std::string& where) {
    if (!v.is_string()) throw std::invalid_argument(where + ": must be a string");
    return std::string(v.as_string());
}

json::value parsed_or_text(const std::optional<std::string>& s) {
    if (!s) return nullptr;
    boost::system::error_code ec;
    auto v = json::parse(*s, ec);
    return ec ? json::value(*s) : v;
}

json::object execution_json(const store::execution& e) {
    return {{"execution_id", e.id},
            {"workflow_id", e.workflow_id},
            {"status", store::to_string(e.status)},
            {"output", parsed_or_text(e.output)},
            {"error", e.error ? json::value(*e.error) : json::value(nullptr)}};
}

const json::object& input_object(const orchestrator::task_call& call, const char* task) {
    if (!call.input.is_object())
        throw orchestrator::step_failure("validation", fmt::format("{}: the input must be a JSON object", task));
    return call.input.as_object();
}

std::string required_string(const json::object& in, const char* key, const char* task) {
    const auto* v = in.if_contains(key);
    if (!v || !v->is_string() || v->as_string().empty())
        throw orchestrator::step_failure("validation", fmt::format("{}: input.{} must be a non-empty string", task, key));
    return std::string(v->as_string());
}

}  // namespace

std::vector<alert_rule> parse_alert_rules(const json::object& config) {
    std::vector<alert_rule> rules;
    const auto* list = config.if_contains("alert_rules");
    if (!list) return rules;
    if (!list->is_array()) throw std::invalid_argument("alert_rules: must be an array of rules");
    for (std::size_t i = 0; i < list->as_array().size(); ++i) {
        const auto where = fmt::format("alert_rules[{}]", i);
        const auto& item = list->as_array()[i];
        if (!item.is_object()) throw std::invalid_argument(where + ": must be an object");
        const auto& o = item.as_object();
        for (const auto& kv : o) {
            const std::string key(kv.key());
            if (key != "name" && key != "status" && key != "threshold" && key != "window_seconds" && key != "workflow_id")
                throw std::invalid_argument(fmt::format("{}.{}: unknown key (name, status, threshold, window_seconds, workflow_id)",
                                                        where, key));
        }
        alert_rule r;
        r.name = o.contains("name") ? text(o.at("name"), where + ".name") : fmt::format("rule {}", i + 1);
        if (o.contains("status")) {
            r.status = text(o.at("status"), where + ".status");
            if (std::find(std::begin(statuses), std::end(statuses), r.status) == std::end(statuses))
                throw std::invalid_argument(where + ".status: must be failed, timed_out, cancelled or completed");
        }
        if (o.contains("threshold")) r.threshold = static_cast<std::size_t>(positive_int(o.at("threshold"), where + ".threshold"));
        if (o.contains("window_seconds"))
            r.window = std::chrono::seconds(positive_int(o.at("window_seconds"), where + ".window_seconds"));
        if (o.contains("workflow_id")) r.workflow_id = text(o.at("workflow_id"), where + ".workflow_id");
        rules.push_back(std::move(r));
    }
    return rules;
}

alert_monitor::alert_monitor(events::event_hub& hub,
                             std::function<std::vector<std::pair<std::string, json::object>>()> agents)
    : hub_(hub), agents_(std::move(agents)) {}

std::uint64_t alert_monitor::alerts_raised() const {
    std::lock_guard lock(mutex_);
    return raised_;
}

void alert_monitor::on_event(const events::event& e) {
    static constexpr std::string_view prefix = "chainbot.workflow.";
    if (!std::string_view(e.topic).starts_with(prefix)) return;
    if (e.payload.contains("origin_instance")) return;  // relayed: the instance it ran on alerts
    const std::string status(std::string_view(e.topic).substr(prefix.size()));
    if (std::find(std::begin(statuses), std::end(statuses), status) == std::end(statuses)) return;
    const auto* wf = e.payload.if_contains("workflow_id");
    const auto* ex = e.payload.if_contains("execution_id");
    const std::string workflow_id = wf && wf->is_string() ? std::string(wf->as_string()) : "";
    const std::string execution_id = ex && ex->is_string() ? std::string(ex->as_string()) : "";
    const auto now = std::chrono::steady_clock::now();

    std::vector<json::object> alerts;
    for (const auto& [agent_id, config] : agents_()) {
        std::vector<alert_rule> rules;
        try {
            rules = parse_alert_rules(config);  // validated at spawn; a bad stored one is skipped
        } catch (const std::exception&) {
            continue;
        }
        std::lock_guard lock(mutex_);
        for (std::size_t i = 0; i < rules.size(); ++i) {
            const auto& r = rules[i];
            if (r.status != status || (!r.workflow_id.empty() && r.workflow_id != workflow_id)) continue;
            auto& w = windows_[fmt::format("{}/{}", agent_id, i)];
            w.hits.emplace_back(now, execution_id);
            while (!w.hits.empty() && now - w.hits.front().first > r.window) w.hits.pop_front();
            if (w.hits.size() < r.threshold) continue;
            json::array executions;
            for (const auto& h : w.hits) executions.push_back(json::value(h.second));
            alerts.push_back({{"agent_id", agent_id},
                              {"rule", r.name},
                              {"status", r.status},
                              {"count", w.hits.size()},
                              {"threshold", r.threshold},
                              {"window_seconds", r.window.count()},
                              {"workflow_id", r.workflow_id.empty() ? json::value(nullptr) : json::value(r.workflow_id)},
                              {"execution_ids", std::move(executions)}});
            w.hits.clear();  // count afresh after an alert
            ++raised_;
        }
    }
    for (auto& a : alerts) hub_.publish("chainbot.agent.alert", std::move(a));
}

void register_workflow_agent_tasks(orchestrator::task_registry& registry, orchestrator::orchestrator& orch,
                                   std::function<std::shared_ptr<store::database>()> store) {
    auto* o = &orch;
    registry.add("workflow", "start_workflow", [o, store](const orchestrator::task_call& call) -> json::value {
        const auto& in = input_object(call, "start_workflow");
        const auto workflow_id = required_string(in, "workflow_id", "start_workflow");
        orchestrator::execute_request req;
        if (const auto* v = in.if_contains("input")) req.input = *v;
        // The same step attempt asks for the same child execution after a crash.
        req.idempotency_key = call.idempotency_key.empty() ? std::nullopt : std::optional(call.idempotency_key);
        bool wait = true;
        if (const auto* v = in.if_contains("wait")) {
            if (!v->is_bool()) throw orchestrator::step_failure("validation", "start_workflow: input.wait must be true or false");
            wait = v->as_bool();
        }
        std::int64_t timeout = 300;
        if (const auto* v = in.if_contains("timeout_seconds")) {
            if (!v->is_int64() || v->as_int64() < 1 || v->as_int64() > 86400)
                throw orchestrator::step_failure("validation",
                                                 "start_workflow: input.timeout_seconds must be an integer from 1 to 86400");
            timeout = v->as_int64();
        }
        store::execution e;
        try {
            e = o->execute(workflow_id, req);
        } catch (const orchestrator::orchestrator_error& err) {
            throw orchestrator::step_failure(err.status() == 404 ? "validation" : "agent", err.what());
        }
        if (!wait) return json::object{{"execution_id", e.id}, {"workflow_id", workflow_id}, {"status", store::to_string(e.status)}};
        // Waits in slices so that a cancelled step does not hold the agent for the whole timeout.
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeout);
        while (std::chrono::steady_clock::now() < deadline) {
            if (call.cancelled && call.cancelled->load()) throw orchestrator::step_failure("cancelled", "step cancelled");
            if (auto outcome = o->wait(e.id, std::chrono::milliseconds(250))) {
                return json::object{{"execution_id", outcome->execution_id},
                                    {"workflow_id", workflow_id},
                                    {"status", outcome->status},
                                    {"output", outcome->output},
                                    {"error", outcome->error.empty() ? json::value(nullptr) : json::value(outcome->error)}};
            }
            // Finished long ago (out of the orchestrator's recent outcomes) or the orchestrator
            // is stopping (wait returns at once): the store has the answer.
            if (auto stored = store()->executions().get(e.id); stored && store::is_terminal(stored->status))
                return execution_json(*stored);
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
        throw orchestrator::step_failure("timeout", fmt::format("start_workflow: execution '{}' did not finish within {} s",
                                                                e.id, timeout));
    });
    registry.add("workflow", "execution_status", [store](const orchestrator::task_call& call) -> json::value {
        const auto& in = input_object(call, "execution_status");
        const auto id = required_string(in, "execution_id", "execution_status");
        auto e = store()->executions().get(id);
        if (!e) throw orchestrator::step_failure("validation", fmt::format("execution_status: no execution '{}'", id));
        return execution_json(*e);
    });
    registry.add("workflow", "list_executions", [store](const orchestrator::task_call& call) -> json::value {
        const auto& in = input_object(call, "list_executions");
        store::execution_filter f;
        if (const auto* v = in.if_contains("workflow_id"); v && v->is_string()) f.workflow_id = std::string(v->as_string());
        if (const auto* v = in.if_contains("status"); v && v->is_string()) {
            f.status = store::parse_execution_status(v->as_string());
            if (!f.status)
                throw orchestrator::step_failure("validation", fmt::format("list_executions: unknown status '{}'",
                                                                           std::string(v->as_string())));
        }
        std::size_t limit = 20;
        if (const auto* v = in.if_contains("limit"); v && v->is_int64() && v->as_int64() > 0)
            limit = static_cast<std::size_t>(std::min<std::int64_t>(v->as_int64(), 500));
        auto db = store();
        const auto total = db->executions().count(f);
        json::array items;
        for (const auto& e : db->executions().list(f, {limit, 0})) items.push_back(execution_json(e));  // newest first
        return json::object{{"executions", std::move(items)}, {"total", total}};
    });
}

}  // namespace chainbot::agents
