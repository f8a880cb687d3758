#include "host_adapters.hpp"

#include <map>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>

namespace chainbot::plugin {
namespace {

// Strings passed to C must be NUL-terminated; string_views from the core may not be.
std::string z(std::string_view s) { return std::string(s); }

class c_event_sink final : public event_sink {
public:
    explicit c_event_sink(const alex_host_services& s) : s_(s) {}

    void publish(std::string_view topic, std::string_view json) override {
        if (s_.publish) s_.publish(s_.host, z(topic).c_str(), z(json).c_str());
    }

    // ABI 1.2; an older host (the member NULL in our zero-extended copy) gets every event.
    bool has_subscribers(std::string_view topic) override {
        if (!s_.publish) return false;
        return !s_.has_subscribers || s_.has_subscribers(s_.host, z(topic).c_str()) != 0;
    }

    std::uint64_t subscribe(std::string_view pattern,
                            std::function<void(std::string_view, std::string_view)> handler) override {
        if (!s_.subscribe) throw std::runtime_error("the host's event bus offers no subscribe");
        auto h = std::make_unique<std::function<void(std::string_view, std::string_view)>>(std::move(handler));
        std::uint64_t id = 0;
        const auto rc = s_.subscribe(s_.host, z(pattern).c_str(), &c_event_sink::trampoline, h.get(), &id);
        if (rc != ALEX_OK) throw std::runtime_error("the host refused a subscription to " + z(pattern));
        std::lock_guard lock(mutex_);
        handlers_[id] = std::move(h);
        return id;
    }

    void unsubscribe(std::uint64_t id) override {
        if (s_.unsubscribe) s_.unsubscribe(s_.host, id);
        std::lock_guard lock(mutex_);  // the host promises no call starts after unsubscribe returns
        handlers_.erase(id);
    }

    ~c_event_sink() override {
        std::lock_guard lock(mutex_);
        for (auto& [id, _] : handlers_)
            if (s_.unsubscribe) s_.unsubscribe(s_.host, id);
    }

private:
    static void trampoline(const char* topic, const char* json, void* user) {
        try {
            (*static_cast<std::function<void(std::string_view, std::string_view)>*>(user))(topic ? topic : "",
                                                                                          json ? json : "");
        } catch (...) {
            // A module handler must never unwind into the host's C code.
        }
    }

    alex_host_services s_;
    std::mutex mutex_;
    std::map<std::uint64_t, std::unique_ptr<std::function<void(std::string_view, std::string_view)>>> handlers_;
};

class c_config_source final : public config_source {
public:
    explicit c_config_source(const alex_host_services& s) : s_(s) {}

    std::optional<std::string> get(std::string_view key) override {
        if (!s_.config_get) return std::nullopt;
        std::optional<std::string> out;
        s_.config_get(s_.host, z(key).c_str(), &c_config_source::receive, &out);
        return out;
    }

    bool set(std::string_view key, std::string_view value_json) override {
        return s_.config_set && s_.config_set(s_.host, z(key).c_str(), z(value_json).c_str()) == ALEX_OK;
    }

    std::uint64_t watch(std::string_view prefix,
                        std::function<bool(std::string_view, std::string_view)> watcher) override {
        if (!s_.config_watch) return 0;
        auto w = std::make_unique<std::function<bool(std::string_view, std::string_view)>>(std::move(watcher));
        std::uint64_t id = 0;
        if (s_.config_watch(s_.host, z(prefix).c_str(), &c_config_source::on_change, w.get(), &id) != ALEX_OK)
            throw std::runtime_error("the host refused a config watch on " + z(prefix));
        std::lock_guard lock(mutex_);
        watchers_[id] = std::move(w);
        return id;
    }

    void unwatch(std::uint64_t id) override {
        if (s_.config_unwatch) s_.config_unwatch(s_.host, id);
        std::lock_guard lock(mutex_);
        watchers_.erase(id);
    }

    ~c_config_source() override {
        std::lock_guard lock(mutex_);
        for (auto& [id, _] : watchers_)
            if (s_.config_unwatch) s_.config_unwatch(s_.host, id);
    }

private:
    static void receive(const char* value, void* user) {
        if (value) *static_cast<std::optional<std::string>*>(user) = std::string(value);
    }
    static int32_t on_change(const char* key, const char* value_json, void* user) {
        try {
            const bool ok = (*static_cast<std::function<bool(std::string_view, std::string_view)>*>(user))(
                key ? key : "", value_json ? value_json : "");
            return ok ? ALEX_OK : ALEX_ERR_CONFIG;
        } catch (...) {
            return ALEX_ERR_INTERNAL;
        }
    }

    alex_host_services s_;
    std::mutex mutex_;
    std::map<std::uint64_t, std::unique_ptr<std::function<bool(std::string_view, std::string_view)>>> watchers_;
};

class c_log_sink final : public log_sink {
public:
    explicit c_log_sink(const alex_host_services& s) : s_(s) {}
    void write(log_level level, std::string_view component, std::string_view message) override {
        s_.log(s_.host, static_cast<int32_t>(level), z(component).c_str(), z(message).c_str());
    }

private:
    alex_host_services s_;
};

}  // namespace

host_services adapt_host_services(const alex_host_services& s) {
    host_services out;
    if (s.publish || s.subscribe) out.events = std::make_shared<c_event_sink>(s);
    if (s.config_get || s.config_watch || s.config_set) out.config = std::make_shared<c_config_source>(s);
    if (s.log) out.log = std::make_shared<c_log_sink>(s);
    return out;
}

}  // namespace chainbot::plugin
