#pragma once
#include <chainbot/host_services.hpp>

#include <fmt/format.h>

#include <atomic>
#include <cstdio>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

namespace chainbot {

/// @brief The module's logger: lines at or above the configured level go to the host's
/// log sink and, when logging.file is set, to that file. The level changes live.
class logger {
public:
    logger(std::shared_ptr<log_sink> sink, log_level level, const std::string& file_path);
    ~logger();
    logger(const logger&) = delete;
    logger& operator=(const logger&) = delete;

    void set_level(log_level level) noexcept { level_.store(level); }
    log_level level() const noexcept { return level_.load(); }
    bool enabled(log_level level) const noexcept { return static_cast<int>(level) >= static_cast<int>(level_.load()); }

    void write(log_level level, std::string_view component, std::string_view message);

    template <typename... Args>
    void log(log_level level, std::string_view component, fmt::format_string<Args...> f, Args&&... args) {
        if (enabled(level)) write(level, component, fmt::format(f, std::forward<Args>(args)...));
    }
    template <typename... Args>
    void debug(std::string_view c, fmt::format_string<Args...> f, Args&&... a) { log(log_level::debug, c, f, std::forward<Args>(a)...); }
    template <typename... Args>
    void info(std::string_view c, fmt::format_string<Args...> f, Args&&... a) { log(log_level::info, c, f, std::forward<Args>(a)...); }
    template <typename... Args>
    void warning(std::string_view c, fmt::format_string<Args...> f, Args&&... a) { log(log_level::warning, c, f, std::forward<Args>(a)...); }
    template <typename... Args>
    void error(std::string_view c, fmt::format_string<Args...> f, Args&&... a) { log(log_level::error, c, f, std::forward<Args>(a)...); }

private:
    std::shared_ptr<log_sink> sink_;
    std::atomic<log_level> level_;
    std::mutex file_mutex_;
    std::FILE* file_ = nullptr;
};

}  // namespace chainbot
