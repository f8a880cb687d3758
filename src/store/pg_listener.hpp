#pragma once
// Scale-out: LISTEN on PostgreSQL channels over a dedicated libpq connection (not one of
// the pool's: a listening session must stay open). A thread waits in poll(2) on the
// connection's socket, so it costs nothing while idle; it reconnects by itself after an
// outage and then reports a notification on channel "" (whatever was sent meanwhile is lost:
// callers re-check their state).

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace chainbot::store {

struct notification {
    std::string channel;  // "" after a (re)connect: notifications may have been missed
    std::string payload;
};

class notification_listener {
public:
    using handler = std::function<void(const notification&)>;
    using error_handler = std::function<void(const std::string&)>;
    /// @brief `connect_string` is libpq's key='value' form. Starts the thread at once.
    notification_listener(std::string connect_string, std::vector<std::string> channels, handler on_notify,
                          error_handler on_error);
    ~notification_listener();  ///< stops and joins the thread
    notification_listener(const notification_listener&) = delete;
    notification_listener& operator=(const notification_listener&) = delete;

private:
    void run();
    std::string connect_string_;
    std::vector<std::string> channels_;
    handler on_notify_;
    error_handler on_error_;
    int wake_fd_ = -1;  // eventfd: stop
    std::atomic<bool> stopping_{false};
    std::thread thread_;
};

}  // namespace chainbot::store
