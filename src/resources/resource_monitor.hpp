#pragma once
/// @file resource_monitor.hpp
/// @brief Self-monitoring as a runtime service: samples the module's own RSS and CPU time
/// every resources.sample_interval_seconds and holds the module to its limits through the
/// governor (see pressure_policy.hpp for the rules):
/// - above resources.max_memory_mb: the governor's `memory` hold (new executions queue,
///   spawns and `"queue": false` executions are refused with 503 resource_limit), caches
///   trimmed, `chainbot.resources.pressure` published, health component `resources`
///   degraded; below the limit minus the margin: hold lifted, `chainbot.resources.normal`;
/// - above resources.max_cpu_percent: the governor's concurrency cap steps down by one per
///   sample (never below one), and back up once usage falls below the limit minus the margin.
/// It also passes `chainbot.hardware.temperature_normal` on to the governor, whose
/// `temperature` hold check (the Raspberry Pi's) may then let held work start.
///
/// @code
///   auto governor = std::make_shared<resources::governor>();
///   auto monitor = std::make_shared<resources::resource_monitor>(governor);
///   rt.add_service(monitor);
///   monitor->set_usage_source([] { return resources::usage_sample{900ull << 20, 12.0}; });  // tests
/// @endcode

#include "resources/governor.hpp"
#include "resources/pressure_policy.hpp"
#include "resources/process_usage.hpp"
#include "runtime/runtime.hpp"

#include <boost/asio/steady_timer.hpp>
#include <boost/json/object.hpp>

#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

namespace chainbot::resources {

/// @brief Topics the monitor publishes.
inline constexpr std::string_view topic_pressure = "chainbot.resources.pressure";
inline constexpr std::string_view topic_normal = "chainbot.resources.normal";

/// @brief Health score of the `resources` component under memory pressure ("degraded").
inline constexpr double memory_pressure_score = 0.6;
/// @brief ... and while the CPU limit holds concurrency down (still "healthy", with a detail).
inline constexpr double cpu_throttled_score = 0.9;

class resource_monitor final : public service, public std::enable_shared_from_this<resource_monitor> {
public:
    using usage_source = std::function<usage_sample()>;

    explicit resource_monitor(std::shared_ptr<governor> g);
    ~resource_monitor() override;

    std::string_view name() const override { return "resources"; }
    /// @brief Takes a first sample (the CPU baseline), starts the timer, registers the
    /// health component and the temperature observer.
    void start(runtime& rt) override;
    /// @brief Stops sampling and lifts its own holds and cap (a stopped monitor holds nothing).
    void stop() noexcept override;

    /// @brief Replaces the process sampler (tests: scripted RSS and CPU readings). Null
    /// restores the process sampler.
    void set_usage_source(usage_source source);
    /// @brief Samples now and applies the limits: what the timer does.
    usage_sample sample_now();
    std::optional<usage_sample> latest() const;
    bool memory_pressure() const;
    const std::shared_ptr<governor>& admission() const noexcept { return governor_; }

    /// @brief {"rss_bytes", "rss_mb", "cpu_percent", "sampled_at", "samples",
    /// "limits": {"max_memory_mb", "max_cpu_percent" (null when unset), "resume_margin_percent",
    /// "memory_resume_below_mb"}, "memory_pressure", "cpu_throttled"}.
    boost::json::object to_json() const;

private:
    class temperature_observer;
    void apply(const usage_sample& sample, bool step_cpu);  // with sample_mutex_ held
    void arm();
    void on_tick(std::uint64_t generation);
    component_health health() const;

    std::shared_ptr<governor> governor_;
    runtime* rt_ = nullptr;

    std::mutex sample_mutex_;  // one sample at a time: events follow the order of samples
    process_sampler sampler_;  // guarded by sample_mutex_

    mutable std::mutex mutex_;  // everything below
    usage_source source_;
    std::optional<usage_sample> latest_;
    std::string sampled_at_;
    std::uint64_t samples_ = 0;
    bool memory_pressure_ = false;
    std::optional<std::size_t> cpu_cap_;
    bool running_ = false;
    bool settings_watched_ = false;
    std::unique_ptr<boost::asio::steady_timer> timer_;
    std::uint64_t generation_ = 0;
    std::uint64_t observer_id_ = 0;
};

}  // namespace chainbot::resources
