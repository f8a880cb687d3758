#pragma once
// Reading a Retry-After field (RFC 9110 10.2.3): delay-seconds or an HTTP-date.

#include <chrono>
#include <optional>
#include <string_view>

namespace chainbot::agents {

/// @brief How long `value` asks to wait, counted from `now` (an HTTP-date in the past
/// gives zero); nullopt when it is neither delay-seconds nor an IMF-fixdate
/// ("Wed, 21 Oct 2015 07:28:00 GMT").
std::optional<std::chrono::milliseconds> parse_retry_after(std::string_view value,
                                                           std::chrono::system_clock::time_point now);

}  // namespace chainbot::agents
