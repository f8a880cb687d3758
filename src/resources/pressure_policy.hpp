#pragma once
/// @file pressure_policy.hpp
/// @brief What the resource monitor does with a sample, as pure functions (no clock, no
/// I/O): when memory pressure begins and ends, and how the CPU limit moves the number of
/// executions allowed at once.
///
/// Memory: pressure begins above resources.max_memory_mb and ends below the limit minus
/// resources.resume_margin_percent of it (hysteresis: admission does not flap at the
/// limit). CPU: each sample above resources.max_cpu_percent lowers the cap by one (from
/// workflow.max_concurrent_executions, never below one); each sample below the limit
/// minus the margin raises it by one, until it reaches the configured limit and is lifted.

#include <cstddef>
#include <cstdint>
#include <optional>

namespace chainbot::resources {

struct pressure_limits {
    int max_memory_mb = 0;          ///< 0 = none
    double max_cpu_percent = 0;     ///< 0 = none
    double resume_margin_percent = 10;
    std::size_t max_concurrent = 1;  ///< workflow.max_concurrent_executions
};

enum class transition { none, entered, left };

/// @brief The memory state after a sample; `pressure` is updated.
transition next_memory_state(bool& pressure, std::optional<std::uint64_t> rss_bytes, const pressure_limits& limits);

/// @brief The concurrency cap after a sample (nullopt: no cap); `entered` when a cap
/// begins, `left` when it is lifted.
struct cpu_step {
    std::optional<std::size_t> cap;
    transition change = transition::none;
};
cpu_step next_cpu_cap(std::optional<std::size_t> cap, std::optional<double> cpu_percent, const pressure_limits& limits);

/// @brief The level below which a limit counts as relieved (limit minus the margin).
double resume_level(double limit, double margin_percent);

}  // namespace chainbot::resources
