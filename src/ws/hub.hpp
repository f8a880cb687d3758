#pragma once
/// @file hub.hpp
/// @brief The WebSocket feed of the module's events: observes the event hub and hands
/// each event to the clients whose patterns match it, serialized once and shared.
/// Publishing never waits for a client: a frame is queued (the oldest dropped when the
/// client's queue of api.ws_send_queue frames is full) and the client's session writes
/// it on its own strand.
///
/// @code
///   auto feed = std::make_shared<ws::hub>(rt);
///   feed->start();
///   // in the handler of GET /api/chainbot/ws, after authorization:
///   res.status = 101;
///   res.upgrade = feed->acceptor({"chainbot.workflow.*"});
///   feed->stop();  // every client gets a close frame 1001 (going away)
/// @endcode

#include "events/event_hub.hpp"
#include "http/message.hpp"
#include "ws/client.hpp"

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace chainbot {
class runtime;
}

namespace chainbot::ws {

class hub : public std::enable_shared_from_this<hub> {
public:
    /// @brief Make it with std::make_shared. `rt` must outlive the hub's clients: they run
    /// on its io_context, which its stop() drains.
    explicit hub(runtime& rt);
    ~hub();
    hub(const hub&) = delete;
    hub& operator=(const hub&) = delete;

    /// @brief Observes the runtime's events and accepts clients (again after a stop).
    void start();
    /// @brief Stops observing, refuses new clients and closes every client with 1001.
    /// Returns at once; the runtime's stop waits for the closes (a client that does not
    /// answer its close frame is cut off after a few seconds).
    void stop() noexcept;
    bool accepting() const noexcept { return accepting_.load(); }

    /// @brief The response::upgrade of an authorized upgrade request: takes the connection
    /// over, answers the WebSocket handshake and subscribes the new client to `topics`
    /// (validated, may be empty).
    http::upgrade_acceptor acceptor(std::vector<std::string> topics);

    /// @brief Clients connected now; frames of events written to clients; events dropped
    /// from full client queues.
    std::size_t clients() const;
    std::uint64_t events_sent() const noexcept { return events_sent_.load(); }
    std::uint64_t events_dropped() const noexcept { return events_dropped_.load(); }
    /// @brief Frames waiting in the clients' send queues, all clients together, and the
    /// deepest single queue (each is bounded by api.ws_send_queue).
    std::size_t queued_frames() const;
    std::size_t deepest_queue() const;

    /// @brief The observer's work: queue `e` for every client that wants it.
    void publish(const events::event& e);

    // For the sessions.
    /// @brief Registers a client once its handshake is done; false while stopped.
    bool add(const std::shared_ptr<client>& c);
    void remove(const client* c) noexcept;
    void count_sent() noexcept { ++events_sent_; }
    runtime& rt() noexcept { return rt_; }

private:
    using client_list = std::vector<std::pair<const client*, std::weak_ptr<client>>>;

    runtime& rt_;
    mutable std::mutex mutex_;
    // Copy-on-write: publish() takes a snapshot and works without the lock.
    std::shared_ptr<const client_list> clients_ = std::make_shared<const client_list>();
    std::uint64_t observer_id_ = 0;
    std::atomic<bool> accepting_{false};
    std::atomic<std::uint64_t> events_sent_{0};
    std::atomic<std::uint64_t> events_dropped_{0};
};

}  // namespace chainbot::ws
