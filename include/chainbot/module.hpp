#pragma once
/// @file module.hpp
/// @brief ChainBot for C++ programs that embed it without dlopen. The same lifecycle
/// as the C ABI (initialize, start, stop, health_check, get_status, get_module_info),
/// with exceptions instead of status codes.
///
/// @code
///   chainbot::chainbot_module module;
///   module.initialize({}, R"({"api": {"port": 0}})");
///   module.start();
///   std::cout << module.health_check() << '\n';
///   module.stop();
/// @endcode

#include <chainbot/host_services.hpp>

#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>

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

class runtime;
namespace orchestrator {
class orchestrator;
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
    /// @brief JSON: id, name, version, abi_version, capabilities, endpoints, event topics.
    std::string module_info() const;
    /// @brief The bound API port while running (0 otherwise); useful with api.port 0.
    unsigned short api_port() const noexcept;
    /// @brief The runtime (null before initialize); for embedding and tests.
    runtime* get_runtime() noexcept;
    /// @brief The workflow orchestrator (null before initialize); for embedding and tests.
    orchestrator::orchestrator* get_orchestrator() noexcept;

private:
    struct impl;
    std::unique_ptr<impl> impl_;
};

}  // namespace chainbot
