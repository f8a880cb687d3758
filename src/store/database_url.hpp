#pragma once
// database.url → what SOCI needs to connect. The URL alone picks the backend:
//   sqlite:///abs/path/chainbot.db      (sqlite://rel/path is relative to the working dir)
//   postgresql://user:pass@host:port/db?sslmode=require   (also postgres://)
// User, password, database and query values may be percent-encoded.

#include "store/types.hpp"

#include <chrono>
#include <string>
#include <string_view>

namespace chainbot::store {

struct connection_target {
    backend_kind backend = backend_kind::sqlite;
    std::string connect_string;  // SOCI's: db="..." for SQLite, libpq key='value' pairs for PostgreSQL
    std::string masked_url;      // the URL with its password replaced by ***, safe to log
    std::string sqlite_path;     // SQLite only: the database file
};

/// @brief Parses a database URL. Throws store_error naming what is wrong with it.
/// `connect_timeout` bounds a PostgreSQL connection attempt unless the URL sets one.
connection_target parse_database_url(std::string_view url,
                                     std::chrono::seconds connect_timeout = std::chrono::seconds(5));

}  // namespace chainbot::store
