#include "security/failure_limiter.hpp"

#include <algorithm>

namespace chainbot::security {

failure_limiter::failure_limiter(failure_limiter_options options, steady_clock_fn clock)
    : options_(options), clock_(clock ? std::move(clock) : steady_clock_fn([] { return std::chrono::steady_clock::now(); })) {
    options_.max_failures = std::max(1, options_.max_failures);
    options_.max_addresses = std::max<std::size_t>(1, options_.max_addresses);
}

std::optional<failure_limiter::block> failure_limiter::check(const std::string& address) {
    const auto now = clock_();
    std::lock_guard lock(mutex_);
    auto it = entries_.find(address);
    if (it == entries_.end()) return std::nullopt;
    auto& e = it->second;
    const auto ends = e.window_start + options_.window;
    if (now >= ends) {
        entries_.erase(it);
        return std::nullopt;
    }
    if (e.failures < options_.max_failures) return std::nullopt;
    // Round up so that a client honouring Retry-After is not refused once more.
    auto left = std::chrono::ceil<std::chrono::seconds>(ends - now);
    block b{std::max(left, std::chrono::seconds(1)), !e.refusal_reported};
    e.refusal_reported = true;
    return b;
}

void failure_limiter::record_failure(const std::string& address) {
    const auto now = clock_();
    std::lock_guard lock(mutex_);
    auto it = entries_.find(address);
    if (it != entries_.end() && now >= it->second.window_start + options_.window) {
        entries_.erase(it);
        it = entries_.end();
    }
    if (it == entries_.end()) {
        if (entries_.size() >= options_.max_addresses) make_room(now);
        it = entries_.emplace(address, entry{now}).first;
    }
    ++it->second.failures;
}

void failure_limiter::make_room(std::chrono::steady_clock::time_point now) {
    std::erase_if(entries_, [&](const auto& kv) { return now >= kv.second.window_start + options_.window; });
    if (entries_.size() < options_.max_addresses) return;
    auto oldest = std::min_element(entries_.begin(), entries_.end(), [](const auto& a, const auto& b) {
        return a.second.window_start < b.second.window_start;
    });
    entries_.erase(oldest);
}

void failure_limiter::set_max_failures(int n) {
    std::lock_guard lock(mutex_);
    options_.max_failures = std::max(1, n);
}

std::size_t failure_limiter::tracked() const {
    std::lock_guard lock(mutex_);
    return entries_.size();
}

}  // namespace chainbot::security
