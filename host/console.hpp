#pragma once
/// @file console.hpp
/// @brief `run --console`: one command per line, for changing a running host by hand.
/// @code
///   set chainbot.workflow.max_concurrent_executions 8
///   get chainbot.workflow.max_concurrent_executions
///   publish test.ping {"n": 1}
///   modules
///   quit
/// @endcode

#include <string>
#include <string_view>

namespace alex_os {

class config_manager;
class event_bus;
class module_supervisor;

/// @brief Interprets console lines against the running host.
class console {
public:
    /// @brief What a line produced: text to print (may be empty), and whether to stop.
    struct reply {
        std::string text;
        bool quit = false;
    };

    console(config_manager& config, event_bus& bus, module_supervisor& modules);

    /// @brief Runs one line. Blank lines and lines starting with '#' do nothing.
    [[nodiscard]] reply execute(std::string_view line);

    /// @brief The command list shown by `help`.
    [[nodiscard]] static std::string help();

private:
    reply set(std::string_view key, std::string_view json);
    reply get(std::string_view key);
    reply publish(std::string_view topic, std::string_view json);
    reply modules();

    config_manager& config_;
    event_bus& bus_;
    module_supervisor& modules_;
};

}  // namespace alex_os
