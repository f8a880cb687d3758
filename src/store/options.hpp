#pragma once
// How a store is opened, and what it reports about itself.

#include "store/types.hpp"

#include <chainbot/host_services.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace chainbot::config {
struct database_settings;
}

namespace chainbot::store {

/// @brief Transient errors (SQLite busy/locked, PostgreSQL serialization failure or
/// deadlock, a lost connection) are retried with exponential backoff and jitter.
struct retry_policy {
    int max_attempts = 5;  // including the first
    std::chrono::milliseconds initial_delay{20};
    std::chrono::milliseconds max_delay{1000};
};

struct store_options {
    std::string url;                   // sqlite:///path or postgresql://user:pass@host:port/db
    std::size_t pool_size = 10;        // connections kept open
    std::size_t max_overflow = 20;     // extra connections opened under load, closed when returned
    std::chrono::milliseconds acquire_timeout{10000};  // waiting for a free connection
    std::chrono::seconds connect_timeout{5};           // PostgreSQL connection attempt
    std::chrono::milliseconds busy_timeout{5000};      // SQLite: a writer waiting for the lock
    std::string sqlite_synchronous = "NORMAL";         // OFF, NORMAL, FULL or EXTRA
    int sqlite_cache_kib = 512;                        // SQLite: page cache per connection (PRAGMA cache_size)
    retry_policy retry;
    /// Where the store reports what an operator should know (lost/regained database, migrations).
    std::function<void(log_level, std::string_view)> log;

    /// @brief The options for config's database section (url, pool_size, max_overflow).
    static store_options from(const config::database_settings& db);
};

/// @brief The `database` health component: 1 while the database answers and takes writes, 0
/// while it does not answer or its disk is full.
struct store_health {
    bool reachable = true;
    bool writable = true;              // false after a write failed for lack of space, until one succeeds with room again
    double score = 1.0;
    std::string detail;                // why it is down, for people
    std::optional<time_point> since;   // when it went down (or stopped taking writes)
};

struct pool_stats {
    std::size_t open = 0;       // connections open now (idle + in use)
    std::size_t idle = 0;
    std::size_t in_use = 0;
    std::size_t peak_open = 0;  // the most open at once since the store was opened
    std::size_t limit = 0;      // pool_size + max_overflow
    std::uint64_t reads = 0;    // read operations (one per repository read, retries not counted) since opened
    std::uint64_t writes = 0;   // write operations and transactions since opened
};

}  // namespace chainbot::store
