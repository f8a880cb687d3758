#pragma once
// A fresh, empty database per test, on either backend, dropped when the test ends.
// SQLite: a file in a temporary directory. PostgreSQL: a new database on the server named
// by CHAINBOT_TEST_PG_URL (scripts/with-postgres.sh starts one); without it, or when the
// server does not answer, the test FAILS saying so (Catch2 2 has no skip).
//
// raw_exec/raw_scalar reach the database without the store (sqlite3 C API, libpq), to
// check what the store's own interface cannot show.

#include "store/database.hpp"
#include "support/temp_dir.hpp"

#include <memory>
#include <string>

namespace chainbot::test {

/// The backends, as types for TEMPLATE_TEST_CASE: test names end in " - sqlite" / " - postgresql".
struct sqlite {
    static constexpr store::backend_kind kind = store::backend_kind::sqlite;
};
struct postgresql {
    static constexpr store::backend_kind kind = store::backend_kind::postgresql;
};

/// @brief CHAINBOT_TEST_PG_URL, or a test failure explaining how to get one.
std::string postgresql_admin_url();

class scratch_database {
public:
    explicit scratch_database(store::backend_kind kind);
    ~scratch_database();
    scratch_database(const scratch_database&) = delete;
    scratch_database& operator=(const scratch_database&) = delete;

    store::backend_kind kind() const { return kind_; }
    const std::string& url() const { return url_; }
    /// @brief Options for this database with small pools and quick retries.
    store::store_options options() const;
    std::shared_ptr<store::database> open() const { return store::database::open(options()); }
    /// @brief open() and migrate().
    std::shared_ptr<store::database> open_migrated() const;

    /// @brief Runs SQL outside the store; throws std::runtime_error with the database's message.
    void raw_exec(const std::string& sql) const;
    /// @brief The first column of the first row as text; "" when there is no row or it is NULL.
    std::string raw_scalar(const std::string& sql) const;
    bool table_exists(const std::string& table) const;
    /// @brief SQLite only: the detail column of EXPLAIN QUERY PLAN for `sql`, rows joined by "; ".
    std::string sqlite_query_plan(const std::string& sql) const;

private:
    store::backend_kind kind_;
    std::unique_ptr<temp_dir> dir_;
    std::string url_;
    std::string pg_name_;
    std::string pg_admin_url_;
};

}  // namespace chainbot::test
