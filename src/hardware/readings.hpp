#pragma once
/// @file readings.hpp
/// @brief One sample of the machine's sensors. Every field is optional: a value the
/// machine does not expose (no thermal zone, no firmware throttle file, an unreadable
/// file) is "unavailable" and shows as null in JSON, never as zero.

#include <boost/json/object.hpp>

#include <array>
#include <cstdint>
#include <optional>
#include <string>

namespace chainbot::hardware {

/// @brief The Raspberry Pi firmware's throttle bitmask (get_throttled, vcgencmd get_throttled).
/// Bits 0-3 describe now, bits 16-19 "has happened since boot".
struct throttle_flags {
    std::uint32_t raw = 0;
    bool under_voltage = false;           ///< bit 0
    bool frequency_capped = false;        ///< bit 1
    bool throttled = false;               ///< bit 2
    bool soft_temperature_limit = false;  ///< bit 3
    bool under_voltage_occurred = false;           ///< bit 16
    bool frequency_capping_occurred = false;       ///< bit 17
    bool throttling_occurred = false;              ///< bit 18
    bool soft_temperature_limit_occurred = false;  ///< bit 19
};

/// @brief Decodes the firmware bitmask.
throttle_flags decode_throttled(std::uint32_t bits) noexcept;

/// @brief One sample; see the file comment for what "unavailable" means.
struct hardware_readings {
    std::string timestamp;  ///< ISO 8601 UTC of the sample
    std::optional<std::string> board_model;
    std::optional<double> cpu_temperature_celsius;
    std::optional<std::string> thermal_zone;  ///< `type` of the zone read, e.g. "cpu-thermal"
    std::optional<double> cpu_usage_percent;  ///< since the previous sample; unavailable on the first
    std::optional<std::array<double, 3>> load_average;  ///< 1, 5 and 15 minutes
    std::optional<std::uint64_t> memory_total_bytes;
    std::optional<std::uint64_t> memory_available_bytes;
    std::optional<double> memory_usage_percent;
    std::string disk_path;  ///< the data directory whose file system is measured
    std::optional<std::uint64_t> disk_total_bytes;
    std::optional<std::uint64_t> disk_available_bytes;  ///< available to unprivileged users
    std::optional<double> disk_usage_percent;           ///< as df shows it: used / (used + available)
    std::optional<throttle_flags> throttling;
};

/// @brief {"timestamp", "board_model", "cpu": {...}, "memory": {...}, "disk": {...}, "throttling"}.
boost::json::object to_json(const hardware_readings& r);

/// @brief {"raw": "0x50005", "under_voltage": true, ...}.
boost::json::object to_json(const throttle_flags& f);

}  // namespace chainbot::hardware
