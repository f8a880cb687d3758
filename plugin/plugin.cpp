// libchainbot.so's C ABI: alex_module_create and the lifecycle table. Every entry point
// catches every exception and turns it into a status code plus a last-error message.

#include "alex_module.h"
#include "host_adapters.hpp"

#include <chainbot/module.hpp>

#include "module/module_info.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <map>
#include <memory>
#include <mutex>
#include <thread>
#include <new>
#include <string>
#include <utility>
#include <vector>

static_assert(ALEX_ABI_VERSION_MAJOR == chainbot::abi_version_major, "module_info.hpp disagrees with the ABI header");
static_assert(ALEX_ABI_VERSION_MINOR == chainbot::abi_version_minor, "module_info.hpp disagrees with the ABI header");

// The last error of a failed call, per calling thread. Kept in ordinary memory rather than
// thread_local: a host that dlcloses the module leaves thread-local blocks behind that
// LeakSanitizer (and other TLS walkers) trip over at exit.
class error_slots {
public:
    void set(std::string message) {
        std::lock_guard lock(mutex_);
        slots_[std::this_thread::get_id()] = std::move(message);
    }
    void clear() {
        std::lock_guard lock(mutex_);
        slots_.erase(std::this_thread::get_id());
    }
    // Valid until the next call on this thread (std::map nodes do not move).
    const char* get() {
        std::lock_guard lock(mutex_);
        auto it = slots_.find(std::this_thread::get_id());
        return it == slots_.end() ? "" : it->second.c_str();
    }

private:
    std::mutex mutex_;
    std::map<std::thread::id, std::string> slots_;
};

struct alex_module {
    chainbot::chainbot_module module;
    alex_host_services services{};  // the host's table, copied and zero-extended to our size
    error_slots errors;
};

