#pragma once
/// @file config_manager.hpp
/// @brief The host's runtime configuration: dotted keys ("chainbot.api.port") holding
/// JSON values, with watchers that can veto a change.
///
/// @code
///   alex_os::config_manager config;
///   config.watch("chainbot.", [](const std::string& key, const std::string& json) {
///       return key == "chainbot.api.port" ? ALEX_ERR_CONFIG : ALEX_OK;  // port needs a restart
///   });
///   config.set("chainbot.log.level", R"("debug")");  // ALEX_OK, applied
///   config.set("chainbot.api.port", "9000");         // ALEX_ERR_CONFIG, not applied
/// @endcode

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>

namespace alex_os {

class log_sink;

/// @brief Dotted keys to JSON values; set() is all-or-nothing under its watchers' veto.
class config_manager {
public:
    /// @brief Returns ALEX_OK to accept `value_json` for `key`, any other status to reject it.
    using watcher = std::function<int32_t(const std::string& key, const std::string& value_json)>;

    explicit config_manager(log_sink* log = nullptr);
    ~config_manager();
    config_manager(const config_manager&) = delete;
    config_manager& operator=(const config_manager&) = delete;

    /// @brief The value of `key` as compact JSON, or nothing when unset.
    [[nodiscard]] std::optional<std::string> get(std::string_view key) const;

    /// @brief Asks every watcher whose prefix matches `key`, synchronously and in watch
    /// order, then stores the value only if all accepted. Watchers run without the lock
    /// get() needs, so they may read the configuration. When one rejects, those that had
    /// already accepted are told the old value again (when there was one).
    /// @return ALEX_OK when applied, else the first rejecting watcher's status.
    /// @throws std::invalid_argument for a malformed key or value (nothing applied).
    int32_t set(std::string_view key, std::string_view value_json);

    /// @brief Watches keys that start with `prefix` ("" watches everything).
    /// @throws std::invalid_argument when `fn` is empty.
    uint64_t watch(std::string prefix, watcher fn);

    /// @brief Stops a watch; no call of its watcher starts after this returns (it may be
    /// called from inside that watcher). False for an unknown id.
    bool unwatch(uint64_t id);

    /// @brief Every key starting with `prefix`, sorted, with its JSON value.
    [[nodiscard]] std::map<std::string, std::string> entries(std::string_view prefix = {}) const;

    /// @brief Whether `key` is a valid dotted key: non-empty segments of printable,
    /// non-blank characters separated by single dots.
    static bool valid_key(std::string_view key) noexcept;

private:
    struct watch_entry;
    int32_t call(watch_entry& w, const std::string& key, const std::string& value);

    log_sink* log_;
    mutable std::shared_mutex values_mutex_;
    std::map<std::string, std::string, std::less<>> values_;

    std::mutex watchers_mutex_;
    std::map<uint64_t, std::shared_ptr<watch_entry>> watchers_;
    uint64_t next_watch_id_ = 1;

    // Serializes set() so watchers see changes in the order they are applied; recursive
    // so that a watcher may itself call set().
    std::recursive_mutex set_mutex_;
};

}  // namespace alex_os
