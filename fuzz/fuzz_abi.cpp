// Fuzz target: the C ABI (abi/alex_module.h) fed odd arguments, the way a careless or older
// or newer host would call it: wrong ABI versions, short or long struct_size, null pointers,
// tiny error buffers, host service tables cut anywhere, calls out of order.
//
// The entry point is linked directly (the replay test, tests/fuzz/, links plugin/ and the
// core) or, under libFuzzer (fuzz/CMakeLists.txt: CHAINBOT_FUZZ_ABI_DLOPEN), taken with
// dlopen from a built libchainbot.so: $CHAINBOT_FUZZ_PLUGIN, else the path the build was
// configured with (the normal build's build/bin/modules/chainbot/libchainbot.so). The core
// does not build with clang 14, hence the plugin of the normal (gcc) build there.
//
// Every module this harness starts is confined: its data dir and SQLite store are in a
// scratch folder, its API listens on 127.0.0.1 with port 0, and fuzzed configurations only
// touch keys without side effects (no URL, file, host or port). Raw fuzz bytes reach
// initialize only when they are not a JSON object (they must then be refused), and a module
// initialized without a confined configuration (NULL config, built-in defaults) is never
// started nor given commands.
//
// Input: a sequence of choices (see the reads below).
//
// Invariants:
//  - alex_module_create refuses a NULL api or module pointer (INVALID_ARGUMENT), another
//    major version or a table shorter than ABI 1.0's (INCOMPATIBLE, *module NULL), writes a
//    NUL-terminated message into the error buffer without overflowing it, and on success
//    writes at most struct_size bytes, says how many, and fills every member it covers;
//  - every entry point answers a NULL module with INVALID_ARGUMENT (get_status: "error");
//  - every status is one of alex_status; a failed call leaves a last_error message, a
//    successful one an empty last_error;
//  - the lifecycle holds: start needs initialize, not twice; initialize and run_command are
//    refused while running; stop is always OK; health is 0 unless running, in [0, 1];
//    get_status follows the lifecycle; module info and command results are JSON;
//  - destroy sets the handle to NULL.
#include "fuzz_support.hpp"

#include "alex_module.h"

#include <boost/json/object.hpp>

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <unistd.h>

#if defined(CHAINBOT_FUZZ_ABI_DLOPEN)
#include <dlfcn.h>
#endif

