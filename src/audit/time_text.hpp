#pragma once
// Timestamps as API clients see them: ISO 8601 UTC with milliseconds.

#include "store/types.hpp"

#include <optional>
#include <string>
#include <string_view>

namespace chainbot::audit {

/// @brief "2026-11-25T12:00:00.123Z".
std::string to_iso8601(store::time_point t);

/// @brief "2026-11-25", "2026-11-25T12:00:00", with optional ".fff" and "Z" or "+hh:mm",
/// or milliseconds since the Unix epoch ("1764072000123"); nullopt otherwise.
std::optional<store::time_point> parse_time(std::string_view text);

}  // namespace chainbot::audit
