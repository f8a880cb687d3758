#include "runtime/logger.hpp"

#include "events/event_hub.hpp"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <stdexcept>

namespace chainbot {

logger::logger(std::shared_ptr<log_sink> sink, log_level level, const std::string& file_path)
    : sink_(std::move(sink)), level_(level) {
    if (file_path.empty()) return;
    std::error_code ec;
    const auto parent = std::filesystem::path(file_path).parent_path();
    if (!parent.empty()) std::filesystem::create_directories(parent, ec);
    file_ = std::fopen(file_path.c_str(), "a");
    if (!file_)
        throw std::runtime_error(fmt::format("logging.file: cannot open {} for appending: {}", file_path,
                                             std::strerror(errno)));
}

logger::~logger() {
    if (file_) std::fclose(file_);
}

void logger::write(log_level level, std::string_view component, std::string_view message) {
    if (!enabled(level)) return;
    if (sink_) {
        try {
            sink_->write(level, component, message);
        } catch (...) {
            // The host's sink failing must not take the module down; the file (if any) still gets the line.
        }
    }
    if (file_) {
        std::lock_guard lock(file_mutex_);
        fmt::print(file_, "{} {} [{}] {}\n", events::iso8601_now(), to_string(level), component, message);
        std::fflush(file_);
    }
}

}  // namespace chainbot
