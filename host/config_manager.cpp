#include "config_manager.hpp"

#include "log_sink.hpp"

#include <alex_module.h>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <fmt/format.h>

#include <condition_variable>
#include <stdexcept>
#include <thread>
#include <vector>

namespace alex_os {

struct config_manager::watch_entry {
    watch_entry(std::string prefix_, watcher fn_) : prefix(std::move(prefix_)), fn(std::move(fn_)) {}

    const std::string prefix;
    const watcher fn;
    std::mutex mutex;
    std::condition_variable idle;
    bool active = true;
    int running = 0;
    std::thread::id runner;
};

config_manager::config_manager(log_sink* log) : log_(log) {}

config_manager::~config_manager() = default;

bool config_manager::valid_key(std::string_view key) noexcept {
    if (key.empty() || key.front() == '.' || key.back() == '.') return false;
    char previous = 0;
    for (char c : key) {
        const auto u = static_cast<unsigned char>(c);
        if (u <= 0x20 || u == 0x7f) return false;
        if (c == '.' && previous == '.') return false;
        previous = c;
    }
    return true;
}

std::optional<std::string> config_manager::get(std::string_view key) const {
    std::shared_lock lock(values_mutex_);
    auto it = values_.find(key);
    if (it == values_.end()) return std::nullopt;
    return it->second;
}

int32_t config_manager::set(std::string_view key, std::string_view value_json) {
    if (!valid_key(key)) throw std::invalid_argument(fmt::format("invalid configuration key '{}'", key));
    boost::system::error_code ec;
    const boost::json::value parsed = boost::json::parse(value_json, ec);
    if (ec)
        throw std::invalid_argument(
            fmt::format("value for '{}' is not valid JSON ({}): {}", key, ec.message(), value_json));
    const std::string k(key);
    const std::string value = boost::json::serialize(parsed);

    std::lock_guard serial(set_mutex_);
    std::vector<std::shared_ptr<watch_entry>> matching;
    {
        std::lock_guard lock(watchers_mutex_);
        for (const auto& [id, w] : watchers_)
            if (k.compare(0, w->prefix.size(), w->prefix) == 0) matching.push_back(w);
    }
    const std::optional<std::string> old = get(k);
    for (std::size_t i = 0; i < matching.size(); ++i) {
        const int32_t status = call(*matching[i], k, value);
        if (status == ALEX_OK) continue;
        // Those that accepted have been told of a change that will not happen: undo it for them.
        if (old)
            for (std::size_t j = 0; j < i; ++j) call(*matching[j], k, *old);
        if (log_)
            log_->write(ALEX_LOG_WARNING, "config",
                        fmt::format("change of '{}' to {} rejected by a watcher of '{}' (status {})", k, value,
                                    matching[i]->prefix, status));
        return status;
    }
    std::unique_lock lock(values_mutex_);
    values_.insert_or_assign(k, value);
    return ALEX_OK;
}

// Calls one watcher unless it was unwatched; any exception counts as a rejection.
int32_t config_manager::call(watch_entry& w, const std::string& key, const std::string& value) {
    {
        std::lock_guard lock(w.mutex);
        if (!w.active) return ALEX_OK;
        ++w.running;
        w.runner = std::this_thread::get_id();
    }
    int32_t status = ALEX_ERR_INTERNAL;
    try {
        status = w.fn(key, value);
    } catch (const std::exception& e) {
        if (log_) log_->write(ALEX_LOG_ERROR, "config", fmt::format("watcher of '{}' threw: {}", w.prefix, e.what()));
    } catch (...) {
        if (log_) log_->write(ALEX_LOG_ERROR, "config", fmt::format("watcher of '{}' threw", w.prefix));
    }
    {
        std::lock_guard lock(w.mutex);
        if (--w.running == 0) w.runner = {};
    }
    w.idle.notify_all();
    return status;
}

uint64_t config_manager::watch(std::string prefix, watcher fn) {
    if (!fn) throw std::invalid_argument("watch: no watcher");
    std::lock_guard lock(watchers_mutex_);
    const uint64_t id = next_watch_id_++;
    watchers_.emplace(id, std::make_shared<watch_entry>(std::move(prefix), std::move(fn)));
    return id;
}

bool config_manager::unwatch(uint64_t id) {
    std::shared_ptr<watch_entry> w;
    {
        std::lock_guard lock(watchers_mutex_);
        auto it = watchers_.find(id);
        if (it == watchers_.end()) return false;
        w = std::move(it->second);
        watchers_.erase(it);
    }
    std::unique_lock lock(w->mutex);
    w->active = false;
    // From inside its own watcher the running call is ours: waiting would deadlock.
    if (w->runner != std::this_thread::get_id()) w->idle.wait(lock, [&] { return w->running == 0; });
    return true;
}

std::map<std::string, std::string> config_manager::entries(std::string_view prefix) const {
    std::map<std::string, std::string> out;
    std::shared_lock lock(values_mutex_);
    for (auto it = values_.lower_bound(prefix); it != values_.end() && it->first.starts_with(prefix); ++it)
        out.emplace(it->first, it->second);
    return out;
}

}  // namespace alex_os
