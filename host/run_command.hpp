#pragma once
/// @file run_command.hpp
/// @brief `alex_os run`: load, initialize and start every module, serve the event bus,
/// the config manager and the log, and stop everything on SIGINT/SIGTERM or `quit`.

#include <alex_module.h>

#include <cstdint>
#include <iosfwd>
#include <string>
#include <vector>

namespace alex_os {

class module_registry;

/// @brief The options of `run`, as given on the command line.
struct run_options {
    std::vector<std::string> config_files;    ///< --config [MODULE=]PATH
    std::vector<std::string> settings;        ///< --set MODULE.section.key=VALUE
    std::vector<std::string> watch_patterns;  ///< --watch PATTERN: print matching events
    bool console = false;                     ///< --console: read commands from stdin
    int32_t log_level = ALEX_LOG_INFO;        ///< --log-level
};

/// @brief One run of the host.
class run_command {
public:
    /// @param input_fd where --console reads commands (stdin in the host).
    run_command(module_registry& registry, run_options options, std::ostream& out, std::ostream& err,
                int input_fd = 0);

    /// @brief Runs until a signal or `quit`. 0 after a clean stop; 1 when a module
    /// failed to load, initialize, start or stop (its message is printed on `err`).
    /// @throws option_error for a --config/--set that is malformed or names an unknown module.
    int execute();

private:
    run_options options_;
    module_registry& registry_;
    std::ostream& out_;
    std::ostream& err_;
    int input_fd_;
};

}  // namespace alex_os
