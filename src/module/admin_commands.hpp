#pragma once
// The host CLI's administration commands (`alex_os chainbot user|token ...`): create users
// with roles and issue, list and revoke API tokens straight in the store, without the API
// running. Each change is written to the audit trail as done by "cli".

#include "module/module_commands.hpp"

namespace chainbot {

/// @brief `user create NAME [--role R]... [--display-name D]`, `user list`.
command_result user_command(const std::vector<std::string>& args, const config::settings& settings, logger& log);
/// @brief `token issue USER [--name N] [--expires-days D]`, `token list [USER]`, `token revoke TOKEN_ID`.
command_result token_command(const std::vector<std::string>& args, const config::settings& settings, logger& log);

}  // namespace chainbot
