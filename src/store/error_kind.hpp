#pragma once
// Internal (includes SOCI). Sorting database errors into what the store does about them.

#include "store/connection.hpp"

#include <exception>

namespace chainbot::store::detail {

enum class error_kind {
    transient,   // busy, locked, serialization failure, deadlock: retry the transaction
    connection,  // the server or file is gone: reconnect, retry, report unavailable
    constraint,  // a unique key, foreign key or check failed: a conflict for the caller
    full,        // the disk is full (SQLITE_FULL, PostgreSQL disk_full): nothing was written; writes
                 // fail until space returns, reads go on
    other,       // a bug or an unexpected state: report as is
};

/// @brief Classifies an error thrown while `c` (may be null) was in use.
error_kind classify(const std::exception& e, connection* c) noexcept;

}  // namespace chainbot::store::detail
