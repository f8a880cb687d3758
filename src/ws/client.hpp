#pragma once
/// @file client.hpp
/// @brief A WebSocket client as the hub sees it, free of Beast: its topic patterns and
/// its bounded queue of event frames. The hub fills the queue from the publishing thread
/// (never blocking: when the queue is full the oldest frame is dropped and counted); the
/// session drains it on its strand, one write at a time.

#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace chainbot::ws {

class client {
public:
    virtual ~client() = default;

    /// @brief Adds patterns (duplicates ignored); returns every current pattern, or
    /// nullopt, changing nothing, when the total would exceed max_patterns.
    std::optional<std::vector<std::string>> subscribe(const std::vector<std::string>& patterns);
    /// @brief Removes patterns (unknown ones ignored); returns every current pattern.
    std::vector<std::string> unsubscribe(const std::vector<std::string>& patterns);
    std::vector<std::string> topics() const;
    /// @brief True when a pattern matches one of `topics` (the event's topic and its aliases).
    bool wants(const std::vector<std::string>& topics) const;

    /// @brief From the publishing thread: queues `frame`, first dropping the oldest frames
    /// while `capacity` are queued. Returns how many were dropped. Never blocks on I/O.
    std::size_t offer(std::shared_ptr<const std::string> frame, std::size_t capacity);
    /// @brief Frames waiting to be written (a queue-depth metric).
    std::size_t queued() const;

    /// @brief From any thread: close the connection with 1001 (going away).
    virtual void close_going_away() = 0;

protected:
    /// @brief Called by offer() (outside the lock) when the queue was idle: the session
    /// posts a flush to its strand and, from there, calls take() until it returns nullopt.
    virtual void wake() = 0;

    struct queued_frame {
        std::shared_ptr<const std::string> frame;
        std::uint64_t dropped_before = 0;  ///< frames dropped since the last frame taken
        bool more = false;                 ///< frames were still queued behind it
    };
    /// @brief The next frame to send; nullopt when the queue is empty, after which the
    /// next offer() wakes the session again.
    std::optional<queued_frame> take();

private:
    mutable std::mutex mutex_;
    std::vector<std::string> patterns_;
    std::deque<std::shared_ptr<const std::string>> queue_;
    std::uint64_t dropped_unreported_ = 0;
    bool draining_ = false;  // woken and not yet found the queue empty
};

}  // namespace chainbot::ws
