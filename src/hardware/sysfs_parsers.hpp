#pragma once
/// @file sysfs_parsers.hpp
/// @brief Pure parsers of the procfs and sysfs files the sensor reader reads. Each
/// returns nullopt on text it does not understand, so a malformed file reads as
/// "unavailable" and never as zero.

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace chainbot::hardware {

/// @brief Aggregate CPU time from the "cpu " line of /proc/stat, in clock ticks.
struct cpu_times {
    std::uint64_t total = 0;  ///< user..steal (guest time is already inside user and nice)
    std::uint64_t idle = 0;   ///< idle + iowait
};

/// @brief The aggregate "cpu " line of /proc/stat.
std::optional<cpu_times> parse_proc_stat(std::string_view text);

/// @brief Busy percentage between two /proc/stat samples; nullopt when no time passed
/// or the counters went backwards (CPU hot-unplug, counter reset).
std::optional<double> cpu_usage_between(const cpu_times& before, const cpu_times& after);

struct memory_info {
    std::uint64_t total_bytes = 0;
    std::uint64_t available_bytes = 0;
};

/// @brief MemTotal and MemAvailable of /proc/meminfo (kB). Kernels before 3.14 lack
/// MemAvailable: MemFree + Buffers + Cached stands in for it.
std::optional<memory_info> parse_meminfo(std::string_view text);

/// @brief The three load averages of /proc/loadavg.
std::optional<std::array<double, 3>> parse_loadavg(std::string_view text);

/// @brief A thermal zone's `temp` (millidegrees Celsius) in degrees: "52500" is 52.5.
std::optional<double> parse_millidegrees(std::string_view text);

/// @brief get_throttled: hexadecimal, with or without "0x" ("50005", "0x50005").
std::optional<std::uint32_t> parse_throttled(std::string_view text);

/// @brief /proc/device-tree/model: NUL-terminated text; empty means unavailable.
std::optional<std::string> parse_model(std::string_view text);

/// @brief `text` without leading and trailing white space and NULs.
std::string_view trim(std::string_view text) noexcept;

}  // namespace chainbot::hardware
