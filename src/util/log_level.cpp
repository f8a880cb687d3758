#include <chainbot/host_services.hpp>

#include <algorithm>
#include <cctype>
#include <string>

namespace chainbot {

std::string_view to_string(log_level level) noexcept {
    switch (level) {
        case log_level::debug: return "DEBUG";
        case log_level::info: return "INFO";
        case log_level::warning: return "WARNING";
        case log_level::error: return "ERROR";
        case log_level::critical: return "CRITICAL";
    }
    return "INFO";
}

std::optional<log_level> parse_log_level(std::string_view name) noexcept {
    std::string upper(name);
    std::transform(upper.begin(), upper.end(), upper.begin(), [](unsigned char c) { return std::toupper(c); });
    if (upper == "DEBUG") return log_level::debug;
    if (upper == "INFO") return log_level::info;
    if (upper == "WARNING" || upper == "WARN") return log_level::warning;
    if (upper == "ERROR") return log_level::error;
    if (upper == "CRITICAL") return log_level::critical;
    return std::nullopt;
}

}  // namespace chainbot
