#pragma once
// The first start: with no administrator in the store, there would be no way in. So the
// first start creates the user `admin` with the role admin and an API token, and writes
// the token to <data_dir>/admin_token, readable only by its owner (0600). Later starts
// find the administrator and do nothing.

#include <filesystem>
#include <string>
#include <string_view>

namespace chainbot::store {
class database;
}

namespace chainbot::security {

inline constexpr std::string_view admin_token_file_name = "admin_token";

struct bootstrap_result {
    bool created = false;
    std::filesystem::path token_file;  // when created
    std::string user_id;               // when created
    std::string problem;               // why no administrator could be created, or ""
};

/// @brief Creates the administrator when no user holds chainbot:admin (see above).
/// The token file is written before the store commits, and removed again if the commit
/// fails, so a crash in between only leads to a fresh bootstrap on the next start.
bootstrap_result bootstrap_admin(store::database& db, const std::filesystem::path& data_dir,
                                 std::string_view user_name = "admin");

/// @brief True when some user holds chainbot:admin.
bool has_administrator(store::database& db);

/// @brief Writes `secret` and a newline to `path` with mode 0600, atomically (a temporary
/// file renamed over it). Throws std::system_error.
void write_owner_only_file(const std::filesystem::path& path, std::string_view secret);

}  // namespace chainbot::security
