#pragma once
/// @file command_line.hpp
/// @brief Parses `alex_os` arguments and holds the usage texts.
/// @code
///   alex_os [--modules-dir DIR]... [--home DIR] [--log-level LEVEL] <command>
///     module list | module register <id|path> | module unregister <id> | module info <id>
///     run [--config [MODULE=]PATH]... [--set MODULE.section.key=VALUE]... [--watch PATTERN]... [--console]
///     <module-id> <command> [args...] [--config [MODULE=]PATH]... [--set MODULE.section.key=VALUE]...
///     help [command]
/// @endcode

#include "invoke_command.hpp"
#include "run_command.hpp"

#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace alex_os {

/// @brief Bad arguments; `topic()` names the usage text to show ("", "module", "run"...).
class usage_error : public std::runtime_error {
public:
    usage_error(const std::string& message, std::string topic)
        : std::runtime_error(message), topic_(std::move(topic)) {}
    [[nodiscard]] const std::string& topic() const noexcept { return topic_; }

private:
    std::string topic_;
};

/// @brief The command to run and its options.
struct parsed_command {
    enum class kind { help, module_list, module_register, module_unregister, module_info, run, module_command };
    kind what = kind::help;
    std::string help_topic;  ///< for kind::help
    std::string argument;    ///< the id or path of register/unregister/info
    std::vector<std::filesystem::path> modules_dirs;
    std::optional<std::filesystem::path> home;
    run_options run;
    invoke_options invoke;  ///< for kind::module_command
};

/// @brief The `alex_os` command line: global options may come anywhere.
class command_line {
public:
    /// @brief Parses the arguments after the program name. @throws usage_error.
    static parsed_command parse(const std::vector<std::string>& args);
    /// @brief The usage text for "" (all), "module", "module list", ..., "run", "command".
    /// @throws usage_error for an unknown topic.
    static std::string usage(std::string_view topic);
};

}  // namespace alex_os
