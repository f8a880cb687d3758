#pragma once
// A host for ABI tests: loads libchainbot.so with dlopen and offers a services table
// that records events and log lines and holds config watchers, like a real host would.
#include "alex_module.h"
#include "support/temp_dir.hpp"

#include <dlfcn.h>

#include <cstddef>
#include <cstring>
#include <map>
#include <mutex>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace chainbot::test {

inline std::string module_path() { return CHAINBOT_BINARY_DIR "/bin/modules/chainbot/libchainbot.so"; }

class loaded_library {
public:
    loaded_library() : handle_(dlopen(module_path().c_str(), RTLD_NOW | RTLD_LOCAL)) {
        if (!handle_) throw std::runtime_error(std::string("dlopen: ") + dlerror());
        void* sym = dlsym(handle_, ALEX_MODULE_ENTRY_POINT);
        if (!sym) throw std::runtime_error("alex_module_create not found");
        std::memcpy(&create_, &sym, sizeof sym);
    }
    ~loaded_library() { dlclose(handle_); }
    alex_module_create_fn create() const { return create_; }

private:
    void* handle_;
    alex_module_create_fn create_ = nullptr;
};

struct recording_host {
    std::mutex mutex;
    std::vector<std::pair<std::string, std::string>> events;
    std::vector<std::string> logs;
    struct watch {
        std::string prefix;
        alex_config_watcher fn;
        void* user;
    };
    std::map<uint64_t, watch> watches;
    std::map<std::string, std::string> config;
    uint64_t next_id = 1;
    // ABI 1.2 has_subscribers: topics starting with one of these have no subscriber.
    std::vector<std::string> unheard_prefixes;
    std::vector<std::string> asked;  // the topics has_subscribers was asked about

    alex_host_services table() {
        alex_host_services s{};
        s.struct_size = sizeof s;
        s.abi_version = ALEX_ABI_VERSION;
        s.host = this;
        s.publish = [](void* h, const char* topic, const char* json) -> int32_t {
            auto* self = static_cast<recording_host*>(h);
            std::lock_guard lock(self->mutex);
            self->events.emplace_back(topic, json);
            return ALEX_OK;
        };
        s.config_get = [](void* h, const char* key, alex_string_receiver r, void* user) -> int32_t {
            auto* self = static_cast<recording_host*>(h);
            std::string value;
            {
                std::lock_guard lock(self->mutex);
                auto it = self->config.find(key);
                if (it == self->config.end()) return ALEX_OK;
                value = it->second;
            }
            r(value.c_str(), user);
            return ALEX_OK;
        };
        s.config_set = [](void* h, const char* key, const char* value) -> int32_t {
            return static_cast<recording_host*>(h)->set(key, value);
        };
        s.config_watch = [](void* h, const char* prefix, alex_config_watcher fn, void* user, uint64_t* id) -> int32_t {
            auto* self = static_cast<recording_host*>(h);
            std::lock_guard lock(self->mutex);
            *id = self->next_id++;
            self->watches[*id] = {prefix, fn, user};
            return ALEX_OK;
        };
        s.config_unwatch = [](void* h, uint64_t id) -> int32_t {
            auto* self = static_cast<recording_host*>(h);
            std::lock_guard lock(self->mutex);
            self->watches.erase(id);
            return ALEX_OK;
        };
        s.log = [](void* h, int32_t level, const char* component, const char* message) {
            auto* self = static_cast<recording_host*>(h);
            std::lock_guard lock(self->mutex);
            self->logs.push_back(std::to_string(level) + " [" + component + "] " + message);
        };
        s.has_subscribers = [](void* h, const char* topic) -> int32_t {
            auto* self = static_cast<recording_host*>(h);
            std::lock_guard lock(self->mutex);
            self->asked.emplace_back(topic);
            for (const auto& p : self->unheard_prefixes)
                if (std::string_view(topic).starts_with(p)) return 0;
            return 1;
        };
        return s;
    }

    // Like a host's config manager: every watcher must accept before the value is applied.
    int32_t set(const std::string& key, const std::string& value) {
        std::vector<watch> matching;
        {
            std::lock_guard lock(mutex);
            for (auto& [_, w] : watches)
                if (key.rfind(w.prefix, 0) == 0) matching.push_back(w);
        }
        for (auto& w : matching)
            if (int32_t rc = w.fn(key.c_str(), value.c_str(), w.user); rc != ALEX_OK) return rc;
        std::lock_guard lock(mutex);
        config[key] = value;
        return ALEX_OK;
    }

    std::vector<std::string> topics() {
        std::lock_guard lock(mutex);
        std::vector<std::string> out;
        for (auto& e : events) out.push_back(e.first);
        return out;
    }
    std::size_t watch_count() {
        std::lock_guard lock(mutex);
        return watches.size();
    }
};

/// A module configuration (JSON) for tests: an ephemeral API port, `dir` as the data directory,
/// then `extra` (more members, each starting with a comma).
inline std::string config_for(const temp_dir& dir, const std::string& extra = "") {
    return R"({"api": {"port": 0}, "module": {"data_dir": ")" + dir.str() + R"("})" + extra + "}";
}

}  // namespace chainbot::test
