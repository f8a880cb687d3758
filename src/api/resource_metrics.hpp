#pragma once
/// @file resource_metrics.hpp
/// @brief The `resources` section of GET /api/chainbot/metrics: the module's own RSS and
/// CPU, its limits, the admission state (the governor), the depth of every bounded queue
/// and the figures of the in-memory caches; and the same in the Prometheus text format.
///
/// {"rss_bytes", "rss_mb", "cpu_percent", "sampled_at", "samples",
///  "limits": {"max_memory_mb", "max_cpu_percent" (null: unset), "resume_margin_percent",
///             "memory_resume_below_mb", "sample_interval_seconds"},
///  "memory_pressure", "cpu_throttled",
///  "admission": {"state": open|closed|throttled, "open", "holds": [{"source", "reason", "since"}],
///                "max_concurrent_executions", "effective_max_concurrent_executions", "refused": {reason: n}},
///  "queues": {name: {"depth", "capacity" | "capacity_each"}},
///  "caches": {name: {"entries", "capacity", "hits", "misses", "evictions", "invalidations"},
///             "agent_configurations": {"entries", "capacity"}}}

#include "api/api_context.hpp"

#include <boost/json/object.hpp>

#include <string>

namespace chainbot::api {

/// @brief The section above; reads the store (the execution queue): call on the blocking pool.
boost::json::object resources_view(api_context& ctx);

/// @brief Appends the section's gauges and counters (chainbot_resource_*, chainbot_admission_*,
/// chainbot_cache_*) to a Prometheus text body.
void write_resources_prometheus(std::string& out, const boost::json::object& resources);

}  // namespace chainbot::api
