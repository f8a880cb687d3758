#pragma once
/// @file governor.hpp
/// @brief Admission control: the one place that decides whether new work (executions,
/// agent spawns) may start now, and how many executions may run at once. It also knows
/// the module's in-memory caches, to trim them under memory pressure and report them.
///
/// Admission is closed while any hold is in force:
/// - pushed holds, set and cleared by whoever watches the condition (the resource
///   monitor's `memory` hold above resources.max_memory_mb);
/// - hold checks, asked each time (the Raspberry Pi's `temperature` hold while the CPU
///   is hot and raspberry_pi.hold_executions_when_hot is on).
/// The concurrency cap (the resource monitor's answer to resources.max_cpu_percent)
/// lowers workflow.max_concurrent_executions, never below one.
///
/// Components that start work ask closed() / max_concurrent() before starting it, and
/// register a listener to start what waited when admission reopens or the cap rises.
/// Listeners are called without any lock of the governor held.
///
/// @code
///   auto g = std::make_shared<resources::governor>();
///   auto id = g->on_change([&] { pump(); });           // admission reopened, cap raised
///   if (auto h = g->closed()) queue_it(); else start_it();
///   g->require_open("spawn");  // service_error 503 resource_limit naming the limit
/// @endcode

#include "resources/cache_stats.hpp"

#include <boost/json/object.hpp>

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace chainbot::resources {

/// @brief Why new work may not start now.
struct hold {
    std::string source;  ///< "memory", "temperature"
    std::string reason;  ///< for people; names the limit and the reading
};

class governor {
public:
    /// @brief Answers a hold's reason while its condition holds, nullopt otherwise.
    using hold_check = std::function<std::optional<std::string>()>;

    // ---- admission ----------------------------------------------------------------------

    /// @brief The first hold in force (pushed holds first), or nullopt: admission is open.
    std::optional<hold> closed() const;
    bool admits() const { return !closed().has_value(); }

    /// @brief Closes admission for `source` (replacing its reason when already set).
    void set_hold(const std::string& source, std::string reason);
    /// @brief Ends the hold of `source`; listeners are told when it was set.
    void clear_hold(const std::string& source);
    /// @brief A hold asked each time admission is decided; null removes it.
    void set_hold_check(const std::string& source, hold_check check);
    /// @brief A hold check's condition may have ended: tells the listeners.
    void recheck();

    /// @brief `configured` (workflow.max_concurrent_executions) lowered by the cap, at least 1.
    std::size_t max_concurrent(std::size_t configured) const;
    std::optional<std::size_t> concurrency_cap() const;
    /// @brief nullopt lifts the cap. Listeners are told when it rises or is lifted.
    void set_concurrency_cap(std::optional<std::size_t> cap);

    /// @brief Called when work that waited may start (a hold ended, the cap rose).
    std::uint64_t on_change(std::function<void()> listener);
    void remove_listener(std::uint64_t id);

    /// @brief Throws service_error 503 `resource_limit` (with Retry-After) naming the hold
    /// when admission is closed, and counts the refusal under `what` ("execution", "spawn").
    void require_open(std::string_view what);
    /// @brief Counts a refusal decided elsewhere ("queue_full", "concurrency_limit").
    void count_refusal(std::string_view what);
    /// @brief The Retry-After of refusals for a hold (the monitor sets it from its interval).
    int retry_after_seconds() const;
    void set_retry_after_seconds(int seconds);

    /// @brief {"state": "open"|"closed"|"throttled", "holds": [{"source", "reason", "since"}],
    /// "max_concurrent_executions", "effective_max_concurrent_executions", "refused": {...}}.
    boost::json::object to_json(std::size_t configured) const;

    // ---- caches -------------------------------------------------------------------------

    /// @brief Registers a cache for metrics and trimming (same name: replaced).
    void add_cache(const std::string& name, std::function<cache_stats()> stats, std::function<void()> trim = {});
    void remove_cache(const std::string& name);
    /// @brief Empties every trimmable cache; returns how many were trimmed.
    std::size_t trim_caches();
    /// @brief {name: {"entries", "capacity", "hits", "misses", "evictions", "invalidations"}}.
    boost::json::object caches_json() const;
    std::uint64_t trims() const;

private:
    struct pushed_hold {
        std::string reason;
        std::string since;
    };
    struct cache_entry {
        std::function<cache_stats()> stats;
        std::function<void()> trim;
    };
    void notify();

    mutable std::mutex mutex_;
    std::map<std::string, pushed_hold> holds_;
    std::vector<std::pair<std::string, hold_check>> checks_;
    std::optional<std::size_t> cap_;
    std::map<std::uint64_t, std::function<void()>> listeners_;
    std::uint64_t next_listener_ = 1;
    std::map<std::string, std::uint64_t, std::less<>> refused_;
    int retry_after_ = 5;
    std::map<std::string, cache_entry> caches_;
    std::uint64_t trims_ = 0;
};

}  // namespace chainbot::resources
