#pragma once
/// @file module_instance.hpp
/// @brief One loaded module behind its C table, with exceptions instead of status codes.
/// Made by module_loader.

#include <alex_module.h>
#include <boost/dll/shared_library.hpp>

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace alex_os {

/// @brief What a module command did (ABI 1.1 run_command).
struct command_reply {
    int exit_code = 0;
    std::string output;  ///< for stdout
    std::string error;   ///< for stderr
};

/// @brief Owns the library, the module's table and its instance. Not thread-safe:
/// its owner serializes calls. The destructor destroys the instance (which stops it
/// if it runs) and then unloads the library.
class module_instance {
public:
    /// @brief Takes a validated table and instance (see module_loader::load).
    module_instance(boost::dll::shared_library library, const alex_module_api& api, alex_module* module,
                    std::filesystem::path path);
    ~module_instance();
    module_instance(const module_instance&) = delete;
    module_instance& operator=(const module_instance&) = delete;

    /// @throws module_error with the module's last_error.
    void initialize(const alex_host_services* services, const std::string& config_json);
    /// @throws module_error with the module's last_error.
    void start();
    /// @brief Stops after a successful start; does nothing otherwise.
    /// @throws module_error with the module's last_error.
    void stop();
    /// @brief Health from 0.0 to 1.0. @throws module_error.
    [[nodiscard]] double health();
    /// @brief "running", "stopped", "error" (or "destroyed").
    [[nodiscard]] std::string status();
    /// @brief The module's get_module_info JSON. @throws module_error.
    [[nodiscard]] std::string info();
    /// @brief True when the module's table has run_command (ABI 1.1 and later).
    [[nodiscard]] bool has_commands() const noexcept;
    /// @brief Runs a command of an initialized, stopped module. A command that ran
    /// returns its reply, whatever its exit code.
    /// @throws module_error when the module refuses (unknown command: ALEX_ERR_INVALID_ARGUMENT,
    /// with the module's list of commands) or offers no commands at all.
    [[nodiscard]] command_reply run_command(const std::string& command, const std::vector<std::string>& args);
    /// @brief Frees the instance; idempotent. The library stays loaded until destruction.
    void destroy() noexcept;

    [[nodiscard]] bool running() const noexcept { return running_; }
    /// @brief The module's own ABI version (it may be a newer minor than the host's).
    [[nodiscard]] uint32_t abi_version() const noexcept { return api_.abi_version; }
    /// @brief Bytes of alex_module_api the module filled, never more than the host knows.
    [[nodiscard]] uint32_t api_struct_size() const noexcept { return api_.struct_size; }
    [[nodiscard]] const std::filesystem::path& path() const noexcept { return path_; }

private:
    [[noreturn]] void fail(const char* operation, int32_t status);
    void check(const char* operation, int32_t status);

    // Declared first: destroyed last, after the destructor has destroyed the instance.
    boost::dll::shared_library library_;
    alex_module_api api_;
    alex_module* module_;
    std::filesystem::path path_;
    bool running_ = false;
};

}  // namespace alex_os
