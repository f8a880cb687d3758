#include "resources/pressure_policy.hpp"

#include <algorithm>

namespace chainbot::resources {

double resume_level(double limit, double margin_percent) {
    return limit * (1.0 - std::clamp(margin_percent, 0.0, 90.0) / 100.0);
}

transition next_memory_state(bool& pressure, std::optional<std::uint64_t> rss_bytes, const pressure_limits& limits) {
    if (limits.max_memory_mb <= 0) {  // no limit (or lifted): nothing holds
        if (!pressure) return transition::none;
        pressure = false;
        return transition::left;
    }
    if (!rss_bytes) return transition::none;
    const double rss_mb = static_cast<double>(*rss_bytes) / (1024.0 * 1024.0);
    const double limit = limits.max_memory_mb;
    if (!pressure && rss_mb > limit) {
        pressure = true;
        return transition::entered;
    }
    // At or below the limit but above the margin: whatever the state was, it stays.
    if (pressure && rss_mb < resume_level(limit, limits.resume_margin_percent)) {
        pressure = false;
        return transition::left;
    }
    return transition::none;
}

cpu_step next_cpu_cap(std::optional<std::size_t> cap, std::optional<double> cpu_percent, const pressure_limits& limits) {
    const auto configured = std::max<std::size_t>(1, limits.max_concurrent);
    if (limits.max_cpu_percent <= 0) return {std::nullopt, cap ? transition::left : transition::none};
    if (!cpu_percent) return {cap, transition::none};
    if (*cpu_percent > limits.max_cpu_percent) {
        const auto from = cap ? std::min(*cap, configured) : configured;
        const auto next = std::max<std::size_t>(1, from - 1);
        if (next >= configured) return {cap, transition::none};  // one slot: nothing to lower
        return {next, cap ? transition::none : transition::entered};
    }
    if (cap && *cpu_percent < resume_level(limits.max_cpu_percent, limits.resume_margin_percent)) {
        const auto next = *cap + 1;
        if (next >= configured) return {std::nullopt, transition::left};
        return {next, transition::none};
    }
    return {cap, transition::none};
}

}  // namespace chainbot::resources
