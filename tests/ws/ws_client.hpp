#pragma once
// A WebSocket test client over a real socket (Beast, in ws_client.cpp only): the handshake
// is done in the constructor (a refusal keeps the HTTP status and body); then a thread of
// its own reads every frame into a list the test waits on, answering pings as it goes.
// A client made with `reading = false` reads nothing until resume_reading(): a slow or
// dead client.
#include "support/http_get.hpp"

#include <boost/json/object.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "support/eventually.hpp"

namespace chainbot::test {

using namespace std::chrono_literals;

struct ws_client_options {
    header_list headers;     ///< extra handshake headers (Authorization...)
    bool reading = true;     ///< read from the start
    int receive_buffer = 0;  ///< SO_RCVBUF before connecting; 0 leaves the default
};

class ws_client {
public:
    ws_client(unsigned short port, const std::string& target, ws_client_options options = {});
    ~ws_client();
    ws_client(const ws_client&) = delete;
    ws_client& operator=(const ws_client&) = delete;

    /// @brief True when the upgrade succeeded.
    bool upgraded() const noexcept { return refused_status_ == 0; }
    /// @brief The HTTP status of a refused upgrade (0 when upgraded), and its body.
    int refused_status() const noexcept { return refused_status_; }
    const std::string& refused_body() const noexcept { return refused_body_; }

    /// @brief Sends a text frame (queued; written by the client's thread in order).
    void send(std::string text);
    void resume_reading();

    /// @brief The next frame not returned yet (every frame is a JSON object), within `timeout`.
    std::optional<boost::json::object> next(std::chrono::milliseconds timeout = 5000ms);
    /// @brief The next frame of `type` ("event", "error"...), skipping others.
    std::optional<boost::json::object> next_of(const std::string& type, std::chrono::milliseconds timeout = 5000ms);
    /// @brief Waits until `done(every frame so far)`; false on timeout.
    bool wait_for(const std::function<bool(const std::vector<boost::json::object>&)>& done,
                  std::chrono::milliseconds timeout = 5000ms);
    std::vector<boost::json::object> frames() const;

    /// @brief Waits for the connection to end; the close code the server sent (1001...),
    /// 0 when it ended without a close frame, nullopt when still open after `timeout`.
    std::optional<int> wait_closed(std::chrono::milliseconds timeout = 5000ms);
    bool closed() const;
    /// @brief Ping frames received from the server.
    int pings() const;

private:
    struct state;
    std::shared_ptr<state> state_;
    int refused_status_ = 0;
    std::string refused_body_;
};

/// @brief Waits until `condition()` holds, polling; false after `timeout`.

}  // namespace chainbot::test