namespace {

namespace json = boost::json;
namespace fs = std::filesystem;

alex_module_create_fn create_fn = nullptr;
fs::path scratch;

// ---- a host that answers every service call ------------------------------------------
std::atomic<std::uint64_t> next_id{1};
std::atomic<std::uint64_t> host_calls{0};

int32_t h_publish(void*, const char* topic, const char* json_text) {
    FUZZ_CHECK(topic && json_text, "publish with a NULL string");
    ++host_calls;
    return ALEX_OK;
}
int32_t h_subscribe(void*, const char* pattern, alex_event_handler handler, void*, uint64_t* id) {
    FUZZ_CHECK(pattern && handler && id, "subscribe with a NULL argument");
    *id = next_id++;
    return ALEX_OK;
}
int32_t h_unsubscribe(void*, uint64_t) { return ALEX_OK; }
int32_t h_config_get(void*, const char* key, alex_string_receiver receiver, void* user) {
    FUZZ_CHECK(key && receiver, "config_get with a NULL argument");
    ++host_calls;
    if (std::string_view(key).ends_with("log_level")) receiver("\"INFO\"", user);
    return ALEX_OK;
}
int32_t h_config_set(void*, const char* key, const char* value) {
    FUZZ_CHECK(key && value, "config_set with a NULL argument");
    return ALEX_OK;
}
int32_t h_config_watch(void*, const char* prefix, alex_config_watcher watcher, void*, uint64_t* id) {
    FUZZ_CHECK(prefix && watcher && id, "config_watch with a NULL argument");
    *id = next_id++;
    return ALEX_OK;
}
int32_t h_config_unwatch(void*, uint64_t) { return ALEX_OK; }
// ABI 1.2: says "nobody" to every other topic, by its length.
int32_t h_has_subscribers(void*, const char* topic) {
    FUZZ_CHECK(topic, "has_subscribers with a NULL topic");
    ++host_calls;
    return static_cast<int32_t>(std::strlen(topic) % 2);
}

void h_log(void*, int32_t level, const char* component, const char* message) {
    FUZZ_CHECK(component && message, "log with a NULL string");
    FUZZ_CHECK(level >= ALEX_LOG_DEBUG && level <= ALEX_LOG_CRITICAL, "log with an unknown level");
    ++host_calls;
}

const uint32_t versions[] = {ALEX_ABI_VERSION,           ALEX_MAKE_ABI_VERSION(1, 0), ALEX_MAKE_ABI_VERSION(1, 7),
                             ALEX_MAKE_ABI_VERSION(0, 9), ALEX_MAKE_ABI_VERSION(2, 0), 0xffffffffu};

uint32_t pick_version(chainbot::fuzz::input& in) {
    const auto i = in.pick(std::size(versions) + 1);
    return i < std::size(versions) ? versions[i] : in.u32();
}

// A host services table of exactly `size` bytes (at least the two header fields), filled
// with what the host "knows" of it: members cut by the size are cut in memory too.
struct services_table {
    unsigned char* bytes = nullptr;
    ~services_table() { std::free(bytes); }
    const alex_host_services* get() const { return reinterpret_cast<const alex_host_services*>(bytes); }
};

void make_services(chainbot::fuzz::input& in, services_table& t) {
    const std::size_t sizes[] = {sizeof(alex_host_services), offsetof(alex_host_services, publish),
                                 offsetof(alex_host_services, config_get), offsetof(alex_host_services, log),
                                 offsetof(alex_host_services, has_subscribers), sizeof(alex_host_services) + 16};
    const auto choice = in.pick(std::size(sizes) + 1);
    const std::size_t size = choice < std::size(sizes) ? sizes[choice] : in.byte() % (sizeof(alex_host_services) + 24);
    const uint16_t present = in.u16();  // which callbacks the host offers
    alex_host_services full{};
    full.struct_size = static_cast<uint32_t>(size);
    full.abi_version = in.flag() ? ALEX_ABI_VERSION : pick_version(in);
    full.host = &full;  // opaque to the module
    if (present & 1) full.publish = h_publish;
    if (present & 2) full.subscribe = h_subscribe;
    if (present & 4) full.unsubscribe = h_unsubscribe;
    if (present & 8) full.config_get = h_config_get;
    if (present & 16) full.config_set = h_config_set;
    if (present & 32) full.config_watch = h_config_watch;
    if (present & 64) full.config_unwatch = h_config_unwatch;
    if (present & 128) full.log = h_log;
    if (present & 256) full.has_subscribers = h_has_subscribers;
    const std::size_t allocated = std::max<std::size_t>(size, 8);
    t.bytes = static_cast<unsigned char*>(std::calloc(allocated, 1));
    std::memcpy(t.bytes, &full, std::min(allocated, sizeof full));
    if (allocated > sizeof full) std::memset(t.bytes + sizeof full, 0xA5, allocated - sizeof full);  // a newer host's members
}

// ---- configurations -----------------------------------------------------------------
// Keys whose values may be fuzzed: none names a file, URL, host or port.
const char* const free_keys[][2] = {
    {"database", "pool_size"},          {"database", "max_overflow"},           {"workflow", "max_concurrent_executions"},
    {"workflow", "max_queued_executions"}, {"workflow", "default_timeout_hours"}, {"workflow", "retry_attempts"},
    {"cluster", "heartbeat_seconds"},   {"cluster", "lease_seconds"},           {"agents", "types"},
    {"agents", "max_total_instances"},  {"agents", "mailbox_capacity"},         {"raspberry_pi", "sample_interval_seconds"},
    {"raspberry_pi", "gpio_allowed_pins"}, {"api", "ws_send_queue"},            {"api", "ws_ping_interval_seconds"},
    {"security", "failed_auth_limit_per_minute"}, {"security", "audit_masked_fields"}, {"resources", "max_memory_mb"},
    {"resources", "max_cpu_percent"},   {"resources", "definition_cache_size"}, {"logging", "level"},
    {"workflow", "no_such_key"},        {"no_such_section", "key"},
};

json::value fuzzed_value(chainbot::fuzz::input& in) {
    switch (in.pick(9)) {
        case 0: return static_cast<std::int64_t>(static_cast<std::int32_t>(in.u32()));
        case 1: return in.byte();
        case 2: return static_cast<double>(static_cast<std::int32_t>(in.u32())) / 7.0;
        case 3: return in.flag();
        case 4: return json::string(in.bytes(in.byte() % 32));
        case 5: return json::array{"data_processor", json::string(in.bytes(in.byte() % 16))};
        case 6: return json::array{in.byte(), -1};
        case 7: return nullptr;
        default: return json::object{{"nested", in.byte()}};
    }
}

json::object confined_config(std::size_t slot) {
    const auto dir = scratch / ("m" + std::to_string(slot));
    return json::object{
        {"module", {{"data_dir", dir.string()}}},
        {"database", {{"url", "sqlite://" + (dir / "chainbot.db").string()}}},
        {"api", {{"host", "127.0.0.1"}, {"port", 0}}},
        {"logging", {{"level", "ERROR"}}},
        {"raspberry_pi", {{"enable_gpio_integration", false}}},
    };
}

enum class config_kind { confined, fuzzed_confined, refused, unconfined };

struct config_choice {
    config_kind kind;
    std::string text;  // empty with null_pointer
    bool null_pointer = false;
};

config_choice make_config(chainbot::fuzz::input& in) {
    switch (in.pick(5)) {
        case 0:
        case 1: return {config_kind::confined, json::serialize(confined_config(in.pick(2)))};
        case 2: {
            auto c = confined_config(in.pick(2));
            for (int n = 1 + in.pick(3); n > 0; --n) {
                const auto& [section, key] = free_keys[in.pick(std::size(free_keys))];
                auto& s = c[section];
                if (!s.is_object()) s = json::object{};
                s.as_object()[key] = fuzzed_value(in);
            }
            return {config_kind::fuzzed_confined, json::serialize(c)};
        }
        case 3: {
            // Raw bytes, only when they are not a JSON object: initialize must refuse them.
            std::string text(in.bytes(in.byte()));
            text.resize(std::min(text.size(), text.find('\0')));   // what the module sees of a C string
            if (text.empty()) return {config_kind::unconfined, ""};  // "" means the built-in defaults
            json::value v;
            if (chainbot::fuzz::is_json(text, &v) && v.is_object()) text = "[" + text;
            return {config_kind::refused, text};
        }
        default:
            // NULL or "": the built-in defaults (data/ under the working directory, port 8000):
            // accepted, and never started here.
            return {config_kind::unconfined, "", in.flag()};
    }
}

// ---- the module model --------------------------------------------------------------
enum class life { created, initialized, running, failed };

struct model {
    alex_module_api* api = nullptr;
    alex_module* module = nullptr;
    life state = life::created;
    bool confined = false;  // initialized with a confined configuration: may start, may run commands
    bool destroyed = false;
};

bool has(const alex_module_api* api, std::size_t member_end) { return api->struct_size >= member_end; }
#define HAS(api, member) has(api, offsetof(alex_module_api, member) + sizeof(((alex_module_api*)0)->member))

void check_status(int32_t rc, const char* call) {
    FUZZ_CHECK(rc >= ALEX_OK && rc <= ALEX_ERR_INTERNAL, std::string(call) + " returned an unknown status " + std::to_string(rc));
}

void check_error_state(model& m, int32_t rc, const char* call) {
    check_status(rc, call);
    const char* err = m.api->last_error(m.module);
    FUZZ_CHECK(err != nullptr, std::string(call) + ": last_error returned NULL");
    if (rc == ALEX_OK) FUZZ_CHECK(err[0] == '\0', std::string(call) + " succeeded but last_error says: " + err);
    else FUZZ_CHECK(err[0] != '\0', std::string(call) + " failed (" + std::to_string(rc) + ") without a last_error");
}

void check_null_handle(const alex_module_api* api, chainbot::fuzz::input& in) {
    double score = -1;
    char* out = reinterpret_cast<char*>(&score);  // must be reset to NULL, never freed
    switch (in.pick(7)) {
        case 0: FUZZ_CHECK(api->initialize(nullptr, nullptr, "{}") == ALEX_ERR_INVALID_ARGUMENT, "initialize(NULL)"); break;
        case 1: FUZZ_CHECK(api->start(nullptr) == ALEX_ERR_INVALID_ARGUMENT, "start(NULL)"); break;
        case 2: FUZZ_CHECK(api->stop(nullptr) == ALEX_ERR_INVALID_ARGUMENT, "stop(NULL)"); break;
        case 3: FUZZ_CHECK(api->health_check(nullptr, in.flag() ? &score : nullptr) == ALEX_ERR_INVALID_ARGUMENT, "health_check(NULL)"); break;
        case 4: FUZZ_CHECK(std::string_view(api->get_status(nullptr)) == "error", "get_status(NULL)"); break;
        case 5:
            FUZZ_CHECK(api->get_module_info(nullptr, in.flag() ? &out : nullptr) == ALEX_ERR_INVALID_ARGUMENT, "get_module_info(NULL)");
            break;
        default:
            if (HAS(api, run_command))
                FUZZ_CHECK(api->run_command(nullptr, in.flag() ? "{\"command\":\"help\"}" : nullptr, in.flag() ? &out : nullptr) ==
                               ALEX_ERR_INVALID_ARGUMENT,
                           "run_command(NULL)");
    }
    FUZZ_CHECK(api->last_error(nullptr) && api->last_error(nullptr)[0] != '\0', "no last_error for a NULL handle");
    api->free_string(nullptr);
    alex_module* none = nullptr;
    api->destroy(nullptr);
    api->destroy(&none);
}

void op_initialize(model& m, chainbot::fuzz::input& in) {
    services_table services;
    const bool with_services = in.flag();
    if (with_services) make_services(in, services);
    const auto config = make_config(in);
    const char* text = config.null_pointer ? nullptr : config.text.c_str();
    const int32_t rc = m.api->initialize(m.module, with_services ? services.get() : nullptr, text);
    check_error_state(m, rc, "initialize");
    bool services_ok = true;
    if (with_services) {
        const auto* s = services.get();
        services_ok = ALEX_ABI_MAJOR(s->abi_version) == ALEX_ABI_VERSION_MAJOR &&
                      s->struct_size >= offsetof(alex_host_services, host) + sizeof(void*);
    }
    if (m.state == life::running) {
        // The adapter checks the services table before the module checks its state.
        FUZZ_CHECK(rc == ALEX_ERR_STATE || (!services_ok && rc == ALEX_ERR_CONFIG),
                   "initialize while running gave " + std::to_string(rc));
        return;
    }
    if (!services_ok || config.kind == config_kind::refused) {
        FUZZ_CHECK(rc == ALEX_ERR_CONFIG, "initialize with bad services or a non-object config gave " + std::to_string(rc));
        return;  // nothing changed: the previous configuration (if any) stays
    }
    if (config.kind == config_kind::fuzzed_confined) {
        FUZZ_CHECK(rc == ALEX_OK || rc == ALEX_ERR_CONFIG, "initialize with a fuzzed config gave " + std::to_string(rc));
    } else {
        FUZZ_CHECK(rc == ALEX_OK, "initialize with a good config failed: " + std::string(m.api->last_error(m.module)));
    }
    if (rc != ALEX_OK) return;
    m.state = life::initialized;
    m.confined = config.kind == config_kind::confined || config.kind == config_kind::fuzzed_confined;
}

void op_start(model& m) {
    if (m.state != life::created && m.state != life::running && !m.confined) return;  // never start an unconfined module
    const int32_t rc = m.api->start(m.module);
    check_error_state(m, rc, "start");
    if (m.state == life::created) {
        FUZZ_CHECK(rc == ALEX_ERR_STATE, "start before initialize gave " + std::to_string(rc));
    } else if (m.state == life::running) {
        FUZZ_CHECK(rc == ALEX_ERR_STATE, "start while running gave " + std::to_string(rc));
    } else {
        FUZZ_CHECK(rc == ALEX_OK || rc == ALEX_ERR_RUNTIME, "start gave " + std::to_string(rc));
        m.state = rc == ALEX_OK ? life::running : life::failed;
    }
}

void op_stop(model& m) {
    const int32_t rc = m.api->stop(m.module);
    check_error_state(m, rc, "stop");
    FUZZ_CHECK(rc == ALEX_OK, "stop failed: " + std::string(m.api->last_error(m.module)));
    if (m.state == life::running) m.state = life::initialized;
}

void op_inspect(model& m, chainbot::fuzz::input& in) {
    const std::string_view status = m.api->get_status(m.module);
    FUZZ_CHECK(status == "running" || status == "stopped" || status == "error", "get_status gave " + std::string(status));
    FUZZ_CHECK((status == "running") == (m.state == life::running), "get_status says " + std::string(status));
    if (m.state == life::failed) FUZZ_CHECK(status == "error", "a module whose start failed says " + std::string(status));

    double score = -1;
    int32_t rc = m.api->health_check(m.module, in.flag() ? &score : nullptr);
    check_status(rc, "health_check");
    if (rc == ALEX_OK) {
        FUZZ_CHECK(score >= 0.0 && score <= 1.0, "health score out of [0, 1]");
        if (m.state != life::running) FUZZ_CHECK(score == 0.0, "a module that is not running reports health");
    } else {
        FUZZ_CHECK(rc == ALEX_ERR_INVALID_ARGUMENT, "health_check with a NULL score gave " + std::to_string(rc));
    }

    char* info = reinterpret_cast<char*>(&score);
    const bool out = in.flag();
    rc = m.api->get_module_info(m.module, out ? &info : nullptr);
    check_status(rc, "get_module_info");
    if (!out) {
        FUZZ_CHECK(rc == ALEX_ERR_INVALID_ARGUMENT, "get_module_info(NULL out) gave " + std::to_string(rc));
        return;
    }
    FUZZ_CHECK(rc == ALEX_OK && info != nullptr, "get_module_info failed");
    json::value doc;
    FUZZ_CHECK(chainbot::fuzz::is_json(info, &doc) && doc.is_object(), std::string("module info is not a JSON object: ") + info);
    m.api->free_string(info);
}

void op_command(model& m, chainbot::fuzz::input& in) {
    if (!HAS(m.api, run_command)) return;  // an ABI 1.0-sized table has no commands
    if (m.state != life::created && !m.confined) return;
    static const char* const commands[] = {
        R"({"command": "help"})", R"({"command": "migrate", "args": ["--status"]})", R"({"command": "migrate"})",
        R"({"command": "user", "args": ["list"]})", R"({"command": "token", "args": ["list"]})",
        R"({"command": "nope"})", R"({"command": 1})", R"({"command": "help", "args": "x"})", "[", ""};
    std::string text;
    const bool null_json = in.pick(8) == 0;
    const auto c = in.pick(std::size(commands) + 1);
    text = c < std::size(commands) ? commands[c] : std::string(in.bytes(in.byte()));
    char* sentinel = reinterpret_cast<char*>(&text);
    char* result = sentinel;
    const bool out = in.pick(8) != 0;
    const int32_t rc = m.api->run_command(m.module, null_json ? nullptr : text.c_str(), out ? &result : nullptr);
    check_error_state(m, rc, "run_command");
    if (!out || null_json) {
        FUZZ_CHECK(rc == ALEX_ERR_INVALID_ARGUMENT, "run_command with a NULL argument gave " + std::to_string(rc));
    } else if (m.state == life::created || m.state == life::running) {
        FUZZ_CHECK(rc == ALEX_ERR_STATE || rc == ALEX_ERR_INVALID_ARGUMENT,
                   "run_command on an uninitialized or running module gave " + std::to_string(rc));
    } else {
        FUZZ_CHECK(rc == ALEX_OK || rc == ALEX_ERR_INVALID_ARGUMENT, "run_command gave " + std::to_string(rc));
    }
    if (!out) return;
    if (rc != ALEX_OK) {
        FUZZ_CHECK(result == nullptr, "a failed run_command left a result");
        return;
    }
    json::value doc;
    FUZZ_CHECK(result && chainbot::fuzz::is_json(result, &doc) && doc.is_object(), "a command result that is not JSON");
    const auto& o = doc.as_object();
    FUZZ_CHECK(o.contains("exit_code") && o.at("exit_code").is_int64() && o.contains("output") && o.at("output").is_string() &&
                   o.contains("error") && o.at("error").is_string(),
               std::string("a command result without exit_code, output and error: ") + result);
    m.api->free_string(result);
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
#if defined(CHAINBOT_FUZZ_ABI_DLOPEN)
    const char* path = std::getenv("CHAINBOT_FUZZ_PLUGIN");
    if (!path || !*path) path = CHAINBOT_FUZZ_ABI_PLUGIN;
    void* handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!handle) {
        std::fprintf(stderr, "fuzz_abi: cannot load %s: %s (build it: scripts/build.sh chainbot, or set CHAINBOT_FUZZ_PLUGIN)\n",
                     path, dlerror());
        std::exit(2);
    }
    create_fn = reinterpret_cast<alex_module_create_fn>(dlsym(handle, ALEX_MODULE_ENTRY_POINT));
#else
    create_fn = &alex_module_create;
#endif
    if (!create_fn) {
        std::fprintf(stderr, "fuzz_abi: no %s\n", ALEX_MODULE_ENTRY_POINT);
        std::exit(2);
    }
    // Under $CHAINBOT_FUZZ_SCRATCH when given (scripts/fuzz.sh's work folder, removed even when
    // a crash skips the atexit below), else under /tmp.
    const char* parent = std::getenv("CHAINBOT_FUZZ_SCRATCH");
    std::string dir = std::string(parent && *parent ? parent : "/tmp") + "/chainbot-fuzz-abi-XXXXXX";
    if (!mkdtemp(dir.data())) {
        std::perror("fuzz_abi: mkdtemp");
        std::exit(2);
    }
    scratch = dir;
    std::atexit([] {
        std::error_code ec;
        fs::remove_all(scratch, ec);
    });
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (!create_fn) LLVMFuzzerInitialize(nullptr, nullptr);
    chainbot::fuzz::input in(data, size);

