#include "store/connection.hpp"

#include "store/postgresql_support.hpp"

#include <soci/sqlite3/soci-sqlite3.h>

#include <algorithm>
#include <thread>

namespace chainbot::store::detail {

bool connection::alive() noexcept {
    if (sql_dialect.kind() != backend_kind::postgresql) return true;
    // A PostgreSQL session exists only once the module is loaded.
    const auto* pg = postgresql_if_loaded();
    return pg != nullptr && pg->alive(sql);
}

void connection::wait_briefly_when_busy(std::chrono::milliseconds timeout) {
    if (sql_dialect.kind() != backend_kind::sqlite) return;
    auto* backend = static_cast<soci::sqlite3_session_backend*>(sql.get_backend());
    if (backend == nullptr || backend->conn_ == nullptr) return;
    busy_timeout_ = timeout;
    // Replaces the handler PRAGMA busy_timeout installed (the session setup still runs that
    // first, so that switching to WAL waits too). The handler lives as long as this object,
    // which owns the session.
    sqlite_api::sqlite3_busy_handler(backend->conn_, &connection::on_busy, this);
}

void connection::finish(soci::statement& st) noexcept {
    if (sql_dialect.kind() != backend_kind::sqlite) return;
    if (auto* backend = static_cast<soci::sqlite3_statement_backend*>(st.get_backend()); backend && backend->stmt_)
        sqlite_api::sqlite3_reset(backend->stmt_);
}

int connection::on_busy(void* self, int count) {
    auto& c = *static_cast<connection*>(self);
    const auto now = std::chrono::steady_clock::now();
    if (count == 0) c.busy_since_ = now;  // a new wait for the lock begins
    if (now - c.busy_since_ >= c.busy_timeout_) return 0;  // SQLITE_BUSY to the caller
    std::this_thread::sleep_for(std::chrono::microseconds(50 << std::min(count, 3)));  // 50, 100, 200, 400 µs
    return 1;
}

}  // namespace chainbot::store::detail
