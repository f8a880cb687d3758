#pragma once
/// @file module.hpp
/// @brief ChainBot for C++ programs that embed it without dlopen. The same lifecycle
/// as the C ABI (initialize, start, stop, health_check, get_status, get_module_info,
/// run_command), with exceptions instead of status codes.
///
/// @code
///   chainbot::chainbot_module module;
///   module.initialize({}, R"({"api": {"port": 0}})");
///   module.start();
///   std::cout << module.health_check() << '\n';
///   module.stop();
///
///   // Commands run on an initialized module that is not running:
///   auto r = module.run_command("migrate", {});   // or ("migrate", {"--status"})
///   std::cout << r.output;
///   std::cerr << r.error;
/// @endcode

#include <chainbot/host_services.hpp>

#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace chainbot {

/// @brief The module's version and ABI identity.
inline constexpr std::string_view module_id = "chainbot";
inline constexpr std::string_view module_name = "ChainBot";

/// @brief Lifecycle state, as reported by get_status().
enum class module_status { stopped, running, error };

/// @brief "stopped", "running" or "error".
std::string_view to_string(module_status status) noexcept;

/// @brief Configuration was rejected; the message names the source (file or
/// environment variable), the key and what was expected.
class config_error : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

/// @brief A lifecycle call made in the wrong state (start before initialize...).
class state_error : public std::logic_error {
public:
    using std::logic_error::logic_error;
};

/// @brief A command the module does not offer; the message lists the ones it does.
class command_error : public std::invalid_argument {
public:
    using std::invalid_argument::invalid_argument;
};

/// @brief What a command did, as a command-line tool reports it.
struct command_result {
    int exit_code = 0;   ///< 0 on success; 1 when the command failed; 2 for bad arguments
    std::string output;  ///< for stdout
    std::string error;   ///< for stderr
};

class runtime;
namespace orchestrator {
class orchestrator;
}
namespace agents {
class agent_spawner;
}
namespace entanglement {
class entanglement_manager;
}
namespace resources {
class resource_monitor;
}

/// @brief One ChainBot instance. Not copyable; calls are serialized internally.
class chainbot_module {
public:
    chainbot_module();
    ~chainbot_module();  ///< stops the module if it runs
    chainbot_module(const chainbot_module&) = delete;
    chainbot_module& operator=(const chainbot_module&) = delete;

    /// @brief Loads and validates the configuration, opens nothing yet.
    /// `config_json` is an object: the module's settings by section
    /// ({"database": {...}, "api": {...}}), plus optional "config_files" (list of
    /// JSON/YAML/TOML paths, later wins) and "default_config" (path of default.yaml).
    /// @throws config_error on bad configuration; the module is then unchanged.
    void initialize(host_services services, std::string_view config_json);
    /// @brief Starts the thread pool, the store and the API server.
    void start();
    /// @brief Stops gracefully; start() may be called again.
    void stop();
    /// @brief Overall health from 0.0 to 1.0.
    double health_check() const;
    module_status status() const noexcept;
    /// @brief JSON: id, name, version, abi_version, capabilities, commands, endpoints, event topics.
    std::string module_info() const;
    /// @brief Runs one of the module's commands with the initialized configuration:
    /// "migrate" applies the pending database migrations, "migrate" {"--status"} reports
    /// them, "help" lists the commands. A command that fails (database unreachable,
    /// schema newer than this build) answers a non-zero exit code with the reason in
    /// `error`; it does not throw.
    /// @throws state_error unless initialized and not running; command_error for an
    /// unknown command.
    command_result run_command(std::string_view command, const std::vector<std::string>& args);
    /// @brief The bound API port while running (0 otherwise); useful with api.port 0.
    unsigned short api_port() const noexcept;
    /// @brief The runtime (null before initialize); for embedding and tests.
    runtime* get_runtime() noexcept;
    /// @brief The workflow orchestrator (null before initialize); for embedding and tests.
    orchestrator::orchestrator* get_orchestrator() noexcept;
    /// @brief The agent spawner (null before initialize); for embedding and tests.
    agents::agent_spawner* get_spawner() noexcept;
    /// @brief The entanglement manager (null before initialize); for embedding and tests.
    entanglement::entanglement_manager* get_entanglements() noexcept;
    /// @brief The resource monitor (null before initialize); its admission() is the governor
    /// that decides whether new work starts. For embedding and tests.
    resources::resource_monitor* get_resources() noexcept;

private:
    struct impl;
    std::unique_ptr<impl> impl_;
};

/// @brief The name the original ChainBot's users know the module class by.
using ChainBotModule = chainbot_module;

}  // namespace chainbot