    // alex_module_create with odd arguments.
    const uint32_t host_version = in.flag() ? ALEX_ABI_VERSION : pick_version(in);
    const std::size_t api_sizes[] = {sizeof(alex_module_api), offsetof(alex_module_api, run_command),
                                     offsetof(alex_module_api, destroy) + sizeof(void*), offsetof(alex_module_api, destroy),
                                     sizeof(alex_module_api) + 32, 8, 0};
    const auto size_choice = in.pick(std::size(api_sizes) + 1);
    const std::size_t api_size = size_choice < std::size(api_sizes) ? api_sizes[size_choice] : in.byte();
    const bool null_api = in.pick(16) == 0, null_module = in.pick(16) == 0, null_error = in.pick(8) == 0;
    const std::size_t error_size = std::size_t{1} << in.pick(10);  // 1 .. 512
    const std::size_t api_alloc = std::max<std::size_t>(api_size, 8);
    auto* api_bytes = static_cast<unsigned char*>(std::calloc(api_alloc, 1));
    reinterpret_cast<alex_module_api*>(api_bytes)->struct_size = static_cast<uint32_t>(api_size);
    auto* error = null_error ? nullptr : static_cast<char*>(std::malloc(error_size));
    if (error) std::memset(error, 'X', error_size);
    alex_module* module = reinterpret_cast<alex_module*>(api_bytes);  // garbage the call must overwrite

