#pragma once
// Scale-out: relays the events published on this instance's hub to the other instances on
// the same PostgreSQL (NOTIFY chainbot_events), and re-publishes theirs here, so that the
// event bus subscribers and WebSocket clients of every instance see every event.
//
// Outgoing: an observer on the hub queues each local event (never blocking the publisher;
// bounded queue, oldest dropped and counted when full); one sender thread sends them with
// pg_notify. Payload: {"instance": <id>, "topic": ..., "payload": {...}}; when that exceeds
// max_notify_bytes (PostgreSQL allows < 8000), long strings in the payload are shortened
// (ending in "...") and "truncated": true is added; if still too large, only "timestamp",
// "module_id" and the top-level scalar fields that fit are kept.
// Incoming: notifications from another instance are re-published on the hub with their
// topic, timestamp and module_id, plus "origin_instance". Events carrying "origin_instance"
// are never sent out again, and this instance's own notifications are ignored (no loops).

#include "events/event_hub.hpp"

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

namespace chainbot::orchestrator {

class event_relay final : public events::observer {
public:
    static constexpr const char* channel = "chainbot_events";
    static constexpr std::size_t max_notify_bytes = 7900;
    static constexpr std::size_t default_capacity = 1000;

    using sender = std::function<void(const std::string& payload)>;  // throws on failure
    using logger = std::function<void(const std::string& message)>;

    /// @brief Starts the sender thread; `send` NOTIFYs `channel` with the payload.
    event_relay(std::string instance_id, events::event_hub& hub, sender send, logger on_error,
                std::size_t capacity = default_capacity);
    ~event_relay() override;  ///< stop()
    event_relay(const event_relay&) = delete;
    event_relay& operator=(const event_relay&) = delete;

    void on_event(const events::event& e) override;  ///< queues a local event (never blocks on I/O)
    /// @brief A notification received on `channel`: re-published on the hub unless it is ours.
    void on_notification(const std::string& payload);
    /// @brief Sends what is queued (for up to about 2 s), then joins the sender thread.
    void stop() noexcept;

    /// @brief The notification text for one event: exposed for tests.
    static std::string encode(const std::string& instance_id, const events::event& e,
                              std::size_t limit = max_notify_bytes);

    std::uint64_t sent() const noexcept { return sent_.load(); }
    std::uint64_t received() const noexcept { return received_.load(); }
    std::uint64_t dropped() const noexcept { return dropped_.load(); }
    std::uint64_t failed() const noexcept { return failed_.load(); }
    /// @brief Events waiting to be sent (a queue-depth metric), and the bound.
    std::size_t queued();
    std::size_t capacity() const noexcept { return capacity_; }

private:
    void run();
    std::string instance_id_;
    events::event_hub& hub_;
    sender send_;
    logger on_error_;
    std::size_t capacity_;
    std::mutex mutex_;
    std::condition_variable cv_;
    std::deque<events::event> queue_;
    bool stopping_ = false;
    std::thread thread_;
    std::atomic<std::uint64_t> sent_{0}, received_{0}, dropped_{0}, failed_{0};
};

}  // namespace chainbot::orchestrator
