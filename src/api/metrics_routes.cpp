#include "api/metrics_routes.hpp"

#include "api/json_views.hpp"
#include "api/pending_waits.hpp"
#include "api/request_parsing.hpp"
#include "api/resource_metrics.hpp"
#include "api/run_blocking.hpp"
#include "hardware/hardware_service.hpp"
#include "orchestrator/orchestrator.hpp"
#include "store/database.hpp"
#include "ws/hub.hpp"

#include <boost/json/serialize.hpp>
#include <fmt/format.h>

#include <map>

namespace chainbot::api {

namespace json = boost::json;
using store::execution_status;

namespace {

constexpr execution_status all_statuses[] = {execution_status::queued,    execution_status::running,
                                             execution_status::paused,    execution_status::completed,
                                             execution_status::failed,    execution_status::cancelled,
                                             execution_status::timed_out};
constexpr store::agent_state all_agent_states[] = {store::agent_state::idle, store::agent_state::working,
                                                   store::agent_state::terminated, store::agent_state::error};

json::object count_entanglements(store::database& db) {
    const auto t = db.entanglements().totals();
    return {{"total", t.entanglements}, {"messages", t.messages}};
}

// The connection pool: how many connections are open (each holds its own page cache on
// SQLite, a server process on PostgreSQL), how many are busy, and the operations since start.
json::object database_view(store::database& db) {
    const auto p = db.stats();
    return {{"backend", store::to_string(db.backend())},
            {"connections", json::object{{"open", p.open},
                                         {"idle", p.idle},
                                         {"in_use", p.in_use},
                                         {"peak_open", p.peak_open},
                                         {"limit", p.limit}}},
            {"reads", p.reads},
            {"writes", p.writes}};
}

// {"total": n, "<value>": n per value of `all`}: a value with no row counts 0, and one this
// build does not know (which no migration writes) would be left out of the total too.
template <typename Key, std::size_t N>
json::object counts_with_total(const std::map<Key, std::size_t>& counts, const Key (&all)[N]) {
    json::object out{{"total", 0}};
    std::size_t total = 0;
    for (const auto k : all) {
        const auto it = counts.find(k);
        const std::size_t n = it == counts.end() ? 0 : it->second;
        out[store::to_string(k)] = n;
        total += n;
    }
    out["total"] = total;
    return out;
}

std::uint64_t count_of(const json::object& o, std::string_view key) { return o.at(key).to_number<std::uint64_t>(); }

bool wants_prometheus(const http::request& req) {
    if (auto it = req.query.find("format"); it != req.query.end()) {
        if (it->second == "prometheus" || it->second == "text") return true;
        if (it->second == "json") return false;
        throw http::http_error(400, "invalid_parameter", "query parameter 'format': expected json or prometheus",
                               json::object{{"parameter", "format"}});
    }
    const auto accept = req.header("accept");
    const bool text = accept.find("text/plain") != std::string_view::npos ||
                      accept.find("application/openmetrics-text") != std::string_view::npos;
    return text && accept.find("application/json") == std::string_view::npos;
}

http::response prometheus_response(std::string body) {
    http::response r;
    r.content_type = "text/plain; version=0.0.4; charset=utf-8";
    r.body = std::move(body);
    return r;
}

void gauge(std::string& out, std::string_view name, std::string_view help) {
    out += fmt::format("# HELP {} {}\n# TYPE {} gauge\n", name, help, name);
}

/// An unlabelled counter: its HELP and TYPE lines and its value.
void counter(std::string& out, std::string_view name, std::string_view help, std::uint64_t value) {
    out += fmt::format("# HELP {} {}\n# TYPE {} counter\n{} {}\n", name, help, name, name, value);
}

json::object websocket_metrics(const api_context& ctx) {
    const auto& feed = ctx.ws;
    return {{"clients", feed ? feed->clients() : 0},
            {"events_sent", feed ? feed->events_sent() : 0},
            {"events_dropped", feed ? feed->events_dropped() : 0}};
}

}  // namespace

json::object cluster_view(api_context& ctx) {
    auto db = ctx.db();
    const auto lease = std::chrono::milliseconds(
        static_cast<std::int64_t>(ctx.rt.settings()->cluster.lease_seconds * 1000.0));
    const auto now = db->cluster().db_now();
    const auto owned = db->cluster().owned_counts();
    json::array instances;
    std::size_t alive = 0;
    for (const auto& i : db->cluster().list()) {
        const bool is_alive = now - i.heartbeat_at <= lease;
        alive += is_alive ? 1 : 0;
        const auto it = owned.find(i.id);
        instances.push_back(json::object{
            {"id", i.id},
            {"host", i.host},
            {"pid", i.pid},
            {"version", i.version},
            {"started_at", iso8601(i.started_at)},
            {"heartbeat_at", iso8601(i.heartbeat_at)},
            {"alive", is_alive},
            {"executions_owned", it == owned.end() ? 0 : it->second},
            {"self", ctx.backends.orchestrator && ctx.backends.orchestrator->instance_id() == i.id}});
    }
    json::object out{{"backend", store::to_string(db->backend())},
                     {"instances", std::move(instances)},
                     {"alive", alive},
                     {"executions_unclaimed", db->executions().count_unclaimed()}};
    if (ctx.backends.orchestrator) {
        const auto f = ctx.backends.orchestrator->cluster_figures();
        out["instance_id"] = ctx.backends.orchestrator->instance_id();
        out["this_instance"] = json::object{{"claims", f.claims},       {"takeovers", f.takeovers},
                                            {"lost", f.lost},           {"heartbeats", f.heartbeats},
                                            {"notifications", f.notifications}, {"listening", f.listening}};
    }
    return out;
}

json::object collect_metrics(api_context& ctx) {
    auto db = ctx.db();
    // One statement per table: the counts are one snapshot and add up to the total.
    auto executions = counts_with_total(db->executions().count_by_status(), all_statuses);
    const auto active = count_of(executions, "queued") + count_of(executions, "running") + count_of(executions, "paused");
    json::object workflows{{"total", db->workflows().count()},
                           {"active", active},
                           {"completed", executions.at("completed")},
                           {"failed", executions.at("failed")}};
    auto agents = counts_with_total(db->agents().count_by_state(), all_agent_states);
    json::object system{{"cpu_usage", nullptr}, {"memory_usage", nullptr}, {"disk_usage", nullptr}};
    if (ctx.backends.hardware) system = ctx.backends.hardware->system_metrics();
    json::object queues{{"blocking_jobs", ctx.rt.blocking_pending()},
                        {"blocking_jobs_max", runtime::max_blocking_jobs},
                        {"waiting_requests", ctx.waits.size()}};
    json::object group_commit{{"batches", 0}, {"transitions", 0}};
    if (ctx.backends.orchestrator) {
        queues["executions_running"] = ctx.backends.orchestrator->running_count();
        queues["executions_queued"] = ctx.backends.orchestrator->queued_count();
        const auto commits = ctx.backends.orchestrator->commit_figures();  // one snapshot for both
        queues["group_commit"] = commits.queued;
        group_commit = {{"batches", commits.batches}, {"transitions", commits.transitions}};
    }
    return {{"workflows", std::move(workflows)},
            {"agents", std::move(agents)},
            {"entanglements", count_entanglements(*db)},
            {"executions", std::move(executions)},
            {"system", std::move(system)},
            {"requests", ctx.table.metrics().to_json()},
            {"queues", std::move(queues)},
            {"group_commit", std::move(group_commit)},
            {"database", database_view(*db)},
            {"websocket", websocket_metrics(ctx)},
            {"cluster", cluster_view(ctx)},
            {"resources", resources_view(ctx)},
            {"timestamp", iso8601(store::now())}};
}

std::string to_prometheus(const json::object& m, const request_metrics& requests) {
    std::string out;
    gauge(out, "chainbot_workflows", "Stored workflows.");
    out += fmt::format("chainbot_workflows {}\n", count_of(m.at("workflows").as_object(), "total"));
    gauge(out, "chainbot_executions", "Stored executions by status.");
    for (auto s : all_statuses)
        out += fmt::format("chainbot_executions{{status=\"{}\"}} {}\n", store::to_string(s),
                           count_of(m.at("executions").as_object(), store::to_string(s)));
    gauge(out, "chainbot_agents", "Agents by state.");
    for (auto s : all_agent_states)
        out += fmt::format("chainbot_agents{{state=\"{}\"}} {}\n", store::to_string(s),
                           count_of(m.at("agents").as_object(), store::to_string(s)));
    gauge(out, "chainbot_entanglements", "Entanglements.");
    out += fmt::format("chainbot_entanglements {}\n", count_of(m.at("entanglements").as_object(), "total"));
    gauge(out, "chainbot_queue_depth", "Depth of the module's bounded queues.");
    for (const auto& kv : m.at("queues").as_object())
        out += fmt::format("chainbot_queue_depth{{queue=\"{}\"}} {}\n", prometheus_label(kv.key()),
                           kv.value().to_number<std::uint64_t>());
    const auto& commits = m.at("group_commit").as_object();
    counter(out, "chainbot_group_commits_total", "Transactions of the orchestrator's group-commit writer.",
            count_of(commits, "batches"));
    counter(out, "chainbot_group_commit_transitions_total", "Execution and step writes those transactions carried.",
            count_of(commits, "transitions"));
    const auto& database = m.at("database").as_object();
    const auto& connections = database.at("connections").as_object();
    gauge(out, "chainbot_database_connections", "Open connections of the database pool, idle or in use.");
    for (const char* state : {"idle", "in_use"})
        out += fmt::format("chainbot_database_connections{{state=\"{}\"}} {}\n", state, count_of(connections, state));
    gauge(out, "chainbot_database_connections_peak", "The most connections the pool had open at once since start.");
    out += fmt::format("chainbot_database_connections_peak {}\n", count_of(connections, "peak_open"));
    gauge(out, "chainbot_database_connections_limit", "The pool's limit (database.pool_size + database.max_overflow).");
    out += fmt::format("chainbot_database_connections_limit {}\n", count_of(connections, "limit"));
    counter(out, "chainbot_database_reads_total", "Read operations on the database.", count_of(database, "reads"));
    counter(out, "chainbot_database_writes_total", "Write operations and transactions on the database.",
            count_of(database, "writes"));
    const auto& websocket = m.at("websocket").as_object();
    gauge(out, "chainbot_websocket_clients", "WebSocket clients connected.");
    out += fmt::format("chainbot_websocket_clients {}\n", count_of(websocket, "clients"));
    counter(out, "chainbot_websocket_events_sent_total", "Events written to WebSocket clients.",
            count_of(websocket, "events_sent"));
    counter(out, "chainbot_websocket_events_dropped_total", "Events dropped from full WebSocket client queues.",
            count_of(websocket, "events_dropped"));
    for (const auto& kv : m.at("system").as_object()) {
        if (!kv.value().is_number()) continue;  // unavailable on this machine
        const auto name = fmt::format("chainbot_system_{}", std::string_view(kv.key()));
        gauge(out, name, "System reading (percent, or degrees Celsius for temperatures).");
        out += fmt::format("{} {}\n", name, kv.value().to_number<double>());
    }
    const auto& cluster = m.at("cluster").as_object();
    gauge(out, "chainbot_cluster_instances", "Registered instances, and those whose heartbeat is within the lease.");
    out += fmt::format("chainbot_cluster_instances{{state=\"registered\"}} {}\n", cluster.at("instances").as_array().size());
    out += fmt::format("chainbot_cluster_instances{{state=\"alive\"}} {}\n", count_of(cluster, "alive"));
    gauge(out, "chainbot_cluster_executions_owned", "Active executions each instance holds a claim on.");
    for (const auto& i : cluster.at("instances").as_array())
        out += fmt::format("chainbot_cluster_executions_owned{{instance=\"{}\"}} {}\n",
                           prometheus_label(i.at("id").as_string()), count_of(i.as_object(), "executions_owned"));
    if (const auto* self = cluster.if_contains("this_instance")) {
        counter(out, "chainbot_cluster_claims_total", "Executions this instance claimed (takeovers included).",
                count_of(self->as_object(), "claims"));
        counter(out, "chainbot_cluster_takeovers_total", "Executions this instance took over from a dead owner.",
                count_of(self->as_object(), "takeovers"));
        counter(out, "chainbot_cluster_lost_total", "Executions this instance gave up (fenced by a newer claim).",
                count_of(self->as_object(), "lost"));
    }
    if (const auto* resources = m.if_contains("resources"); resources && resources->is_object())
        write_resources_prometheus(out, resources->as_object());
    requests.write_prometheus(out);
    return out;
}

void add_metrics_routes(api_context& ctx) {
    auto respond_metrics = [&ctx](bool prometheus, http::responder respond) {
        run_blocking(ctx.rt, std::move(respond), [&ctx, prometheus] {
            auto m = collect_metrics(ctx);
            if (prometheus) return prometheus_response(to_prometheus(m, ctx.table.metrics()));
            return http::response::json(200, json::serialize(m));
        });
    };
    ctx.table.add({"GET", "/api/chainbot/metrics", std::string(permission::read),
                   [respond_metrics](http::request& req, http::responder respond) {
                       respond_metrics(wants_prometheus(req), std::move(respond));
                   },
                   "Counts of workflows, executions, agents and entanglements, system readings, request "
                   "counts, group commits, the database pool and resources (RSS, CPU, limits, admission, queue "
                   "depths, caches) as JSON; the "
                   "Prometheus text format with ?format=prometheus or Accept: text/plain"});
    ctx.table.add({"GET", "/api/chainbot/metrics/prometheus", std::string(permission::read),
                   [respond_metrics](http::request&, http::responder respond) {
                       respond_metrics(true, std::move(respond));
                   },
                   "The metrics in the Prometheus text exposition format, with request latency histograms"});
    ctx.table.add({"GET", "/api/chainbot/cluster", std::string(permission::read),
                   [&ctx](http::request&, http::responder respond) {
                       run_blocking(ctx.rt, std::move(respond), [&ctx] {
                           return http::response::json(200, json::serialize(cluster_view(ctx)));
                       });
                   },
                   "The instances sharing the database: id, host, pid, version, started_at, heartbeat_at, alive "
                   "(heartbeat within cluster.lease_seconds) and executions_owned"});
}

}  // namespace chainbot::api
