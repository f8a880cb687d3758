#pragma once
/// @file event_bus.hpp
/// @brief The host's publish/subscribe bus: glob topic patterns, asynchronous
/// delivery on a small thread pool, one bounded ordered queue per subscriber.
///
/// @code
///   alex_os::event_bus bus(&log);
///   auto id = bus.subscribe("chainbot.workflow.*", [](const std::string& topic, const std::string& json) {
///       std::cout << topic << ' ' << json << '\n';
///   });
///   bus.publish("chainbot.workflow.started", R"({"id":"w1"})");
///   bus.unsubscribe(id);
/// @endcode

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

namespace alex_os {

class log_sink;

/// @brief Sizes of the bus; both are at least 1.
struct event_bus_options {
    std::size_t threads = 2;            ///< delivery threads shared by all subscribers
    std::size_t queue_capacity = 1024;  ///< per subscriber; the oldest event is dropped beyond it
};

/// @brief Totals since the bus was built.
struct event_bus_counters {
    uint64_t published = 0;       ///< publish() calls accepted
    uint64_t delivered = 0;       ///< handler calls completed (including those that threw)
    uint64_t dropped = 0;         ///< events discarded because a subscriber's queue was full
    uint64_t handler_errors = 0;  ///< handler calls that threw
};

/// @brief Publish/subscribe with per-subscriber ordering and isolation.
///
/// Guarantees: publish() never waits for a handler; each subscriber sees events in
/// publish order, one handler call at a time; a slow or throwing subscriber delays or
/// breaks no other (as long as fewer subscribers are busy than there are threads);
/// after unsubscribe() returns no call of that handler starts, and unsubscribe() may be
/// called from inside any handler, including the one it cancels.
class event_bus {
public:
    using handler = std::function<void(const std::string& topic, const std::string& json)>;

    explicit event_bus(log_sink* log = nullptr, event_bus_options options = {});
    /// @brief Cancels every subscription and waits for running handlers to return.
    ~event_bus();
    event_bus(const event_bus&) = delete;
    event_bus& operator=(const event_bus&) = delete;

    /// @brief Subscribes `fn` to topics matching `pattern` (see topic_pattern).
    /// @throws std::invalid_argument when the pattern is empty or `fn` is empty.
    uint64_t subscribe(std::string pattern, handler fn);

    /// @brief Cancels a subscription, dropping its queued events; waits for a running
    /// call of its handler unless called from that handler. False for an unknown id.
    bool unsubscribe(uint64_t id);

    /// @brief Queues the event for every matching subscriber and returns.
    /// @throws std::invalid_argument when the topic is empty.
    void publish(std::string topic, std::string json);
    /// @brief publish() whose payload is made (by `make_json`, on the calling thread) only
    /// when some subscriber matches `topic`: an event nobody listens to costs no copy.
    void publish_with(std::string_view topic, const std::function<std::string()>& make_json);
    /// @brief Whether an event under `topic` would reach a subscriber now (false once closing).
    bool has_subscribers(std::string_view topic) const;

    [[nodiscard]] event_bus_counters counters() const noexcept;
    /// @brief Events dropped from one subscriber's queue (0 for an unknown id).
    [[nodiscard]] uint64_t dropped(uint64_t id) const;
    [[nodiscard]] std::size_t subscriber_count() const;

    /// @brief Waits until every queue is empty and no handler runs; false on timeout.
    bool wait_idle(std::chrono::milliseconds timeout) const;

private:
    struct impl;
    std::unique_ptr<impl> impl_;
};

}  // namespace alex_os
