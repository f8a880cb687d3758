#include "store/availability.hpp"

#include <fmt/format.h>

namespace chainbot::store::detail {

availability::availability(std::function<void(log_level, std::string_view)> log, std::string masked_url)
    : log_(std::move(log)), masked_url_(std::move(masked_url)) {}

void availability::log(log_level level, std::string_view message) const noexcept {
    if (!log_) return;
    try {
        log_(level, message);
    } catch (...) {
        // A failing log sink must not turn a database outage into a crash.
    }
}

void availability::succeeded() noexcept {
    if (reachable_.load()) return;
    std::string down_for;
    {
        std::lock_guard lock(mutex_);
        if (reachable_.exchange(true)) return;
        if (since_) down_for = fmt::format(" after {} ms", (now() - *since_).count());
        since_.reset();
        last_error_.clear();
    }
    log(log_level::info, fmt::format("database {} is reachable again{}", masked_url_, down_for));
}

void availability::failed(std::string_view why) noexcept {
    bool was_reachable = false;
    try {
        std::lock_guard lock(mutex_);
        last_error_ = std::string(why);
        was_reachable = reachable_.exchange(false);
        if (was_reachable) since_ = now();
    } catch (...) {
        reachable_.store(false);
    }
    if (was_reachable) log(log_level::error, fmt::format("database {} is unreachable: {}", masked_url_, why));
}

store_health availability::health() const {
    std::lock_guard lock(mutex_);
    store_health h;
    h.reachable = reachable_.load();
    h.score = h.reachable ? 1.0 : 0.0;
    if (!h.reachable) h.detail = fmt::format("database {} unreachable: {}", masked_url_, last_error_);
    h.since = since_;
    return h;
}

}  // namespace chainbot::store::detail
