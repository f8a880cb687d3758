#pragma once
// Internal. Whether the database answered last time, for the `database` health component.
// Every call and every ping reports its outcome here; the transitions are logged once.

#include "store/options.hpp"

#include <atomic>
#include <mutex>

namespace chainbot::store::detail {

class availability {
public:
    availability(std::function<void(log_level, std::string_view)> log, std::string masked_url);
    void succeeded() noexcept;
    void failed(std::string_view why) noexcept;
    /// @brief A write failed because the disk is full (reads may still work); health reports it
    /// until a write succeeds again.
    void write_failed(std::string_view why) noexcept;
    void write_succeeded() noexcept;
    bool reachable() const noexcept { return reachable_.load(); }
    bool writable() const noexcept { return writable_.load(); }
    store_health health() const;

private:
    void log(log_level level, std::string_view message) const noexcept;
    std::function<void(log_level, std::string_view)> log_;
    std::string masked_url_;
    std::atomic<bool> reachable_{true};
    std::atomic<bool> writable_{true};
    mutable std::mutex mutex_;
    std::string last_error_;
    std::optional<time_point> since_;
    std::string write_error_;
    std::optional<time_point> write_since_;
};

}  // namespace chainbot::store::detail
