#include "store/availability.hpp"

#include <fmt/format.h>

namespace chainbot::store::detail {

availability::availability(std::function<void(log_level, std::string_view)> log, std::string masked_url,
                           std::function<bool()> has_room)
    : log_(std::move(log)), masked_url_(std::move(masked_url)), has_room_(std::move(has_room)) {}

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

void availability::write_failed(std::string_view why) noexcept {
    bool was_writable = false;
    try {
        std::lock_guard lock(mutex_);
        write_error_ = std::string(why);
        was_writable = writable_.exchange(false);
        if (was_writable) write_since_ = now();
    } catch (...) {
        writable_.store(false);
    }
    if (was_writable) log(log_level::error, fmt::format("database {} cannot write, the disk is full: {}", masked_url_, why));
}

void availability::write_succeeded() noexcept {
    if (writable_.load()) return;
    try {
        if (has_room_ && !has_room_()) return;
    } catch (...) {
        // Cannot tell: the successful write is the evidence there is.
    }
    std::string down_for;
    {
        std::lock_guard lock(mutex_);
        if (writable_.exchange(true)) return;
        if (write_since_) down_for = fmt::format(" after {} ms", (now() - *write_since_).count());
        write_since_.reset();
        write_error_.clear();
    }
    log(log_level::info, fmt::format("database {} accepts writes again{}", masked_url_, down_for));
}

store_health availability::health() const {
    std::lock_guard lock(mutex_);
    store_health h;
    h.reachable = reachable_.load();
    h.writable = writable_.load();
    // Unreachable, or answering but unable to store anything (a full disk): the module cannot
    // make durable progress either way.
    h.score = h.reachable && h.writable ? 1.0 : 0.0;
    if (!h.reachable) {
        h.detail = fmt::format("database {} unreachable: {}", masked_url_, last_error_);
        h.since = since_;
    } else if (!h.writable) {
        h.detail = fmt::format("database {} cannot write, the disk is full: {}", masked_url_, write_error_);
        h.since = write_since_;
    }
    return h;
}

}  // namespace chainbot::store::detail
