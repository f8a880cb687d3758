#pragma once
// The api agent's rate limiter: a token bucket holding at most `burst` tokens, refilled at
// `requests_per_second`. A request takes one token; when none is left it reserves the next
// one and waits for it, so that concurrent callers are served in arrival order.

#include <chrono>
#include <mutex>
#include <optional>

namespace chainbot::agents {

class token_bucket {
public:
    using clock = std::chrono::steady_clock;

    /// @brief `requests_per_second` <= 0: unlimited (every reserve() answers zero).
    /// The bucket starts full.
    token_bucket(double requests_per_second, double burst);

    /// @brief Takes a token. Returns how long the caller must wait before using it (zero
    /// when one was available), or nullopt when that wait would exceed `max_wait`: then
    /// nothing is taken.
    std::optional<clock::duration> reserve(clock::duration max_wait);

    /// @brief Gives back a token reserve() handed out but the caller did not use.
    void refund();

private:
    void refill(clock::time_point now);  // with mutex_ held

    const double rate_;   // tokens per second
    const double burst_;  // capacity
    std::mutex mutex_;
    double tokens_;  // negative while tokens are reserved ahead of their refill
    clock::time_point last_;
};

}  // namespace chainbot::agents
