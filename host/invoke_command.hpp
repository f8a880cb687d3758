#pragma once
/// @file invoke_command.hpp
/// @brief `alex_os <module-id> <command> [args...]`: one command of one module (ALEX ABI 1.1
/// run_command), e.g. `alex_os chainbot migrate`. The module is loaded and initialized with
/// the configuration `run` would give it, but never started.

#include <alex_module.h>

#include <cstdint>
#include <iosfwd>
#include <string>
#include <vector>

namespace alex_os {

class module_registry;

/// @brief The module, the command and the options, as given on the command line.
struct invoke_options {
    std::string module_id;
    std::string command;
    std::vector<std::string> args;          ///< passed to the command as they are
    std::vector<std::string> config_files;  ///< --config [MODULE=]PATH
    std::vector<std::string> settings;      ///< --set MODULE.section.key=VALUE
    int32_t log_level = ALEX_LOG_WARNING;   ///< --log-level; quieter than run by default
};

/// @brief One module command.
class invoke_command {
public:
    invoke_command(module_registry& registry, invoke_options options, std::ostream& out, std::ostream& err);

    /// @brief Prints the command's output on `out` and its error text on `err`, and
    /// returns its exit code. 1 when the module cannot be loaded or initialized or offers
    /// no commands (ABI 1.0); 2 when it does not know the command.
    /// @throws usage_error when no module has that id; option_error for a --config/--set
    /// that is malformed or names another module.
    int execute();

private:
    module_registry& registry_;
    invoke_options options_;
    std::ostream& out_;
    std::ostream& err_;
};

}  // namespace alex_os
