// database::migrate and the schema version checks.

#include "store/database.hpp"
#include "store/database_impl.hpp"
#include "store/error_kind.hpp"
#include "store/errors.hpp"
#include "store/sql.hpp"

#include <fmt/format.h>

namespace chainbot::store {

namespace {

using detail::connection;

bool schema_table_exists(connection& c) {
    const std::string name = "schema_migrations";
    return detail::query_int(c, c.sql_dialect.table_exists_query(), soci::use(name)).value_or(0) > 0;
}

int schema_version(connection& c) {
    if (!schema_table_exists(c)) return 0;
    return static_cast<int>(
        detail::query_int(c, "SELECT COALESCE(max(version), 0) FROM schema_migrations").value_or(0));
}

void validate(const std::vector<migration>& list) {
    int previous = 0;
    for (const auto& m : list) {
        if (m.version <= previous)
            throw store_error(fmt::format("migration {} ({}) is out of order: versions must increase from 1",
                                          m.version, m.name));
        previous = m.version;
    }
}

std::string too_new_message(int found, int known) {
    return fmt::format("database schema version {} is newer than this ChainBot (knows up to {}); refusing to touch it",
                       found, known);
}

void rollback_quietly(connection& c) noexcept {
    try {
        c.sql << "ROLLBACK";
    } catch (...) {
    }
}

/// Connection failures become store_unavailable; anything else is the migration's fault.
[[noreturn]] void rethrow_as(const std::exception& e, connection& c, detail::database_impl& db, std::string context) {
    if (detail::classify(e, &c) == detail::error_kind::connection) {
        db.health().failed(e.what());
        throw store_unavailable(fmt::format("{}: the database went away: {}", context, e.what()));
    }
    throw migration_failed(fmt::format("{}: {}", context, e.what()));
}

void create_schema_table(connection& c, detail::database_impl& db) {
    try {
        c.sql << c.sql_dialect.begin(detail::access::write);
        c.sql << "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, "
                 "applied_at BIGINT NOT NULL)";
        c.sql << "COMMIT";
    } catch (const std::exception& e) {
        rollback_quietly(c);
        if (schema_table_exists(c)) return;  // another instance created it meanwhile
        rethrow_as(e, c, db, "creating schema_migrations failed");
    }
}

/// Applies one migration in its own transaction; false when another instance already had.
bool apply(connection& c, detail::database_impl& db, const migration& m, int& version) {
    const auto& statements = c.sql_dialect.kind() == backend_kind::sqlite ? m.sqlite : m.postgresql;
    try {
        c.sql << c.sql_dialect.begin(detail::access::write);
        if (!c.sql_dialect.migration_lock().empty()) c.sql << c.sql_dialect.migration_lock();
        version = schema_version(c);
        if (version >= m.version) {
            c.sql << "COMMIT";
            return false;
        }
        for (const auto& statement : statements) c.sql << statement;
        const int number = m.version;
        const std::string name = m.name;
        const long long applied_at = detail::to_db(now());
        detail::exec(c, "INSERT INTO schema_migrations (version, name, applied_at) VALUES (:v, :n, :t)",
                     soci::use(number), soci::use(name), soci::use(applied_at));
        c.sql << "COMMIT";
        version = m.version;
        return true;
    } catch (const std::exception& e) {
        rollback_quietly(c);
        rethrow_as(e, c, db,
                   fmt::format("migration {} ({}) failed and was rolled back; the schema stays at version {}",
                               m.version, m.name, version));
    }
}

template <typename F>
auto with_connection(detail::database_impl& db, F&& f) {
    std::optional<detail::connection_pool::lease> lease;
    try {
        lease.emplace(db.pool().acquire());
    } catch (const std::exception& e) {
        if (dynamic_cast<const detail::connect_failed*>(&e)) db.health().failed(e.what());
        throw store_unavailable(e.what());
    }
    try {
        auto result = f(**lease);
        db.health().succeeded();
        return result;
    } catch (const store_error&) {
        throw;
    } catch (const std::exception& e) {
        if (detail::classify(e, &**lease) == detail::error_kind::connection) {
            lease->discard();
            db.health().failed(e.what());
            throw store_unavailable(e.what());
        }
        throw store_error(e.what());
    }
}

}  // namespace

int database::latest_version(const std::vector<migration>& migrations) {
    return migrations.empty() ? 0 : migrations.back().version;
}

int database::current_version() {
    return with_connection(*impl_, [](connection& c) { return schema_version(c); });
}

void database::require_current_schema() {
    const int current = current_version();
    const int latest = latest_version();
    if (current > latest) throw schema_too_new(too_new_message(current, latest));
    if (current < latest)
        throw schema_too_old(fmt::format("database schema version {} is older than this ChainBot needs ({}); run "
                                         "`alex_os chainbot migrate` or set database.auto_migrate",
                                         current, latest));
}

migration_result database::migrate(const std::vector<migration>& migrations) {
    validate(migrations);
    const int latest = latest_version(migrations);
    return with_connection(*impl_, [&](connection& c) {
        migration_result result;
        int version = schema_version(c);
        result.from_version = version;
        if (version > latest) throw schema_too_new(too_new_message(version, latest));
        if (version < latest && !schema_table_exists(c)) create_schema_table(c, *impl_);
        for (const auto& m : migrations) {
            if (m.version <= version) continue;
            if (apply(c, *impl_, m, version)) {
                result.applied.push_back(fmt::format("{} {}", m.version, m.name));
                impl_->log(log_level::info, fmt::format("database {}: applied migration {} ({})",
                                                        impl_->pool().target().masked_url, m.version, m.name));
            }
        }
        result.to_version = version;
        return result;
    });
}

}  // namespace chainbot::store
