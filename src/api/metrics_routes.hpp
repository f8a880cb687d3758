#pragma once
#include "api/api_context.hpp"

#include <boost/json/object.hpp>

#include <string>

namespace chainbot::api {

/// @brief GET /api/chainbot/metrics (chainbot:read): JSON
/// {"workflows": {total, active, completed, failed}, "agents": {total, idle, working,
/// terminated, error}, "entanglements": {total, messages}, "executions": {total, queued,
/// running, paused, completed, failed, cancelled, timed_out}, "system": {cpu_usage,
/// memory_usage, disk_usage, cpu_temperature_celsius}, "requests": {total, by_status},
/// "queues": {...}, "group_commit": {batches, transitions}, "database": {backend,
/// connections: {open, idle, in_use, peak_open, limit}, reads, writes}, "websocket":
/// {clients, events_sent, events_dropped}, "cluster": {...},
/// "resources": {rss, cpu, limits, admission, queues, caches: see resource_metrics.hpp}, "timestamp"}. workflows.total counts stored workflows; active,
/// completed and failed count their executions in those states (active: queued, running
/// or paused). With ?format=prometheus, or an Accept header asking for text/plain or
/// OpenMetrics and not JSON, it answers the Prometheus text format, as does
/// GET /api/chainbot/metrics/prometheus.
void add_metrics_routes(api_context& ctx);

/// @brief GET /api/chainbot/cluster: the registered instances with `alive` and executions_owned.
boost::json::object cluster_view(api_context& ctx);

/// @brief The JSON above (store counts: call on the blocking pool).
boost::json::object collect_metrics(api_context& ctx);
/// @brief The same numbers in the Prometheus text exposition format (version 0.0.4).
std::string to_prometheus(const boost::json::object& metrics, const request_metrics& requests);

}  // namespace chainbot::api
