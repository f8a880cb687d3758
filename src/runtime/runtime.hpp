#pragma once
// The runtime owns what every component shares: the io_context and its thread pool,
// the settings snapshot, the logger, the event hub and the health registry. It is
// created by initialize (no threads, no sockets), started by start and drained by stop.
// Components plug in as services, started in order and stopped in reverse.
// Blocking work (store calls, file reads) goes to a separate bounded blocking pool,
// never to the I/O threads.

#include "config/loader.hpp"
#include "config/settings.hpp"
#include "events/event_hub.hpp"
#include "runtime/health.hpp"
#include "runtime/logger.hpp"

#include <chainbot/host_services.hpp>

#include <boost/asio/io_context.hpp>

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace boost::asio {
class thread_pool;
}

namespace chainbot {

class runtime;

/// @brief A component with a lifecycle (API server, store, orchestrator...).
class service {
public:
    virtual ~service() = default;
    virtual std::string_view name() const = 0;
    /// @brief Called on start, after the thread pool runs; throws to abort start.
    virtual void start(runtime& rt) = 0;
    /// @brief Called on stop, before the thread pool is joined; must not throw.
    virtual void stop() noexcept = 0;
};

class runtime {
public:
    runtime(config::settings settings, host_services services);
    ~runtime();
    runtime(const runtime&) = delete;
    runtime& operator=(const runtime&) = delete;

    /// @brief Adds a service; only before start.
    void add_service(std::shared_ptr<service> s);

    /// @brief Creates the data directory, runs the thread pool, starts every service.
    /// On failure everything started is stopped again and the exception propagates.
    void start();
    /// @brief Stops services in reverse order, drains and joins the blocking pool, lets
    /// queued I/O work drain, joins the I/O pool.
    void stop() noexcept;
    bool running() const noexcept;

    boost::asio::io_context& io() noexcept { return io_; }
    events::event_hub& events() noexcept { return events_; }
    logger& log() noexcept { return *log_; }
    health_registry& health() noexcept { return health_; }
    const host_services& services() const noexcept { return services_; }

    /// @brief The current settings; a snapshot that never changes under the reader.
    std::shared_ptr<const config::settings> settings() const;

    /// @brief Applies a runtime change of `key` ("workflow.retry_attempts") given as JSON text.
    /// Returns false and logs why when the change is rejected. Live keys take effect at once;
    /// others are recorded as pending and reported "restart required".
    bool change_setting(std::string_view key, std::string_view value_json);
    /// @brief Called after each accepted live change with the new settings.
    void on_settings_changed(std::function<void(const config::settings&)> cb);

    std::size_t thread_count() const noexcept { return thread_count_; }

    /// @brief Threads of the blocking pool, and how many jobs may wait or run on it at once.
    static constexpr std::size_t blocking_threads = 4;
    static constexpr std::size_t max_blocking_jobs = 256;
    /// @brief Runs `job` on the blocking pool. Returns false, queuing nothing, when
    /// max_blocking_jobs are already pending or the runtime is not started (or stopping):
    /// the caller answers "busy" instead of waiting. An exception escaping `job` is logged.
    /// @code
    ///   if (!rt.post_blocking([db] { db->workflows().count(); })) reply_busy();
    /// @endcode
    bool post_blocking(std::function<void()> job);
    /// @brief Jobs posted to the blocking pool and not finished yet (a queue-depth metric).
    std::size_t blocking_pending() const noexcept { return blocking_pending_.load(); }

private:
    void close_blocking() noexcept;  // refuses new jobs, runs the queued ones, joins

    host_services services_;
    mutable std::mutex settings_mutex_;
    std::shared_ptr<const config::settings> settings_;
    std::optional<config::settings> pending_;  // restart-required changes, adopted at the next start
    std::vector<std::function<void(const config::settings&)>> settings_watchers_;
    std::unique_ptr<logger> log_;
    events::event_hub events_;
    health_registry health_;
    std::uint64_t host_forwarder_id_ = 0;

    boost::asio::io_context io_;
    std::size_t thread_count_;
    std::vector<std::thread> threads_;
    std::shared_ptr<void> work_guard_;  // keeps the pool alive while idle; released by stop
    std::vector<std::shared_ptr<service>> services_list_;
    std::vector<std::shared_ptr<service>> started_;
    std::mutex blocking_mutex_;  // guards blocking_ against post_blocking during start/stop
    std::unique_ptr<boost::asio::thread_pool> blocking_;
    std::atomic<std::size_t> blocking_pending_{0};
    mutable std::mutex lifecycle_mutex_;
    // Atomic: health checks read it from pool threads while stop() holds lifecycle_mutex_ and joins them.
    std::atomic<bool> running_{false};
};

}  // namespace chainbot
