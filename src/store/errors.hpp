#pragma once
// The store's error types. Everything the store throws derives from store_error, so a
// caller can catch them all; the HTTP layer maps each kind to one status code.

#include <stdexcept>
#include <string>

namespace chainbot::store {

/// @brief Any failure of the store that is not one of the kinds below (HTTP 500).
class store_error : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

/// @brief The database cannot be reached or stayed busy after the retries (HTTP 503).
/// Raised while the database is down; the store recovers by itself once it returns.
class store_unavailable : public store_error {
public:
    using store_error::store_error;
};

/// @brief The row a call names does not exist (HTTP 404).
class store_not_found : public store_error {
public:
    using store_error::store_error;
};

/// @brief The call breaks a rule of the stored data: a unique key taken, a workflow
/// deleted while executions of it are active, a reference to a missing row (HTTP 409).
class store_conflict : public store_error {
public:
    using store_error::store_error;
};

/// @brief Scale-out fencing: the execution was claimed by another instance (its lease
/// generation moved on); the caller lost it and must stop without writing.
class lease_lost : public store_error {
public:
    using store_error::store_error;
};

/// @brief The database's schema is newer than this build knows; nothing was touched.
class schema_too_new : public store_error {
public:
    using store_error::store_error;
};

/// @brief The database's schema is older than this build needs and migrating is off.
class schema_too_old : public store_error {
public:
    using store_error::store_error;
};

/// @brief A migration failed; it was rolled back whole and the schema stays at the
/// last migration that succeeded.
class migration_failed : public store_error {
public:
    using store_error::store_error;
};

}  // namespace chainbot::store
