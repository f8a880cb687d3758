#pragma once
/// @file process_usage.hpp
/// @brief The module's own resource use: resident memory (VmRSS of /proc/self/status) and
/// CPU time (CLOCK_PROCESS_CPUTIME_ID), turned into a CPU percentage of the whole machine
/// between two samples.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string_view>

namespace chainbot::resources {

/// @brief One reading; a field is nullopt where it could not be read (or, for the CPU,
/// on the first sample, which only sets the baseline).
struct usage_sample {
    std::optional<std::uint64_t> rss_bytes;
    std::optional<double> cpu_percent;  ///< of the whole machine: 100 = every core busy
};

/// @brief VmRSS in bytes from the text of /proc/<pid>/status, or nullopt.
std::optional<std::uint64_t> parse_vm_rss(std::string_view status_text);

/// @brief The current process's resident memory, or nullopt off Linux.
std::optional<std::uint64_t> read_rss_bytes();

/// @brief Samples the process: RSS, and CPU time since the previous sample divided by the
/// wall time and the number of online cores. Not thread-safe: one owner samples it.
class process_sampler {
public:
    usage_sample sample();

private:
    std::optional<std::chrono::nanoseconds> last_cpu_;
    std::chrono::steady_clock::time_point last_wall_;
};

}  // namespace chainbot::resources
