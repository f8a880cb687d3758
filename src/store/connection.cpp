#include "store/connection.hpp"

#include "store/postgresql_support.hpp"

namespace chainbot::store::detail {

bool connection::alive() noexcept {
    if (sql_dialect.kind() != backend_kind::postgresql) return true;
    // A PostgreSQL session exists only once the module is loaded.
    const auto* pg = postgresql_if_loaded();
    return pg != nullptr && pg->alive(sql);
}

}  // namespace chainbot::store::detail
