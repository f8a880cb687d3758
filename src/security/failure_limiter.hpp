#pragma once
// Failed authentication attempts per client address: after `max_failures` within one
// window (counted from the first failure) the address is refused until the window ends.
// Memory is bounded: at most `max_addresses` are tracked; when full, finished windows
// are dropped first and then the oldest window.

#include <chrono>
#include <cstddef>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

namespace chainbot::security {

using steady_clock_fn = std::function<std::chrono::steady_clock::time_point()>;

struct failure_limiter_options {
    int max_failures = 10;
    std::chrono::seconds window{60};
    std::size_t max_addresses = 10000;
};

class failure_limiter {
public:
    /// @param clock for tests; steady_clock::now when empty.
    explicit failure_limiter(failure_limiter_options options = {}, steady_clock_fn clock = {});

    /// @brief An address that is refused: how long until it may try again (at least 1 s),
    /// and whether this is the first refusal of the window (so it is audited once).
    struct block {
        std::chrono::seconds retry_after;
        bool first_refusal;
    };
    /// @brief nullopt while the address may still try.
    std::optional<block> check(const std::string& address);
    /// @brief Counts one failure of `address`.
    void record_failure(const std::string& address);
    void set_max_failures(int n);
    std::size_t tracked() const;

private:
    struct entry {
        std::chrono::steady_clock::time_point window_start;
        int failures = 0;
        bool refusal_reported = false;
    };
    void make_room(std::chrono::steady_clock::time_point now);

    failure_limiter_options options_;
    steady_clock_fn clock_;
    mutable std::mutex mutex_;
    std::unordered_map<std::string, entry> entries_;
};

}  // namespace chainbot::security
