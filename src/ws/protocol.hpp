#pragma once
/// @file protocol.hpp
/// @brief The WebSocket feed's messages, free of Beast. A client sends JSON text frames
/// `{"action": "subscribe"|"unsubscribe", "topics": [...]}` or `{"action": "ping"}`; the
/// server answers `{"type": "subscribed"|"unsubscribed", "topics": [every current pattern]}`
/// or `{"type": "pong"}`, pushes `{"type": "event", "topic", "payload"}`, reports lost
/// events as `{"type": "dropped", "count"}` and mistakes as
/// `{"type": "error", "error": {"code", "message"}}`.

#include "events/event_hub.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace chainbot::ws {

/// @brief Longest pattern accepted, and most patterns one client may hold.
inline constexpr std::size_t max_pattern_length = 256;
inline constexpr std::size_t max_patterns = 64;

enum class action { subscribe, unsubscribe, ping };

struct client_message {
    ws::action action = action::ping;
    std::vector<std::string> topics;  ///< validated patterns (subscribe, unsubscribe)
};

struct protocol_error {
    std::string code;  ///< invalid_json, invalid_message, unknown_action, invalid_pattern
    std::string message;
};

/// @brief Parses one text frame of a client.
std::variant<client_message, protocol_error> parse_client_message(std::string_view text);

/// @brief Why `pattern` cannot be subscribed to (empty, too long, whitespace or control
/// characters); empty when it can.
std::string pattern_problem(std::string_view pattern);

/// @brief The topics an event answers to, its own first. An event whose topic is
/// `chainbot.<entity>.<rest>` and whose payload holds the string `<entity>_id` also
/// answers to `chainbot.<entity>.<id>.<rest>` (`chainbot.entanglement.message` of E1 to
/// `chainbot.entanglement.E1.message`); a `chainbot.workflow.<rest>` event holding an
/// `execution_id` X also answers to `chainbot.execution.X.<rest>`.
std::vector<std::string> topic_aliases(const events::event& e);

/// @brief True when one of `patterns` (globs, util/topic_pattern.hpp) matches one of `topics`.
bool any_matches(const std::vector<std::string>& patterns, const std::vector<std::string>& topics) noexcept;

std::string event_frame(const events::event& e);
std::string topics_frame(std::string_view type, const std::vector<std::string>& topics);
std::string pong_frame();
std::string dropped_frame(std::uint64_t count);
std::string error_frame(std::string_view code, std::string_view message);

}  // namespace chainbot::ws
