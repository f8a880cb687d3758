#pragma once
/// @file host_services.hpp
/// @brief What a host gives ChainBot: an event bus, a config manager and a log sink,
/// as C++ interfaces. `plugin/` adapts the C callbacks of abi/alex_module.h to these;
/// a C++ program embedding ChainBot implements them directly (or passes none).

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace chainbot {

/// @brief Severity of a log line; the values match alex_log_level.
enum class log_level : int { debug = 10, info = 20, warning = 30, error = 40, critical = 50 };

/// @brief "DEBUG", "INFO", "WARNING", "ERROR" or "CRITICAL".
std::string_view to_string(log_level level) noexcept;

/// @brief Parses a level name (case-insensitive; "WARN" accepted); nullopt if unknown.
std::optional<log_level> parse_log_level(std::string_view name) noexcept;

/// @brief The host's event bus.
class event_sink {
public:
    virtual ~event_sink() = default;
    /// @brief Hands an event to the host; must not block on subscribers.
    virtual void publish(std::string_view topic, std::string_view json) = 0;
    /// @brief Receives topics matching `pattern` (glob). Returns an id for unsubscribe.
    virtual std::uint64_t subscribe(std::string_view pattern,
                                    std::function<void(std::string_view topic, std::string_view json)> handler) = 0;
    virtual void unsubscribe(std::uint64_t id) = 0;
    /// @brief Whether an event under `topic` would reach anyone now; when false, ChainBot
    /// neither serializes nor publishes it. Must be cheap and must not block. The default
    /// says yes to every topic.
    virtual bool has_subscribers(std::string_view /*topic*/) { return true; }
};

/// @brief The host's config manager: dotted keys ("chainbot.workflow.retry_attempts") to JSON values.
class config_source {
public:
    virtual ~config_source() = default;
    /// @brief The JSON text of `key`, or nullopt when the host has no value for it.
    virtual std::optional<std::string> get(std::string_view key) = 0;
    /// @brief Sets a key; returns false when a watcher rejected the value.
    virtual bool set(std::string_view key, std::string_view value_json) = 0;
    /// @brief Watches keys starting with `prefix`. The watcher returns false to reject a change.
    virtual std::uint64_t watch(std::string_view prefix,
                                std::function<bool(std::string_view key, std::string_view value_json)> watcher) = 0;
    virtual void unwatch(std::uint64_t id) = 0;
};

/// @brief The host's log sink.
class log_sink {
public:
    virtual ~log_sink() = default;
    virtual void write(log_level level, std::string_view component, std::string_view message) = 0;
};

/// @brief The services a host injects; any of them may be null.
struct host_services {
    std::shared_ptr<event_sink> events;
    std::shared_ptr<config_source> config;
    std::shared_ptr<log_sink> log;
};

}  // namespace chainbot
