#pragma once
// Internal (includes SOCI). One database connection of the pool.

#include "store/dialect.hpp"

#include <soci/soci.h>

namespace chainbot::store::detail {

struct connection {
    explicit connection(const dialect& d) : sql_dialect(d) {}
    soci::session sql;
    const dialect& sql_dialect;

    /// @brief False once the connection to the server is known to be gone (PostgreSQL);
    /// such a connection is discarded instead of going back to the pool.
    bool alive() noexcept;
};

}  // namespace chainbot::store::detail