namespace {

// Errors of calls made with a NULL handle have no module to live in.
error_slots& null_handle_errors() {
    static error_slots slots;
    return slots;
}

int32_t fail(alex_module* m, int32_t status, std::string message) {
    (m ? m->errors : null_handle_errors()).set(std::move(message));
    return status;
}

void clear_error(alex_module* m) { m->errors.clear(); }

// Runs `body`; maps the core's exception kinds to ABI status codes.
template <typename Body>
int32_t guarded(alex_module* m, const char* what, Body&& body) {
    if (!m) return fail(nullptr, ALEX_ERR_INVALID_ARGUMENT, std::string(what) + ": module handle is NULL");
    try {
        clear_error(m);
        body();
        return ALEX_OK;
    } catch (const chainbot::config_error& e) {
        return fail(m, ALEX_ERR_CONFIG, e.what());
    } catch (const chainbot::state_error& e) {
        return fail(m, ALEX_ERR_STATE, e.what());
    } catch (const chainbot::command_error& e) {
        return fail(m, ALEX_ERR_INVALID_ARGUMENT, e.what());
    } catch (const std::bad_alloc&) {
        return fail(m, ALEX_ERR_INTERNAL, std::string(what) + ": out of memory");
    } catch (const std::exception& e) {
        return fail(m, ALEX_ERR_RUNTIME, std::string(what) + ": " + e.what());
    } catch (...) {
        return fail(m, ALEX_ERR_INTERNAL, std::string(what) + ": unknown exception");
    }
}

char* copy_string(const std::string& s) {
    auto* out = static_cast<char*>(std::malloc(s.size() + 1));
    if (!out) throw std::bad_alloc();
    std::memcpy(out, s.c_str(), s.size() + 1);
    return out;
}

int32_t m_initialize(alex_module* m, const alex_host_services* services, const char* config_json) {
    return guarded(m, "initialize", [&] {
        alex_host_services copy{};
        if (services) {
            if (ALEX_ABI_MAJOR(services->abi_version) != ALEX_ABI_VERSION_MAJOR)
                throw chainbot::config_error("initialize: the host's services speak ALEX ABI " +
                                             std::to_string(ALEX_ABI_MAJOR(services->abi_version)) + "." +
                                             std::to_string(ALEX_ABI_MINOR(services->abi_version)) +
                                             ", this module speaks " + std::to_string(ALEX_ABI_VERSION_MAJOR) + "." +
                                             std::to_string(ALEX_ABI_VERSION_MINOR));
            if (services->struct_size < offsetof(alex_host_services, host) + sizeof(void*))
                throw chainbot::config_error("initialize: alex_host_services.struct_size " +
                                             std::to_string(services->struct_size) + " is too small");
            // Copy only what the host declared; members it does not know stay NULL, and so does a
            // member its struct_size cuts through (ALEX_HAS_MEMBER): its first bytes alone would
            // make a pointer to nowhere.
            std::memcpy(&copy, services, std::min<std::size_t>(services->struct_size, sizeof copy));
#define CHAINBOT_KEEP_WHOLE(member) \
    if (!ALEX_HAS_MEMBER(alex_host_services, services, member)) copy.member = nullptr
            CHAINBOT_KEEP_WHOLE(publish);
            CHAINBOT_KEEP_WHOLE(subscribe);
            CHAINBOT_KEEP_WHOLE(unsubscribe);
            CHAINBOT_KEEP_WHOLE(config_get);
            CHAINBOT_KEEP_WHOLE(config_set);
            CHAINBOT_KEEP_WHOLE(config_watch);
            CHAINBOT_KEEP_WHOLE(config_unwatch);
            CHAINBOT_KEEP_WHOLE(log);
            CHAINBOT_KEEP_WHOLE(has_subscribers);
#undef CHAINBOT_KEEP_WHOLE
            copy.struct_size = sizeof copy;
        }
        m->services = copy;
        m->module.initialize(services ? chainbot::plugin::adapt_host_services(m->services) : chainbot::host_services{},
                             config_json ? config_json : "");
    });
}

int32_t m_start(alex_module* m) { return guarded(m, "start", [&] { m->module.start(); }); }
int32_t m_stop(alex_module* m) { return guarded(m, "stop", [&] { m->module.stop(); }); }

int32_t m_health_check(alex_module* m, double* score) {
    if (!score) return fail(m, ALEX_ERR_INVALID_ARGUMENT, "health_check: score pointer is NULL");
    return guarded(m, "health_check", [&] { *score = m->module.health_check(); });
}

const char* m_get_status(alex_module* m) {
    if (!m) return "error";
    // Static strings: the host never frees them.
    switch (m->module.status()) {
        case chainbot::module_status::running: return "running";
        case chainbot::module_status::error: return "error";
        case chainbot::module_status::stopped: return "stopped";
    }
    return "error";
}

int32_t m_get_module_info(alex_module* m, char** json) {
    if (!json) return fail(m, ALEX_ERR_INVALID_ARGUMENT, "get_module_info: output pointer is NULL");
    *json = nullptr;
    return guarded(m, "get_module_info", [&] { *json = copy_string(m->module.module_info()); });
}

// {"command": "migrate", "args": ["--status"]} -> the command and its arguments.
std::pair<std::string, std::vector<std::string>> parse_command(const char* command_json) {
    boost::system::error_code ec;
    const auto doc = boost::json::parse(command_json, ec);
    if (ec) throw chainbot::command_error("command_json is not valid JSON: " + ec.message());
    const auto* root = doc.if_object();
    const auto* command = root ? root->if_contains("command") : nullptr;
    if (!command || !command->is_string())
        throw chainbot::command_error(R"(command_json: expected {"command": "<name>", "args": [...]})");
    std::vector<std::string> args;
    if (const auto* list = root->if_contains("args"); list && !list->is_null()) {
        if (!list->is_array()) throw chainbot::command_error("command_json: \"args\" must be an array of strings");
        for (const auto& a : list->get_array()) {
            if (!a.is_string()) throw chainbot::command_error("command_json: \"args\" must be an array of strings");
            args.emplace_back(a.get_string());
        }
    }
    return {std::string(command->get_string()), std::move(args)};
}

int32_t m_run_command(alex_module* m, const char* command_json, char** result_json) {
    if (!result_json) return fail(m, ALEX_ERR_INVALID_ARGUMENT, "run_command: result pointer is NULL");
    *result_json = nullptr;
    if (m && !command_json) return fail(m, ALEX_ERR_INVALID_ARGUMENT, "run_command: command_json is NULL");
    return guarded(m, "run_command", [&] {
        const auto [command, args] = parse_command(command_json);
        const auto result = m->module.run_command(command, args);
        const boost::json::object doc{{"exit_code", result.exit_code}, {"output", result.output}, {"error", result.error}};
        *result_json = copy_string(boost::json::serialize(doc));
    });
}

const char* m_last_error(alex_module* m) { return m ? m->errors.get() : null_handle_errors().get(); }

void m_free_string(char* s) { std::free(s); }

void m_destroy(alex_module** m) {
    if (!m || !*m) return;
    try {
        (*m)->module.stop();
    } catch (...) {
        // Destroy must succeed; a failing stop has already logged through the runtime.
    }
    delete *m;
    *m = nullptr;
}

constexpr alex_module_api api_table = {
    sizeof(alex_module_api), ALEX_ABI_VERSION, m_initialize, m_start,     m_stop,      m_health_check,
    m_get_status,            m_get_module_info, m_last_error, m_free_string, m_destroy,
    // ABI 1.1
    m_run_command,
};

void write_error(char* error, size_t error_size, const std::string& message) {
    if (!error || error_size == 0) return;
    std::snprintf(error, error_size, "%s", message.c_str());
}

std::string version_string(uint32_t v) {
    return std::to_string(ALEX_ABI_MAJOR(v)) + "." + std::to_string(ALEX_ABI_MINOR(v));
}

}  // namespace

