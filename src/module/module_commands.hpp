#pragma once
// The commands ChainBot offers a host without being started (ABI 1.1 run_command):
// `migrate` (the equivalent of `alembic upgrade head`), `migrate --status` and `help`.

#include <chainbot/module.hpp>

#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace chainbot {

class logger;
namespace config {
struct settings;
}
namespace store {
class database;
}

/// @brief One command as `help` lists it.
struct module_command_spec {
    std::string_view name;
    std::string_view usage;
    std::string_view description;
};

/// @brief ChainBot's commands, in the order `help` lists them.
std::span<const module_command_spec> module_command_specs() noexcept;

/// @brief Runs `command` against `settings`, logging through `log`.
/// Failures of the command itself (database unreachable, schema too new) come back as a
/// non-zero exit code with the message in `error`; bad arguments as exit code 2.
/// @throws command_error when `command` is not one of module_command_specs().
command_result run_module_command(std::string_view command, const std::vector<std::string>& args,
                                  const config::settings& settings, logger& log);

/// @brief Opens the configured store for a command (its log lines below error go to `log`).
std::shared_ptr<store::database> open_command_store(const config::settings& settings, logger& log);

}  // namespace chainbot
