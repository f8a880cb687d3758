#include "resources/resource_monitor.hpp"

#include "events/event_hub.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstddef>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

// jemalloc's control interface, null unless the host put jemalloc in the process.
extern "C" int mallctl(const char* name, void* oldp, std::size_t* oldlenp, void* newp, std::size_t newlen)
    __attribute__((weak));

namespace chainbot::resources {

namespace json = boost::json;

namespace {

constexpr double mib = 1024.0 * 1024.0;

double rounded(double v) { return std::round(v * 10.0) / 10.0; }

pressure_limits limits_of(const config::settings& s) {
    return {s.resources.max_memory_mb, s.resources.max_cpu_percent, s.resources.resume_margin_percent,
            static_cast<std::size_t>(std::max(1, s.workflow.max_concurrent_executions))};
}

std::string memory_reason(double rss_mb, int limit_mb) {
    return fmt::format("resident memory {:.1f} MB is above resources.max_memory_mb = {}", rss_mb, limit_mb);
}

// Hands freed heap pages back to the system, so that trimming shows in the RSS, whichever
// allocator the host gave the process: jemalloc (the reference host links it) purges every
// arena's unused pages, which its decay would only return seconds later and only while it is
// in use; the C library's malloc trims its heaps.
void release_free_memory() {
    constexpr const char* purge_all_arenas = "arena.4096.purge";  // 4096: MALLCTL_ARENAS_ALL
    if (mallctl != nullptr) mallctl(purge_all_arenas, nullptr, nullptr, nullptr, 0);
#if defined(__GLIBC__)
    ::malloc_trim(0);
#endif
}

}  // namespace

// The Raspberry Pi's temperature hold is a governor hold check; its end is an event.
class resource_monitor::temperature_observer final : public events::observer {
public:
    explicit temperature_observer(std::shared_ptr<governor> g) : governor_(std::move(g)) {}
    void on_event(const events::event& e) override {
        if (e.topic != "chainbot.hardware.temperature_normal") return;
        if (e.payload.contains("origin_instance")) return;  // another host's temperature
        governor_->recheck();
    }

private:
    std::shared_ptr<governor> governor_;
};

resource_monitor::resource_monitor(std::shared_ptr<governor> g) : governor_(std::move(g)) {
    if (!governor_) governor_ = std::make_shared<governor>();
}

resource_monitor::~resource_monitor() { stop(); }

void resource_monitor::set_usage_source(usage_source source) {
    std::lock_guard lock(mutex_);
    source_ = std::move(source);
}

void resource_monitor::start(runtime& rt) {
    rt_ = &rt;
    {
        std::lock_guard lock(mutex_);
        running_ = true;
        timer_ = std::make_unique<boost::asio::steady_timer>(rt.io());
    }
    observer_id_ = rt.events().add_observer(std::make_shared<temperature_observer>(governor_));
    rt.health().add("resources", [this] { return health(); });
    if (!settings_watched_) {  // the runtime keeps watchers for its lifetime: register once
        settings_watched_ = true;
        rt.on_settings_changed([this](const config::settings&) {
            {
                std::lock_guard lock(mutex_);
                if (!running_) return;
            }
            {
                // A new limit applies to the latest reading at once (the CPU steps on the timer only).
                std::lock_guard sample_lock(sample_mutex_);
                std::optional<usage_sample> latest;
                {
                    std::lock_guard lock(mutex_);
                    latest = latest_;
                }
                apply(latest.value_or(usage_sample{}), false);
            }
            governor_->recheck();  // hold_executions_when_hot may have been turned off
            arm();                 // a new interval
        });
    }
    sample_now();  // the CPU baseline, and the memory state from the start
    arm();
}

void resource_monitor::stop() noexcept {
    {
        std::lock_guard lock(mutex_);
        if (!running_) return;
        running_ = false;
        ++generation_;
        if (timer_) timer_->cancel();
        timer_.reset();
        memory_pressure_ = false;
        cpu_cap_.reset();
    }
    if (rt_ && observer_id_) rt_->events().remove_observer(observer_id_);
    observer_id_ = 0;
    if (rt_) rt_->health().remove("resources");
    // A stopped monitor holds nothing back.
    governor_->set_concurrency_cap(std::nullopt);
    governor_->clear_hold("memory");
}

void resource_monitor::arm() {
    std::lock_guard lock(mutex_);
    if (!running_ || !timer_ || !rt_) return;
    const auto s = rt_->settings();
    const auto interval = std::chrono::duration<double>(s->resources.sample_interval_seconds);
    governor_->set_retry_after_seconds(static_cast<int>(std::ceil(2 * s->resources.sample_interval_seconds)));
    const auto generation = ++generation_;  // a re-arm replaces the pending tick
    timer_->expires_after(std::chrono::duration_cast<std::chrono::steady_clock::duration>(interval));
    std::weak_ptr<resource_monitor> weak = weak_from_this();
    timer_->async_wait([weak, generation](const boost::system::error_code& ec) {
        if (ec) return;
        if (auto self = weak.lock()) self->on_tick(generation);
    });
}

void resource_monitor::on_tick(std::uint64_t generation) {
    {
        std::lock_guard lock(mutex_);
        if (!running_ || generation != generation_) return;
    }
    try {
        sample_now();
    } catch (const std::exception& e) {
        if (rt_) rt_->log().warning("resources", "cannot sample the module's resource use: {}", e.what());
    }
    arm();
}

usage_sample resource_monitor::sample_now() {
    std::lock_guard sample_lock(sample_mutex_);
    usage_source source;
    {
        std::lock_guard lock(mutex_);
        source = source_;
    }
    // The process sampler runs either way, so that its CPU baseline stays current.
    auto sample = sampler_.sample();
    if (source) sample = source();
    {
        std::lock_guard lock(mutex_);
        latest_ = sample;
        sampled_at_ = events::iso8601_now();
        ++samples_;
    }
    apply(sample, true);
    return sample;
}

void resource_monitor::apply(const usage_sample& sample, bool step_cpu) {
    if (!rt_) return;
    const auto s = rt_->settings();
    const auto limits = limits_of(*s);
    bool pressure = false;
    std::optional<std::size_t> cap;
    {
        std::lock_guard lock(mutex_);
        if (!running_) return;
        pressure = memory_pressure_;
        cap = cpu_cap_;
    }

    const auto memory = next_memory_state(pressure, sample.rss_bytes, limits);
    const double rss_mb = sample.rss_bytes ? static_cast<double>(*sample.rss_bytes) / mib : 0.0;
    const double resume_mb = resume_level(limits.max_memory_mb, limits.resume_margin_percent);
    cpu_step cpu{cap, transition::none};
    if (step_cpu || limits.max_cpu_percent <= 0) cpu = next_cpu_cap(cap, sample.cpu_percent, limits);
    {
        std::lock_guard lock(mutex_);
        memory_pressure_ = pressure;
        cpu_cap_ = cpu.cap;
    }

    if (pressure && sample.rss_bytes) governor_->set_hold("memory", memory_reason(rss_mb, limits.max_memory_mb));
    if (memory == transition::entered) {
        const auto trimmed = governor_->trim_caches();
        release_free_memory();
        rt_->log().warning("resources",
                           "resident memory {:.1f} MB is above resources.max_memory_mb = {}: new executions and spawns "
                           "are held and {} caches trimmed until it falls below {:.1f} MB",
                           rss_mb, limits.max_memory_mb, trimmed, resume_mb);
        rt_->events().publish(std::string(topic_pressure), {{"resource", "memory"},
                                                            {"rss_mb", rounded(rss_mb)},
                                                            {"limit_mb", limits.max_memory_mb},
                                                            {"resume_below_mb", rounded(resume_mb)},
                                                            {"admission", "closed"}});
    } else if (memory == transition::left) {
        governor_->clear_hold("memory");  // queued work starts again
        rt_->log().info("resources", "memory pressure is over ({:.1f} MB): admission reopened", rss_mb);
        json::object fields{{"resource", "memory"}, {"rss_mb", rounded(rss_mb)}, {"admission", "open"}};
        fields["limit_mb"] = limits.max_memory_mb > 0 ? json::value(limits.max_memory_mb) : json::value(nullptr);
        rt_->events().publish(std::string(topic_normal), std::move(fields));
    }

    if (cpu.cap != cap || cpu.change != transition::none) governor_->set_concurrency_cap(cpu.cap);
    const double cpu_percent = sample.cpu_percent.value_or(0.0);
    if (cpu.change == transition::entered) {
        rt_->log().warning("resources", "CPU {:.1f}% is above resources.max_cpu_percent = {}: at most {} executions at once",
                           cpu_percent, limits.max_cpu_percent, *cpu.cap);
        rt_->events().publish(std::string(topic_pressure), {{"resource", "cpu"},
                                                            {"cpu_percent", rounded(cpu_percent)},
                                                            {"limit_percent", limits.max_cpu_percent},
                                                            {"max_concurrent_executions", *cpu.cap}});
    } else if (cpu.change == transition::left) {
        rt_->log().info("resources", "CPU pressure is over: up to {} executions at once again", limits.max_concurrent);
        rt_->events().publish(std::string(topic_normal), {{"resource", "cpu"},
                                                          {"cpu_percent", rounded(cpu_percent)},
                                                          {"max_concurrent_executions", limits.max_concurrent}});
    } else if (cpu.cap != cap && cpu.cap) {
        rt_->log().info("resources", "CPU {:.1f}% (limit {}): at most {} executions at once", cpu_percent,
                        limits.max_cpu_percent, *cpu.cap);
    }
}

std::optional<usage_sample> resource_monitor::latest() const {
    std::lock_guard lock(mutex_);
    return latest_;
}

bool resource_monitor::memory_pressure() const {
    std::lock_guard lock(mutex_);
    return memory_pressure_;
}

component_health resource_monitor::health() const {
    std::optional<usage_sample> latest;
    bool pressure = false;
    std::optional<std::size_t> cap;
    {
        std::lock_guard lock(mutex_);
        latest = latest_;
        pressure = memory_pressure_;
        cap = cpu_cap_;
    }
    if (pressure) {
        const auto s = rt_->settings();
        const double rss_mb = latest && latest->rss_bytes ? static_cast<double>(*latest->rss_bytes) / mib : 0.0;
        return {memory_pressure_score,
                memory_reason(rss_mb, s->resources.max_memory_mb) + "; new executions and spawns are held"};
    }
    if (cap) {
        const auto s = rt_->settings();
        return {cpu_throttled_score, fmt::format("CPU above resources.max_cpu_percent = {}: at most {} executions at once",
                                                 s->resources.max_cpu_percent, *cap)};
    }
    return {1.0, {}};
}

json::object resource_monitor::to_json() const {
    std::optional<usage_sample> latest;
    std::string sampled_at;
    std::uint64_t samples = 0;
    bool pressure = false;
    std::optional<std::size_t> cap;
    {
        std::lock_guard lock(mutex_);
        latest = latest_;
        sampled_at = sampled_at_;
        samples = samples_;
        pressure = memory_pressure_;
        cap = cpu_cap_;
    }
    json::object out;
    out["rss_bytes"] = nullptr;
    out["rss_mb"] = nullptr;
    out["cpu_percent"] = nullptr;
    if (latest && latest->rss_bytes) {
        out["rss_bytes"] = *latest->rss_bytes;
        out["rss_mb"] = rounded(static_cast<double>(*latest->rss_bytes) / mib);
    }
    if (latest && latest->cpu_percent) out["cpu_percent"] = rounded(*latest->cpu_percent);
    out["sampled_at"] = sampled_at.empty() ? json::value(nullptr) : json::value(sampled_at);
    out["samples"] = samples;
    json::object limits;
    if (rt_) {
        const auto s = rt_->settings();
        const auto& r = s->resources;
        limits["max_memory_mb"] = r.max_memory_mb > 0 ? json::value(r.max_memory_mb) : json::value(nullptr);
        limits["max_cpu_percent"] = r.max_cpu_percent > 0 ? json::value(r.max_cpu_percent) : json::value(nullptr);
        limits["resume_margin_percent"] = r.resume_margin_percent;
        limits["memory_resume_below_mb"] =
            r.max_memory_mb > 0 ? json::value(rounded(resume_level(r.max_memory_mb, r.resume_margin_percent)))
                                : json::value(nullptr);
        limits["sample_interval_seconds"] = r.sample_interval_seconds;
    }
    out["limits"] = std::move(limits);
    out["memory_pressure"] = pressure;
    out["cpu_throttled"] = cap.has_value();
    return out;
}

}  // namespace chainbot::resources
