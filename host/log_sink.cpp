#include "log_sink.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <ctime>
#include <ostream>
#include <string>

namespace alex_os {
namespace {

std::string utc_timestamp() {
    const auto now = std::chrono::system_clock::now();
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
    const std::time_t seconds = std::chrono::system_clock::to_time_t(now);
    std::tm tm{};
    gmtime_r(&seconds, &tm);
    return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                       tm.tm_hour, tm.tm_min, tm.tm_sec, ms);
}

}  // namespace

log_sink::log_sink(std::ostream& out, int32_t threshold) : out_(out), threshold_(threshold) {}

void log_sink::write(int32_t level, std::string_view component, std::string_view message) noexcept {
    if (!enabled(level)) return;
    try {
        std::string line = fmt::format("{} {} [{}] {}\n", utc_timestamp(), level_name(level), component, message);
        std::lock_guard lock(mutex_);
        out_ << line << std::flush;
    } catch (...) {
        // A log line that cannot be formatted or written is lost; logging must not fail its caller.
    }
}

std::optional<int32_t> log_sink::parse_level(std::string_view name) {
    std::string lower(name);
    std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
    if (lower == "debug") return ALEX_LOG_DEBUG;
    if (lower == "info") return ALEX_LOG_INFO;
    if (lower == "warning" || lower == "warn") return ALEX_LOG_WARNING;
    if (lower == "error") return ALEX_LOG_ERROR;
    if (lower == "critical") return ALEX_LOG_CRITICAL;
    return std::nullopt;
}

std::string_view log_sink::level_name(int32_t level) noexcept {
    if (level >= ALEX_LOG_CRITICAL) return "CRITICAL";
    if (level >= ALEX_LOG_ERROR) return "ERROR";
    if (level >= ALEX_LOG_WARNING) return "WARNING";
    if (level >= ALEX_LOG_INFO) return "INFO";
    return "DEBUG";
}

}  // namespace alex_os
