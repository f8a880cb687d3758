#pragma once
/// @file ws_session.hpp
/// @brief Internal. One WebSocket connection of the feed; its Beast code lives in
/// ws_session.cpp, the component's only translation unit that instantiates Beast's
/// WebSocket templates.

#include <chrono>
#include <memory>
#include <string>
#include <vector>

namespace chainbot::http {
struct upgraded_connection;
}

namespace chainbot::ws {

class hub;

struct session_options {
    std::chrono::seconds ping_interval{30};  ///< a ping after this long without a frame from the client; closed after twice
    std::vector<std::string> topics;         ///< subscribed at connect (?topics=)
};

/// @brief Answers the handshake of `connection` and serves it until it closes; the
/// session registers with `feed` once the handshake is done.
void start_session(http::upgraded_connection&& connection, std::shared_ptr<hub> feed, session_options options);

}  // namespace chainbot::ws
