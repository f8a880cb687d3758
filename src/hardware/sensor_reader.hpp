#pragma once
/// @file sensor_reader.hpp
/// @brief Reads the machine's sensors from procfs and sysfs under an injectable root,
/// so tests run on fixture trees shaped like a Raspberry Pi 4, a Pi 5 or an x86 server.
///
/// @code
///   sensor_reader reader("/", "/var/lib/chainbot");
///   auto first = reader.sample();   // cpu_usage_percent unavailable: no previous sample yet
///   auto later = reader.sample();   // cpu_usage_percent over the time between the two
/// @endcode

#include "hardware/readings.hpp"
#include "hardware/sysfs_parsers.hpp"

#include <filesystem>
#include <optional>
#include <string>

namespace chainbot::hardware {

class sensor_reader {
public:
    /// @param root where `proc/` and `sys/` are found ("/" on a real machine).
    /// @param data_dir a real directory (not under `root`) whose file system's usage is
    ///        reported; empty leaves disk usage unavailable.
    explicit sensor_reader(std::filesystem::path root = "/", std::filesystem::path data_dir = {});

    /// @brief Reads every sensor once. Never throws for missing or malformed files:
    /// what cannot be read is unavailable. Not thread-safe: one caller at a time.
    hardware_readings sample();

    void set_data_dir(std::filesystem::path data_dir) { data_dir_ = std::move(data_dir); }
    const std::filesystem::path& root() const noexcept { return root_; }

private:
    /// The first 64 KiB of `root_/relative`, or nullopt when it cannot be read.
    std::optional<std::string> read(const std::filesystem::path& relative) const;
    void read_temperature(hardware_readings& r) const;
    void read_cpu_usage(hardware_readings& r);
    void read_disk(hardware_readings& r) const;
    std::optional<throttle_flags> read_throttling();
    std::optional<std::filesystem::path> find_throttle_file() const;

    std::filesystem::path root_;
    std::filesystem::path data_dir_;
    std::optional<cpu_times> previous_cpu_;
    std::optional<double> last_cpu_usage_;
    bool throttle_file_searched_ = false;
    std::optional<std::filesystem::path> throttle_file_;  // relative to root_
};

}  // namespace chainbot::hardware
