#pragma once
// Internal. Everything that differs between SQLite and PostgreSQL, in one place. All other
// SQL in the store is written once and runs on both.

#include "store/types.hpp"

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

namespace chainbot::store::detail {

/// @brief Whether a transaction will write; SQLite takes the write lock up front for writers.
enum class access { read, write };

struct session_settings {
    std::chrono::milliseconds busy_timeout{5000};  // SQLite: how long a writer waits for the lock
    std::string synchronous = "NORMAL";             // SQLite: NORMAL is durable against process crashes in WAL mode
    int cache_kib = 512;                            // SQLite: this connection's page cache
};

class dialect {
public:
    explicit dialect(backend_kind kind) : kind_(kind) {}
    backend_kind kind() const noexcept { return kind_; }

    /// @brief Starts a transaction. SQLite writers use BEGIN IMMEDIATE: taking the lock at
    /// the start makes the busy timeout apply, where upgrading a read lock later fails at once.
    std::string_view begin(access a) const noexcept;

    /// @brief Statements run on each new connection (SQLite pragmas; nothing for PostgreSQL).
    std::vector<std::string> session_setup(const session_settings& s) const;

    /// @brief Replaces the placeholders of portable DDL: {serial_pk} is an auto-numbered
    /// BIGINT primary key.
    std::string expand(std::string_view portable_sql) const;

    /// @brief A query with one bound parameter (the table name) giving the count of tables
    /// by that name in the current schema.
    std::string_view table_exists_query() const noexcept;

    /// @brief Serialises concurrent migrators; run first in each migration transaction.
    /// Empty on SQLite, where BEGIN IMMEDIATE already does.
    std::string_view migration_lock() const noexcept;

    /// @brief Appended to a SELECT of one row to lock it for the transaction
    /// (" FOR UPDATE" / " FOR SHARE" on PostgreSQL; SQLite writers already hold the lock).
    std::string_view for_update() const noexcept;
    std::string_view for_share() const noexcept;
    /// @brief Appended to a SELECT feeding a queue claim: " FOR UPDATE SKIP LOCKED" on
    /// PostgreSQL (rows another claimer holds are passed over), "" on SQLite.
    std::string_view skip_locked() const noexcept;
    /// @brief An SQL expression for the database server's clock in milliseconds since the
    /// epoch: leases compare against one clock, whatever the instances' clocks say.
    std::string_view now_ms() const noexcept;

private:
    backend_kind kind_;
};

}  // namespace chainbot::store::detail
