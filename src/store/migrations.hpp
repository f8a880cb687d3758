#pragma once
// Versioned schema migrations. Each has an ordered list of statements per backend; the
// table schema_migrations(version, name, applied_at) records the ones applied.

#include <string>
#include <vector>

namespace chainbot::store {

struct migration {
    int version = 0;  // 1, 2, 3... in order
    std::string name;
    std::vector<std::string> sqlite;      // statements, run in order in one transaction
    std::vector<std::string> postgresql;
};

/// @brief ChainBot's migrations, oldest first.
const std::vector<migration>& builtin_migrations();

/// @brief What migrate() did.
struct migration_result {
    int from_version = 0;
    int to_version = 0;
    std::vector<std::string> applied;  // "2 agents and entanglements", in order
};

}  // namespace chainbot::store
