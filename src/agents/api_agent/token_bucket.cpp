#include "agents/api_agent/token_bucket.hpp"

#include <algorithm>

namespace chainbot::agents {

token_bucket::token_bucket(double requests_per_second, double burst)
    : rate_(requests_per_second), burst_(std::max(1.0, burst)), tokens_(burst_), last_(clock::now()) {}

void token_bucket::refill(clock::time_point now) {
    const std::chrono::duration<double> elapsed = now - last_;
    tokens_ = std::min(burst_, tokens_ + elapsed.count() * rate_);
    last_ = now;
}

std::optional<token_bucket::clock::duration> token_bucket::reserve(clock::duration max_wait) {
    if (rate_ <= 0) return clock::duration::zero();
    std::lock_guard lock(mutex_);
    refill(clock::now());
    if (tokens_ >= 1.0) {
        tokens_ -= 1.0;
        return clock::duration::zero();
    }
    const auto wait = std::chrono::duration_cast<clock::duration>(std::chrono::duration<double>((1.0 - tokens_) / rate_));
    if (wait > max_wait) return std::nullopt;
    tokens_ -= 1.0;
    return wait;
}

void token_bucket::refund() {
    if (rate_ <= 0) return;
    std::lock_guard lock(mutex_);
    refill(clock::now());
    tokens_ = std::min(burst_, tokens_ + 1.0);
}

}  // namespace chainbot::agents
