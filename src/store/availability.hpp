#pragma once
// Internal. Whether the database answered last time, for the `database` health component.
// Every call and every ping reports its outcome here; the transitions are logged once.

#include "store/options.hpp"

#include <atomic>
#include <mutex>

namespace chainbot::store::detail {

class availability {
public:
    /// @param has_room whether the database's filesystem has room for writes again (SQLite: a
    /// statvfs of its directory); empty where it cannot be seen (a PostgreSQL server's disk).
    availability(std::function<void(log_level, std::string_view)> log, std::string masked_url,
                 std::function<bool()> has_room = {});
    void succeeded() noexcept;
    void failed(std::string_view why) noexcept;
    /// @brief A write failed because the disk is full (reads may still work); health reports it
    /// until a write succeeds again and `has_room` says the filesystem has room.
    void write_failed(std::string_view why) noexcept;
    /// @brief A write succeeded. On a disk that is still full it may have written nothing (a
    /// write transaction whose UPDATE matched no row commits without touching the disk) or
    /// fitted into space the database already held, while the next one fails: the full state
    /// only clears once `has_room` agrees, so that health does not flap.
    void write_succeeded() noexcept;
    bool reachable() const noexcept { return reachable_.load(); }
    bool writable() const noexcept { return writable_.load(); }
    store_health health() const;

private:
    void log(log_level level, std::string_view message) const noexcept;
    std::function<void(log_level, std::string_view)> log_;
    std::string masked_url_;
    std::function<bool()> has_room_;
    std::atomic<bool> reachable_{true};
    std::atomic<bool> writable_{true};
    mutable std::mutex mutex_;
    std::string last_error_;
    std::optional<time_point> since_;
    std::string write_error_;
    std::optional<time_point> write_since_;
};

}  // namespace chainbot::store::detail