    const int32_t rc = create_fn(host_version, null_api ? nullptr : reinterpret_cast<alex_module_api*>(api_bytes),
                                 null_module ? nullptr : &module, error, null_error ? 0 : error_size);
    check_status(rc, "alex_module_create");
    constexpr std::size_t required = offsetof(alex_module_api, destroy) + sizeof(void*);
    if (null_api || null_module) {
        FUZZ_CHECK(rc == ALEX_ERR_INVALID_ARGUMENT, "create with a NULL api or module gave " + std::to_string(rc));
    } else if (ALEX_ABI_MAJOR(host_version) != ALEX_ABI_VERSION_MAJOR || api_size < required) {
        FUZZ_CHECK(rc == ALEX_ERR_INCOMPATIBLE, "create with another major or a short table gave " + std::to_string(rc));
        FUZZ_CHECK(module == nullptr, "a refused create left a module");
    } else {
        FUZZ_CHECK(rc == ALEX_OK, "create failed: " + std::string(error ? std::string_view(error, strnlen(error, error_size)) : ""));
    }
    if (rc != ALEX_OK && error) {
        FUZZ_CHECK(std::memchr(error, '\0', error_size) != nullptr, "the error buffer is not NUL-terminated");
        if (error_size > 1) FUZZ_CHECK(error[0] != '\0', "an empty error message");
    }
    std::free(error);
    if (rc != ALEX_OK) {
        std::free(api_bytes);
        return 0;
    }

