#include "host_services_adapter.hpp"

#include "config_manager.hpp"
#include "event_bus.hpp"
#include "log_sink.hpp"

#include <boost/json/basic_parser_impl.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <fmt/format.h>

#include <new>
#include <stdexcept>

namespace alex_os {

namespace {

// A Boost.JSON parser handler that keeps nothing: the parser checks the text alone.
struct validating_handler {
    using string_view = boost::json::string_view;
    using error_code = boost::system::error_code;
    static constexpr std::size_t max_object_size = std::size_t(-1);
    static constexpr std::size_t max_array_size = std::size_t(-1);
    static constexpr std::size_t max_key_size = std::size_t(-1);
    static constexpr std::size_t max_string_size = std::size_t(-1);
    bool on_document_begin(error_code&) { return true; }
    bool on_document_end(error_code&) { return true; }
    bool on_object_begin(error_code&) { return true; }
    bool on_object_end(std::size_t, error_code&) { return true; }
    bool on_array_begin(error_code&) { return true; }
    bool on_array_end(std::size_t, error_code&) { return true; }
    bool on_key_part(string_view, std::size_t, error_code&) { return true; }
    bool on_key(string_view, std::size_t, error_code&) { return true; }
    bool on_string_part(string_view, std::size_t, error_code&) { return true; }
    bool on_string(string_view, std::size_t, error_code&) { return true; }
    bool on_number_part(string_view, error_code&) { return true; }
    bool on_int64(std::int64_t, string_view, error_code&) { return true; }
    bool on_uint64(std::uint64_t, string_view, error_code&) { return true; }
    bool on_double(double, string_view, error_code&) { return true; }
    bool on_bool(bool, error_code&) { return true; }
    bool on_null(error_code&) { return true; }
    bool on_comment_part(string_view, error_code&) { return true; }
    bool on_comment(string_view, error_code&) { return true; }
};

// What boost::json::parse(text) would report, without allocating the document.
boost::system::error_code validate_json(std::string_view text) {
    boost::json::basic_parser<validating_handler> parser(boost::json::parse_options{});
    boost::system::error_code ec;
    const auto used = parser.write_some(false, text.data(), text.size(), ec);
    if (!ec && used < text.size()) ec = boost::json::error::extra_data;  // as parse() says
    return ec;
}

}  // namespace

host_services_adapter::host_services_adapter(event_bus& bus, config_manager& config, log_sink& log,
                                             std::string module_id)
    : bus_(bus), config_(config), log_(log), module_id_(std::move(module_id)) {
    table_.struct_size = sizeof(alex_host_services);
    table_.abi_version = ALEX_ABI_VERSION;
    table_.host = this;
    table_.publish = &on_publish;
    table_.subscribe = &on_subscribe;
    table_.unsubscribe = &on_unsubscribe;
    table_.config_get = &on_config_get;
    table_.config_set = &on_config_set;
    table_.config_watch = &on_config_watch;
    table_.config_unwatch = &on_config_unwatch;
    table_.log = &on_log;
    table_.has_subscribers = &on_has_subscribers;
}

host_services_adapter::~host_services_adapter() { release(); }

void host_services_adapter::release() noexcept {
    std::set<uint64_t> subscriptions;
    std::set<uint64_t> watches;
    {
        std::lock_guard lock(handles_mutex_);
        subscriptions.swap(subscriptions_);
        watches.swap(watches_);
        released_subscriptions_.insert(subscriptions.begin(), subscriptions.end());
        released_watches_.insert(watches.begin(), watches.end());
    }
    try {
        for (uint64_t id : subscriptions) bus_.unsubscribe(id);
        for (uint64_t id : watches) config_.unwatch(id);
    } catch (...) {
        log_.write(ALEX_LOG_ERROR, "host", fmt::format("releasing the handles of module {} failed", module_id_));
    }
}

std::size_t host_services_adapter::open_handles() const {
    std::lock_guard lock(handles_mutex_);
    return subscriptions_.size() + watches_.size();
}

// Runs `body(self)` with the adapter behind `host`; nothing escapes into the module.
template <typename F>
int32_t host_services_adapter::guarded(void* host, const char* what, F&& body) noexcept {
    auto* self = static_cast<host_services_adapter*>(host);
    if (self == nullptr) return ALEX_ERR_INVALID_ARGUMENT;
    try {
        return body(*self);
    } catch (const std::invalid_argument& e) {
        self->log_.write(ALEX_LOG_WARNING, "host", fmt::format("{} from module {}: {}", what, self->module_id_, e.what()));
        return ALEX_ERR_INVALID_ARGUMENT;
    } catch (const std::exception& e) {
        self->log_.write(ALEX_LOG_ERROR, "host", fmt::format("{} from module {} failed: {}", what, self->module_id_, e.what()));
        return ALEX_ERR_INTERNAL;
    } catch (...) {
        self->log_.write(ALEX_LOG_ERROR, "host", fmt::format("{} from module {} failed", what, self->module_id_));
        return ALEX_ERR_INTERNAL;
    }
}

int32_t host_services_adapter::on_publish(void* host, const char* topic, const char* json) noexcept {
    return guarded(host, "publish", [&](host_services_adapter& self) -> int32_t {
        if (topic == nullptr || *topic == '\0' || json == nullptr) return ALEX_ERR_INVALID_ARGUMENT;
        // Checked without building it (a module publishes an event per workflow step, most of
        // them to no subscriber); parsed and compacted only for a subscriber: one event is
        // one line for every watcher downstream.
        if (const auto ec = validate_json(json))
            throw std::invalid_argument(fmt::format("payload of '{}' is not valid JSON: {}", topic, ec.message()));
        self.bus_.publish_with(topic, [json] { return boost::json::serialize(boost::json::parse(json)); });
        return ALEX_OK;
    });
}

int32_t host_services_adapter::on_has_subscribers(void* host, const char* topic) noexcept {
    if (host == nullptr || topic == nullptr || *topic == '\0') return 0;
    try {
        return static_cast<host_services_adapter*>(host)->bus_.has_subscribers(topic) ? 1 : 0;
    } catch (...) {
        return 1;  // when in doubt, the event is published (and checked there)
    }
}

int32_t host_services_adapter::on_subscribe(void* host, const char* pattern, alex_event_handler handler, void* user,
                                            uint64_t* subscription_id) noexcept {
    return guarded(host, "subscribe", [&](host_services_adapter& self) -> int32_t {
        if (pattern == nullptr || *pattern == '\0' || handler == nullptr || subscription_id == nullptr)
            return ALEX_ERR_INVALID_ARGUMENT;
        std::lock_guard lock(self.handles_mutex_);
        const uint64_t id = self.bus_.subscribe(pattern, [handler, user](const std::string& t, const std::string& j) {
            handler(t.c_str(), j.c_str(), user);
        });
        self.subscriptions_.insert(id);
        *subscription_id = id;
        return ALEX_OK;
    });
}

int32_t host_services_adapter::on_unsubscribe(void* host, uint64_t subscription_id) noexcept {
    return guarded(host, "unsubscribe", [&](host_services_adapter& self) -> int32_t {
        {
            std::lock_guard lock(self.handles_mutex_);
            // Only ids handed out through this table: a module cannot cancel another's.
            if (self.released_subscriptions_.erase(subscription_id) != 0) return ALEX_OK;
            if (self.subscriptions_.erase(subscription_id) == 0) return ALEX_ERR_INVALID_ARGUMENT;
        }
        self.bus_.unsubscribe(subscription_id);
        return ALEX_OK;
    });
}

int32_t host_services_adapter::on_config_get(void* host, const char* key, alex_string_receiver receiver,
                                             void* user) noexcept {
    return guarded(host, "config_get", [&](host_services_adapter& self) -> int32_t {
        if (key == nullptr || receiver == nullptr) return ALEX_ERR_INVALID_ARGUMENT;
        if (auto value = self.config_.get(key)) receiver(value->c_str(), user);
        return ALEX_OK;
    });
}

int32_t host_services_adapter::on_config_set(void* host, const char* key, const char* value_json) noexcept {
    return guarded(host, "config_set", [&](host_services_adapter& self) -> int32_t {
        if (key == nullptr || value_json == nullptr) return ALEX_ERR_INVALID_ARGUMENT;
        return self.config_.set(key, value_json);
    });
}

int32_t host_services_adapter::on_config_watch(void* host, const char* key_prefix, alex_config_watcher watcher,
                                               void* user, uint64_t* watch_id) noexcept {
    return guarded(host, "config_watch", [&](host_services_adapter& self) -> int32_t {
        if (key_prefix == nullptr || watcher == nullptr || watch_id == nullptr) return ALEX_ERR_INVALID_ARGUMENT;
        std::lock_guard lock(self.handles_mutex_);
        const uint64_t id = self.config_.watch(key_prefix, [watcher, user](const std::string& k, const std::string& v) {
            return watcher(k.c_str(), v.c_str(), user);
        });
        self.watches_.insert(id);
        *watch_id = id;
        return ALEX_OK;
    });
}

int32_t host_services_adapter::on_config_unwatch(void* host, uint64_t watch_id) noexcept {
    return guarded(host, "config_unwatch", [&](host_services_adapter& self) -> int32_t {
        {
            std::lock_guard lock(self.handles_mutex_);
            if (self.released_watches_.erase(watch_id) != 0) return ALEX_OK;
            if (self.watches_.erase(watch_id) == 0) return ALEX_ERR_INVALID_ARGUMENT;
        }
        self.config_.unwatch(watch_id);
        return ALEX_OK;
    });
}

void host_services_adapter::on_log(void* host, int32_t level, const char* component, const char* message) noexcept {
    guarded(host, "log", [&](host_services_adapter& self) -> int32_t {
        std::string_view name = self.module_id_;
        if (component != nullptr && *component != '\0') name = component;
        self.log_.write(level, name, message != nullptr ? message : "");
        return ALEX_OK;
    });
}

}  // namespace alex_os
