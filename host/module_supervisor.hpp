#pragma once
/// @file module_supervisor.hpp
/// @brief Drives a set of modules through their lifecycle in order: load, initialize,
/// start; then stop in reverse order, cancel each one's subscriptions, destroy, unload.

#include "module_loader.hpp"
#include "module_manifest.hpp"

#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace alex_os {

class config_manager;
class event_bus;
class host_services_adapter;
class log_sink;
class module_instance;

/// @brief What `modules` in the console prints for one module.
struct module_report {
    std::string id;
    std::string status;            ///< get_status, or "destroyed"
    std::optional<double> health;  ///< empty when health_check failed
    std::string error;             ///< health_check's error message
};

/// @brief Owns the loaded modules and their host services tables.
/// Errors are rethrown as std::runtime_error prefixed with "module <id>: ".
class module_supervisor {
public:
    module_supervisor(event_bus& bus, config_manager& config, log_sink& log, module_loader loader = module_loader());
    /// @brief stop_all() and destroy_all().
    ~module_supervisor();
    module_supervisor(const module_supervisor&) = delete;
    module_supervisor& operator=(const module_supervisor&) = delete;

    /// @brief Loads the module's library and gives it its own services table.
    void load(const module_manifest& manifest);
    /// @brief Initializes every loaded module, in load order, with `config_for(manifest)`.
    void initialize_all(const std::function<std::string(const module_manifest&)>& config_for);
    /// @brief Starts every module in load order; when one fails, stops those already
    /// started (in reverse) and rethrows.
    void start_all();
    /// @brief Stops started modules in reverse order. False when one failed (logged).
    bool stop_all() noexcept;
    /// @brief In reverse order: cancels what each module has open on the bus and config,
    /// destroys it and unloads its library.
    void destroy_all() noexcept;

    [[nodiscard]] std::vector<module_report> report();
    [[nodiscard]] std::size_t size() const;

private:
    struct slot {
        module_manifest manifest;
        std::unique_ptr<host_services_adapter> services;
        std::unique_ptr<module_instance> module;
    };

    event_bus& bus_;
    config_manager& config_;
    log_sink& log_;
    module_loader loader_;
    mutable std::mutex mutex_;
    std::vector<slot> slots_;
};

}  // namespace alex_os
