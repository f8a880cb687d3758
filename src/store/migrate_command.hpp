#pragma once
// `alex_os chainbot migrate`: the host command that brings the database schema up to date.

#include <iosfwd>

namespace chainbot::config {
struct database_settings;
}

namespace chainbot::store {

/// @brief Applies the pending migrations to `db.url`, printing what it did to `out` and
/// any failure to `err`. Returns the process exit status: 0 when the schema is current,
/// 1 when it could not be brought there (nothing half-done: a failed migration rolls back).
int run_migrate_command(const config::database_settings& db, std::ostream& out, std::ostream& err);

}  // namespace chainbot::store