extern "C" ALEX_MODULE_EXPORT int32_t alex_module_create(uint32_t host_abi_version, alex_module_api* api,
                                                         alex_module** module, char* error, size_t error_size) {
    try {
        if (!api || !module) {
            write_error(error, error_size, "alex_module_create: api and module must not be NULL");
            return ALEX_ERR_INVALID_ARGUMENT;
        }
        *module = nullptr;
        if (ALEX_ABI_MAJOR(host_abi_version) != ALEX_ABI_VERSION_MAJOR) {
            write_error(error, error_size,
                        "ChainBot speaks ALEX ABI " + version_string(ALEX_ABI_VERSION) + ", the host speaks " +
                            version_string(host_abi_version) + ": major versions differ, refusing to load");
            return ALEX_ERR_INCOMPATIBLE;
        }
        constexpr std::size_t required = offsetof(alex_module_api, destroy) + sizeof(api_table.destroy);
        if (api->struct_size < required) {
            write_error(error, error_size,
                        "alex_module_create: the host's alex_module_api.struct_size " +
                            std::to_string(api->struct_size) + " is smaller than ABI 1.0's " +
                            std::to_string(required));
            return ALEX_ERR_INCOMPATIBLE;
        }
        // A newer host knows more members than we do: fill what we have and say how much.
        // An older (1.0) host's table is shorter: it gets the members it knows, nothing past them.
        const std::size_t n = std::min<std::size_t>(api->struct_size, sizeof api_table);
        std::memcpy(api, &api_table, n);
        api->struct_size = static_cast<uint32_t>(n);
        api->abi_version = ALEX_ABI_VERSION;
        *module = new alex_module();
        return ALEX_OK;
    } catch (const std::exception& e) {
        write_error(error, error_size, std::string("alex_module_create: ") + e.what());
        return ALEX_ERR_INTERNAL;
    } catch (...) {
        write_error(error, error_size, "alex_module_create: unknown exception");
        return ALEX_ERR_INTERNAL;
    }
}
