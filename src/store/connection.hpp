#pragma once
// Internal (includes SOCI). One database connection of the pool.

#include "store/dialect.hpp"

#include <soci/soci.h>

#include <chrono>
#include <memory>
#include <string>
#include <unordered_map>

namespace chainbot::store::detail {

/// @brief A statement kept prepared on one connection (sql.hpp: exec_kept, query_row_kept).
struct kept_statement {
    virtual ~kept_statement() = default;
};

struct connection {
    explicit connection(const dialect& d) : sql_dialect(d) {}
    soci::session sql;
    const dialect& sql_dialect;
    /// Prepared statements by their SQL text. Declared after `sql`: destroyed before the session.
    std::unordered_map<std::string, std::unique_ptr<kept_statement>> kept;

    /// @brief After a kept statement ran: SQLite ends it (sqlite3_reset), so that it holds no
    /// snapshot or lock until its next use. Nothing to do for PostgreSQL.
    void finish(soci::statement& st) noexcept;

    /// @brief False once the connection to the server is known to be gone (PostgreSQL);
    /// such a connection is discarded instead of going back to the pool.
    bool alive() noexcept;

    /// @brief SQLite: a writer waiting for the lock retries every 50-400 µs until `timeout`
    /// (sqlite3_busy_handler). SQLite's own busy_timeout handler sleeps 1, 2, 5, 10 ... 100 ms
    /// between tries, so a short transaction waiting behind a group commit of 2 ms could wait
    /// 50 ms or more after the lock was free.
    void wait_briefly_when_busy(std::chrono::milliseconds timeout);

private:
    static int on_busy(void* self, int count);
    std::chrono::milliseconds busy_timeout_{0};
    std::chrono::steady_clock::time_point busy_since_{};
};

}  // namespace chainbot::store::detail
