#pragma once
/// @file host_services_adapter.hpp
/// @brief The C table a module receives at initialize, over the event bus, the config
/// manager and the log. One adapter per module: it remembers the subscriptions and
/// watches made through it, so that release() can cancel them before the module's code
/// is unloaded.

#include <alex_module.h>

#include <cstdint>
#include <mutex>
#include <set>
#include <string>

namespace alex_os {

class config_manager;
class event_bus;
class log_sink;

/// @brief Owns one alex_host_services table; `host` points back at the adapter.
/// Every callback catches every exception and answers with a status code.
class host_services_adapter {
public:
    /// @param module_id used as the log component when the module passes none.
    host_services_adapter(event_bus& bus, config_manager& config, log_sink& log, std::string module_id);
    /// @brief Calls release().
    ~host_services_adapter();
    host_services_adapter(const host_services_adapter&) = delete;
    host_services_adapter& operator=(const host_services_adapter&) = delete;

    /// @brief The table to pass to initialize; valid as long as the adapter lives.
    [[nodiscard]] const alex_host_services* table() const noexcept { return &table_; }

    /// @brief Cancels the subscriptions and watches still open through this table; no
    /// handler or watcher call of the module starts after it returns. The module's own
    /// later unsubscribe/unwatch of those ids still answers ALEX_OK.
    void release() noexcept;

    /// @brief Subscriptions and watches still open through this table.
    [[nodiscard]] std::size_t open_handles() const;

private:
    static int32_t on_publish(void* host, const char* topic, const char* json) noexcept;
    static int32_t on_has_subscribers(void* host, const char* topic) noexcept;
    static int32_t on_subscribe(void* host, const char* pattern, alex_event_handler handler, void* user,
                                uint64_t* subscription_id) noexcept;
    static int32_t on_unsubscribe(void* host, uint64_t subscription_id) noexcept;
    static int32_t on_config_get(void* host, const char* key, alex_string_receiver receiver, void* user) noexcept;
    static int32_t on_config_set(void* host, const char* key, const char* value_json) noexcept;
    static int32_t on_config_watch(void* host, const char* key_prefix, alex_config_watcher watcher, void* user,
                                   uint64_t* watch_id) noexcept;
    static int32_t on_config_unwatch(void* host, uint64_t watch_id) noexcept;
    static void on_log(void* host, int32_t level, const char* component, const char* message) noexcept;

    template <typename F>
    static int32_t guarded(void* host, const char* what, F&& body) noexcept;

    alex_host_services table_{};
    event_bus& bus_;
    config_manager& config_;
    log_sink& log_;
    const std::string module_id_;

    mutable std::mutex handles_mutex_;
    std::set<uint64_t> subscriptions_;
    std::set<uint64_t> watches_;
    std::set<uint64_t> released_subscriptions_;
    std::set<uint64_t> released_watches_;
};

}  // namespace alex_os
