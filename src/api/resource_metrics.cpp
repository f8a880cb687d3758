#include "api/resource_metrics.hpp"

#include "agents/spawner.hpp"
#include "api/request_metrics.hpp"
#include "orchestrator/event_relay.hpp"
#include "orchestrator/orchestrator.hpp"
#include "resources/process_usage.hpp"
#include "resources/resource_monitor.hpp"
#include "ws/hub.hpp"

#include <fmt/format.h>

namespace chainbot::api {

namespace json = boost::json;

namespace {

json::object queue(std::size_t depth, std::optional<std::size_t> capacity, const char* capacity_key = "capacity") {
    json::object q{{"depth", depth}};
    q[capacity_key] = capacity ? json::value(*capacity) : json::value(nullptr);
    return q;
}

json::object queues_view(api_context& ctx) {
    const auto s = ctx.rt.settings();
    json::object out;
    if (auto* orch = ctx.backends.orchestrator) {
        // Ephemeral executions waiting here plus persisted ones no instance claimed yet.
        out["executions"] = queue(orch->queued_count(), static_cast<std::size_t>(s->workflow.max_queued_executions));
        out["executions_running"] = queue(orch->running_count(), orch->concurrency_limit());
        if (auto relay = orch->relay()) out["event_relay"] = queue(relay->queued(), relay->capacity());
    }
    if (ctx.backends.spawner) {
        const auto c = ctx.backends.spawner->counts();
        out["agent_mailboxes"] = queue(c.queued_jobs, static_cast<std::size_t>(s->agents.mailbox_capacity), "capacity_each");
        out["agent_waiting_tasks"] = queue(c.waiting_tasks, std::nullopt);
    }
    if (ctx.ws) {
        auto q = queue(ctx.ws->queued_frames(), static_cast<std::size_t>(s->api.ws_send_queue), "capacity_each");
        q["deepest"] = ctx.ws->deepest_queue();
        out["websocket_send"] = std::move(q);
    }
    out["blocking_jobs"] = queue(ctx.rt.blocking_pending(), runtime::max_blocking_jobs);
    return out;
}

// Without a monitor (an API embedded alone): the RSS read now, no CPU figure, limits as set.
json::object unmonitored(const config::settings& s) {
    const auto rss = resources::read_rss_bytes();
    const auto& r = s.resources;
    return {{"rss_bytes", rss ? json::value(*rss) : json::value(nullptr)},
            {"rss_mb", rss ? json::value(static_cast<double>(*rss) / (1024.0 * 1024.0)) : json::value(nullptr)},
            {"cpu_percent", nullptr},
            {"sampled_at", nullptr},
            {"samples", 0},
            {"limits", json::object{{"max_memory_mb", r.max_memory_mb > 0 ? json::value(r.max_memory_mb) : json::value(nullptr)},
                                    {"max_cpu_percent", r.max_cpu_percent > 0 ? json::value(r.max_cpu_percent) : json::value(nullptr)},
                                    {"resume_margin_percent", r.resume_margin_percent},
                                    {"memory_resume_below_mb", nullptr},
                                    {"sample_interval_seconds", r.sample_interval_seconds}}},
            {"memory_pressure", false},
            {"cpu_throttled", false}};
}

void gauge(std::string& out, std::string_view name, std::string_view help, std::string_view type = "gauge") {
    out += fmt::format("# HELP {} {}\n# TYPE {} {}\n", name, help, name, type);
}

double number(const json::value& v) { return v.is_number() ? v.to_number<double>() : 0.0; }

}  // namespace

json::object resources_view(api_context& ctx) {
    const auto s = ctx.rt.settings();
    auto out = ctx.backends.resources ? ctx.backends.resources->to_json() : unmonitored(*s);
    const auto configured = static_cast<std::size_t>(s->workflow.max_concurrent_executions);
    if (ctx.backends.orchestrator) {
        const auto& governor = ctx.backends.orchestrator->governor();
        out["admission"] = governor->to_json(configured);
        out["caches"] = governor->caches_json();
    }
    if (ctx.backends.spawner) {
        // Agents' configurations are parsed once and live with their agents (no store read per
        // task): as many as live agents, bounded by agents.max_total_instances, dropped on terminate.
        const auto c = ctx.backends.spawner->counts();
        if (!out.contains("caches")) out["caches"] = json::object();
        out["caches"].as_object()["agent_configurations"] =
            json::object{{"entries", c.idle + c.working + c.error},
                         {"capacity", static_cast<std::size_t>(s->agents.max_total_instances)}};
    }
    out["queues"] = queues_view(ctx);
    return out;
}

void write_resources_prometheus(std::string& out, const json::object& r) {
    if (const auto* rss = r.if_contains("rss_bytes"); rss && rss->is_number()) {
        gauge(out, "chainbot_resource_rss_bytes", "Resident memory of the module's process (VmRSS).");
        out += fmt::format("chainbot_resource_rss_bytes {}\n", rss->to_number<std::uint64_t>());
    }
    if (const auto* cpu = r.if_contains("cpu_percent"); cpu && cpu->is_number()) {
        gauge(out, "chainbot_resource_cpu_percent", "CPU used by the module, percent of the whole machine.");
        out += fmt::format("chainbot_resource_cpu_percent {}\n", cpu->to_number<double>());
    }
    if (const auto* limits = r.if_contains("limits"); limits && limits->is_object()) {
        gauge(out, "chainbot_resource_limit", "Resource limits set (resources.max_memory_mb, resources.max_cpu_percent).");
        for (const auto* key : {"max_memory_mb", "max_cpu_percent"})
            if (const auto* v = limits->as_object().if_contains(key); v && v->is_number())
                out += fmt::format("chainbot_resource_limit{{limit=\"{}\"}} {}\n", key, v->to_number<double>());
    }
    gauge(out, "chainbot_resource_memory_pressure", "1 while resident memory is above resources.max_memory_mb.");
    out += fmt::format("chainbot_resource_memory_pressure {}\n", r.at("memory_pressure").as_bool() ? 1 : 0);
    if (const auto* a = r.if_contains("admission"); a && a->is_object()) {
        const auto& admission = a->as_object();
        gauge(out, "chainbot_admission_open", "1 while new executions and spawns may start.");
        out += fmt::format("chainbot_admission_open {}\n", admission.at("open").as_bool() ? 1 : 0);
        gauge(out, "chainbot_admission_max_concurrent_executions",
              "Executions allowed at once: as configured, and as lowered by the CPU limit.");
        out += fmt::format("chainbot_admission_max_concurrent_executions{{kind=\"configured\"}} {}\n",
                           number(admission.at("max_concurrent_executions")));
        out += fmt::format("chainbot_admission_max_concurrent_executions{{kind=\"effective\"}} {}\n",
                           number(admission.at("effective_max_concurrent_executions")));
        gauge(out, "chainbot_admission_refused_total", "Requests refused by admission control, by reason.", "counter");
        for (const auto& kv : admission.at("refused").as_object())
            out += fmt::format("chainbot_admission_refused_total{{reason=\"{}\"}} {}\n", prometheus_label(kv.key()),
                               number(kv.value()));
    }
    if (const auto* q = r.if_contains("queues"); q && q->is_object()) {
        gauge(out, "chainbot_resource_queue_depth", "Items waiting in each bounded queue of the module.");
        for (const auto& kv : q->as_object())
            out += fmt::format("chainbot_resource_queue_depth{{queue=\"{}\"}} {}\n", prometheus_label(kv.key()),
                               number(kv.value().at("depth")));
        gauge(out, "chainbot_resource_queue_capacity", "The bound of each queue (per agent or client where so named).");
        for (const auto& kv : q->as_object()) {
            const auto& o = kv.value().as_object();
            const auto* cap = o.if_contains("capacity");
            if (!cap || !cap->is_number()) cap = o.if_contains("capacity_each");
            if (cap && cap->is_number())
                out += fmt::format("chainbot_resource_queue_capacity{{queue=\"{}\"}} {}\n", prometheus_label(kv.key()),
                                   number(*cap));
        }
    }
    if (const auto* c = r.if_contains("caches"); c && c->is_object()) {
        gauge(out, "chainbot_cache_entries", "Entries held by each in-memory cache.");
        for (const auto& kv : c->as_object())
            out += fmt::format("chainbot_cache_entries{{cache=\"{}\"}} {}\n", prometheus_label(kv.key()),
                               number(kv.value().at("entries")));
        for (const auto* figure : {"hits", "misses", "evictions", "invalidations"}) {
            const auto name = fmt::format("chainbot_cache_{}_total", figure);
            gauge(out, name, fmt::format("Cache {} by cache.", figure), "counter");
            for (const auto& kv : c->as_object())
                if (const auto* v = kv.value().as_object().if_contains(figure))
                    out += fmt::format("{}{{cache=\"{}\"}} {}\n", name, prometheus_label(kv.key()), number(*v));
        }
    }
}

}  // namespace chainbot::api
