#pragma once
// The module's internal event hub: every state change becomes one event whose topic
// follows chainbot.<entity>.<what>; observers (host bus, WebSocket hub, audit, metrics)
// receive it without the emitting component knowing they exist.

#include <boost/json/object.hpp>

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace chainbot::events {

/// @brief One event. `payload` always carries "timestamp" (ISO 8601 UTC) and "module_id".
struct event {
    std::string topic;
    boost::json::object payload;
};

/// @brief Receives every published event. Called on the publishing thread: an observer
/// must not block (post slow work elsewhere) and should not throw; a throw is caught,
/// logged by the hub's error callback and counted, and the other observers still run.
class observer {
public:
    virtual ~observer() = default;
    virtual void on_event(const event& e) = 0;
};

class event_hub {
public:
    using error_callback = std::function<void(std::string_view observer_error)>;

    explicit event_hub(std::string module_id = "chainbot");

    /// @brief Adds an observer; returns an id for remove_observer.
    std::uint64_t add_observer(std::shared_ptr<observer> o);
    void remove_observer(std::uint64_t id);

    /// @brief Stamps `fields` with timestamp and module_id and fans the event out.
    void publish(std::string topic, boost::json::object fields = {});
    /// @brief Scale-out relay: fans out an event published on another instance, keeping its
    /// "timestamp" and "module_id" (stamped like publish only where missing).
    void republish(std::string topic, boost::json::object fields);

    void on_observer_error(error_callback cb);
    std::uint64_t published() const noexcept { return published_.load(); }
    std::uint64_t observer_failures() const noexcept { return failures_.load(); }

private:
    void fan_out(const event& e);
    struct entry {
        std::uint64_t id;
        std::shared_ptr<observer> obs;
    };
    std::string module_id_;
    mutable std::mutex mutex_;
    // Copy-on-write list: publish takes a snapshot without holding the lock while calling out.
    std::shared_ptr<const std::vector<entry>> observers_;
    std::uint64_t next_id_ = 1;
    error_callback on_error_;
    std::atomic<std::uint64_t> published_{0};
    std::atomic<std::uint64_t> failures_{0};
};

/// @brief Current time as ISO 8601 UTC with milliseconds ("2026-11-25T12:00:00.123Z").
std::string iso8601_now();

}  // namespace chainbot::events
