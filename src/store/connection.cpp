#include "store/connection.hpp"

#include <soci/postgresql/soci-postgresql.h>

namespace chainbot::store::detail {

bool connection::alive() noexcept {
    if (sql_dialect.kind() != backend_kind::postgresql) return true;
    // static_cast: the kind says which backend this is, and SOCI exports no typeinfo for it.
    auto* backend = static_cast<soci::postgresql_session_backend*>(sql.get_backend());
    return backend != nullptr && backend->conn_ != nullptr && PQstatus(backend->conn_) == CONNECTION_OK;
}

}  // namespace chainbot::store::detail
