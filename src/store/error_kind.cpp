#include "store/error_kind.hpp"

#include "store/connection_pool.hpp"

#include "store/postgresql_support.hpp"

#include <soci/sqlite3/soci-sqlite3.h>

#include <string>

namespace chainbot::store::detail {

namespace {

error_kind classify_sqlite(int result) noexcept {
    switch (result & 0xff) {  // the primary code, should extended codes be on
        case SQLITE_BUSY:
        case SQLITE_LOCKED:
            return error_kind::transient;
        case SQLITE_CANTOPEN:
        case SQLITE_IOERR:
        case SQLITE_NOTADB:
        case SQLITE_READONLY:
            return error_kind::connection;
        case SQLITE_CONSTRAINT:
            return error_kind::constraint;
        case SQLITE_FULL:
            return error_kind::full;
        default:
            return error_kind::other;
    }
}

error_kind classify_postgresql(const std::string& state) noexcept {
    if (state == "40001" || state == "40P01") return error_kind::transient;  // serialization failure, deadlock
    if (state.starts_with("08")) return error_kind::connection;
    // admin_shutdown, crash_shutdown, cannot_connect_now, too_many_connections
    if (state == "57P01" || state == "57P02" || state == "57P03" || state == "53300") return error_kind::connection;
    if (state.starts_with("23")) return error_kind::constraint;
    if (state == "53100") return error_kind::full;  // disk_full
    return error_kind::other;
}

}  // namespace

error_kind classify(const std::exception& e, connection* c) noexcept {
    if (dynamic_cast<const connect_failed*>(&e)) return error_kind::connection;
    // Whatever the message, a PostgreSQL connection that is no longer OK means the server is gone.
    if (c != nullptr && !c->alive()) return error_kind::connection;
    if (const auto* pg = postgresql_if_loaded())
        if (auto state = pg->sqlstate(e)) return classify_postgresql(*state);
    if (const auto* lite = dynamic_cast<const soci::sqlite3_soci_error*>(&e)) return classify_sqlite(lite->result());
    if (const auto* soci_e = dynamic_cast<const soci::soci_error*>(&e)) {
        switch (soci_e->get_error_category()) {
            case soci::soci_error::connection_error:
                return error_kind::connection;
            case soci::soci_error::constraint_violation:
                return error_kind::constraint;
            default:
                return error_kind::other;
        }
    }
    return error_kind::other;
}

}  // namespace chainbot::store::detail
