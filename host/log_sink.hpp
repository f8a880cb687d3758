#pragma once
/// @file log_sink.hpp
/// @brief The host's log: one line per message, e.g.
/// `2026-11-25T12:00:00.123Z INFO [chainbot] message`, below a level threshold dropped.

#include <alex_module.h>

#include <atomic>
#include <cstdint>
#include <iosfwd>
#include <mutex>
#include <optional>
#include <string_view>

namespace alex_os {

/// @brief Thread-safe line writer with a configurable threshold.
class log_sink {
public:
    /// @brief Writes to `out` (std::cerr in the host) lines at or above `threshold`.
    explicit log_sink(std::ostream& out, int32_t threshold = ALEX_LOG_INFO);

    void set_threshold(int32_t level) noexcept { threshold_.store(level); }
    [[nodiscard]] int32_t threshold() const noexcept { return threshold_.load(); }
    [[nodiscard]] bool enabled(int32_t level) const noexcept { return level >= threshold_.load(); }

    /// @brief Writes one line when `level` passes the threshold. Never throws.
    void write(int32_t level, std::string_view component, std::string_view message) noexcept;

    /// @brief "debug", "info", "warning" (or "warn"), "error", "critical", any case.
    static std::optional<int32_t> parse_level(std::string_view name);
    /// @brief "DEBUG" ... "CRITICAL"; levels between the named ones take the lower name.
    static std::string_view level_name(int32_t level) noexcept;

private:
    std::ostream& out_;
    std::atomic<int32_t> threshold_;
    std::mutex mutex_;
};

}  // namespace alex_os