    auto* api = reinterpret_cast<alex_module_api*>(api_bytes);
    FUZZ_CHECK(module != nullptr, "create succeeded without a module");
    FUZZ_CHECK(api->struct_size == std::min(api_size, sizeof(alex_module_api)), "create says it wrote " + std::to_string(api->struct_size));
    FUZZ_CHECK(api->abi_version == ALEX_ABI_VERSION, "the module's abi_version");
    FUZZ_CHECK(api->initialize && api->start && api->stop && api->health_check && api->get_status && api->get_module_info &&
                   api->last_error && api->free_string && api->destroy,
               "a lifecycle member is NULL");
    if (api_size >= offsetof(alex_module_api, run_command) + sizeof(void*)) FUZZ_CHECK(api->run_command, "run_command is NULL");
    for (std::size_t i = api->struct_size; i < api_alloc; ++i) FUZZ_CHECK(api_bytes[i] == 0, "create wrote past struct_size");

    // Calls in the order the input gives.
    model m{api, module};
    for (int n = 0; n < 10 && !in.empty() && !m.destroyed; ++n) {
        switch (in.pick(9)) {
            case 0:
            case 1: op_initialize(m, in); break;
            case 2: op_start(m); break;
            case 3: op_stop(m); break;
            case 4: op_inspect(m, in); break;
            case 5: op_command(m, in); break;
            case 6: check_null_handle(api, in); break;
            case 7: FUZZ_CHECK(m.api->last_error(m.module) != nullptr, "last_error returned NULL"); break;
            default:
                if (in.flag()) {
                    api->destroy(&m.module);
                    FUZZ_CHECK(m.module == nullptr, "destroy did not set the handle to NULL");
                    m.destroyed = true;
                }
        }
    }
    if (!m.destroyed) {
        api->destroy(&m.module);
        FUZZ_CHECK(m.module == nullptr, "destroy did not set the handle to NULL");
    }
    std::free(api_bytes);
    return 0;
}
