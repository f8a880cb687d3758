/*
 * alex_module.h - the ALEX OS module ABI.
 *
 * The only file a host needs to load an ALEX OS module (such as ChainBot's
 * libchainbot.so) with dlopen. Plain C99: fixed-width integers, const char*,
 * opaque handles and function pointers. No C++ type, exception or allocator
 * crosses this boundary.
 *
 * Compatibility rules (after SQLite's sqlite3_api_routines and Vulkan's layer
 * negotiation):
 *   - Every struct starts with `uint32_t struct_size; uint32_t abi_version;`
 *     and only ever grows at its end; members added by a later minor version
 *     sit under a comment naming that version.
 *   - The reader of a struct trusts only the first `struct_size` bytes; a
 *     member is present when ALEX_HAS_MEMBER(type, ptr, member) holds.
 *   - Major versions are incompatible: each side refuses the other's table
 *     when the majors differ, with a message that names both versions.
 *   - Strings the module hands out are freed with the module's `free_string`.
 *     Strings passed into a call are borrowed for the duration of that call.
 *
 * Lifecycle, driven by the host:
 *   alex_module_create -> initialize -> start -> stop -> (start ...) -> destroy
 *   `stop` is meaningful only after a successful `start`; `destroy` stops a
 *   running module first. Every entry point is safe to call with a null
 *   module handle (it returns ALEX_ERR_INVALID_ARGUMENT).
 *   Since ABI 1.1 a module may offer commands (`run_command`): the host calls
 *   them after `initialize` and without `start`, e.g. for `alex_os chainbot migrate`.
 *   Since ABI 1.2 a host may say whether an event would reach anyone
 *   (`has_subscribers`), so that a module makes no payload nobody receives.
 *
 * Example (error handling shortened):
 *
 *   alex_module_api api;
 *   alex_module* module = NULL;
 *   char err[256];
 *   alex_module_create_fn create = (alex_module_create_fn)dlsym(h, ALEX_MODULE_ENTRY_POINT);
 *   memset(&api, 0, sizeof api);
 *   api.struct_size = sizeof api;
 *   if (create(ALEX_ABI_VERSION, &api, &module, err, sizeof err) != ALEX_OK) { puts(err); }
 *   api.initialize(module, &services, "{\"api\":{\"port\":0}}");
 *   api.start(module);
 *   ...
 *   api.stop(module);
 *   api.destroy(&module);
 */
#ifndef ALEX_MODULE_H
#define ALEX_MODULE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Versions ---------------------------------------------------------- */

/** @brief ABI major version: a different major is refused by both sides. */
#define ALEX_ABI_VERSION_MAJOR 1u
/** @brief ABI minor version: grows when members are appended to a struct. */
#define ALEX_ABI_VERSION_MINOR 2u
/** @brief Packs a major and minor version into one uint32_t. */
#define ALEX_MAKE_ABI_VERSION(major, minor) ((uint32_t)(((major) << 16) | ((minor) & 0xffffu)))
/** @brief The major part of a packed version. */
#define ALEX_ABI_MAJOR(version) ((uint32_t)(version) >> 16)
/** @brief The minor part of a packed version. */
#define ALEX_ABI_MINOR(version) ((uint32_t)(version) & 0xffffu)
/** @brief The version this header describes. */
#define ALEX_ABI_VERSION ALEX_MAKE_ABI_VERSION(ALEX_ABI_VERSION_MAJOR, ALEX_ABI_VERSION_MINOR)

/** @brief True when the first struct_size bytes of *ptr contain `member`. */
#define ALEX_HAS_MEMBER(type, ptr, member) \
    ((ptr) != NULL && (size_t)(ptr)->struct_size >= offsetof(type, member) + sizeof(((type*)0)->member))

/** @brief The name of the one symbol a module exports. */
#define ALEX_MODULE_ENTRY_POINT "alex_module_create"

/* ---- Status codes ------------------------------------------------------ */

/** @brief Result of every ABI call; details through `last_error`. */
typedef enum alex_status {
    ALEX_OK = 0,
    ALEX_ERR_INVALID_ARGUMENT = 1, /**< null handle, bad pointer, malformed JSON argument */
    ALEX_ERR_INCOMPATIBLE = 2,     /**< ABI major version mismatch or a struct too small */
    ALEX_ERR_CONFIG = 3,           /**< configuration rejected; nothing was started */
    ALEX_ERR_STATE = 4,            /**< call not valid in the module's current state */
    ALEX_ERR_RUNTIME = 5,          /**< the operation failed (I/O, database, port in use...) */
    ALEX_ERR_INTERNAL = 6          /**< unexpected failure inside the module */
} alex_status;

/** @brief Log levels, shared by the log sink and the module's config. */
typedef enum alex_log_level {
    ALEX_LOG_DEBUG = 10,
    ALEX_LOG_INFO = 20,
    ALEX_LOG_WARNING = 30,
    ALEX_LOG_ERROR = 40,
    ALEX_LOG_CRITICAL = 50
} alex_log_level;

/* ---- Host services (host -> module) ------------------------------------ */

/**
 * @brief Receives one event from the host bus. `topic` and `json` are
 * borrowed for the duration of the call. Called on a host thread.
 */
typedef void (*alex_event_handler)(const char* topic, const char* json, void* user);

/**
 * @brief Receives a string value (a JSON document) from the host; the
 * pointer is borrowed for the duration of the call.
 */
typedef void (*alex_string_receiver)(const char* value, void* user);

/**
 * @brief Told of a runtime configuration change to `key` (dotted, e.g.
 * "chainbot.workflow.max_concurrent_executions"); `value_json` is the new
 * value as JSON. Return ALEX_OK to accept; any other status rejects the
 * change, and a host's `config_set` must then fail without applying it.
 */
typedef int32_t (*alex_config_watcher)(const char* key, const char* value_json, void* user);

/**
 * @brief The host's services, injected at `initialize`. Every callback gets
 * `host` back as its first argument. Any callback may be NULL: the module
 * then runs without that service (no event bus, no runtime config...).
 * The table must stay valid until the module is destroyed.
 */
typedef struct alex_host_services {
    uint32_t struct_size; /**< sizeof(alex_host_services) as the host knows it */
    uint32_t abi_version; /**< the host's ALEX_ABI_VERSION */
    void* host;           /**< opaque host context */

    /* -- ABI 1.0: event bus -- */
    /** @brief Publishes `json` under `topic`; must not block on subscribers. */
    int32_t (*publish)(void* host, const char* topic, const char* json);
    /** @brief Subscribes `handler` to topics matching `pattern` (glob: `*`
     * matches any run of characters, `?` one). Writes an id for unsubscribe. */
    int32_t (*subscribe)(void* host, const char* pattern, alex_event_handler handler, void* user,
                         uint64_t* subscription_id);
    /** @brief Cancels a subscription; no handler call starts after it returns. */
    int32_t (*unsubscribe)(void* host, uint64_t subscription_id);

    /* -- ABI 1.0: config manager -- */
    /** @brief Looks up `key`; calls `receiver` with its JSON value when it exists.
     * Returns ALEX_OK whether or not the key exists. */
    int32_t (*config_get)(void* host, const char* key, alex_string_receiver receiver, void* user);
    /** @brief Sets `key` to `value_json`; fails when a watcher rejects it. */
    int32_t (*config_set)(void* host, const char* key, const char* value_json);
    /** @brief Watches keys starting with `key_prefix`. Writes an id for unwatch. */
    int32_t (*config_watch)(void* host, const char* key_prefix, alex_config_watcher watcher, void* user,
                            uint64_t* watch_id);
    /** @brief Stops a watch; no watcher call starts after it returns. */
    int32_t (*config_unwatch)(void* host, uint64_t watch_id);

    /* -- ABI 1.0: log sink -- */
    /** @brief Writes one log line. `level` is an alex_log_level. */
    void (*log)(void* host, int32_t level, const char* component, const char* message);

    /* -- ABI 1.2: event bus -- */
    /** @brief 1 when an event published under `topic` now would reach at
     * least one subscriber, else 0. Advisory: a module may then skip building
     * and publishing the event; a subscriber added meanwhile misses it as if it
     * had subscribed a moment later. Called from any of the module's threads at
     * once, like `publish`; it must be cheap and must not block. A module checks for it with
     * ALEX_HAS_MEMBER(alex_host_services, services, has_subscribers); without
     * it (an ABI 1.0 or 1.1 host, or NULL) every event is published. */
    int32_t (*has_subscribers)(void* host, const char* topic);
} alex_host_services;

/* ---- The module (module -> host) --------------------------------------- */

/** @brief Opaque module instance; freed by `destroy`. */
typedef struct alex_module alex_module;

/**
 * @brief The module's function table, filled by alex_module_create.
 * The host zero-fills it and sets `struct_size` to the size it knows; the
 * module writes at most that many bytes and sets `struct_size` to what it
 * wrote and `abi_version` to its own version.
 */
typedef struct alex_module_api {
    uint32_t struct_size;
    uint32_t abi_version;

    /* -- ABI 1.0 -- */
    /** @brief Validates `config_json` and builds the module; starts nothing.
     * `services` may be NULL. On failure nothing is half-configured. */
    int32_t (*initialize)(alex_module* module, const alex_host_services* services, const char* config_json);
    /** @brief Starts threads, sockets and components. */
    int32_t (*start)(alex_module* module);
    /** @brief Stops gracefully; the module can be started again. */
    int32_t (*stop)(alex_module* module);
    /** @brief Writes the overall health score, 0.0 (down) to 1.0 (healthy). */
    int32_t (*health_check)(alex_module* module, double* score);
    /** @brief "running", "stopped" or "error"; a static string, never freed. */
    const char* (*get_status)(alex_module* module);
    /** @brief Writes a JSON document describing the module (id, name, version,
     * abi_version, capabilities, endpoints, event topics); free it with free_string. */
    int32_t (*get_module_info)(alex_module* module, char** json);
    /** @brief The message of the last failed call on this module on this
     * thread, or "" if none. Valid until the next call on the module. */
    const char* (*last_error)(alex_module* module);
    /** @brief Frees a string handed out by this module; NULL is ignored. */
    void (*free_string)(char* string);
    /** @brief Stops (if running) and frees the module; accepts NULL and
     * a pointer to NULL, and sets *module to NULL. */
    void (*destroy)(alex_module** module);

    /* -- ABI 1.1 -- */
    /**
     * @brief Runs one of the module's commands, such as a schema migration.
     * Call it after `initialize` (the module's configuration applies) and
     * without `start`; a running or uninitialized module answers ALEX_ERR_STATE.
     * `command_json` names the command and its arguments:
     *   {"command": "migrate", "args": ["--status"]}   ("args" may be left out)
     * By convention {"command": "help"} lists the module's commands.
     * On ALEX_OK, *result_json receives a document to free with free_string:
     *   {"exit_code": 0, "output": "text for stdout", "error": "text for stderr"}
     * ALEX_OK means the command ran, even when it reports a non-zero exit_code
     * (a database it could not reach, a schema newer than the module...).
     * An unknown command or malformed `command_json` gives
     * ALEX_ERR_INVALID_ARGUMENT, with `last_error` listing the module's
     * commands; *result_json is then NULL. A host checks for this member with
     * ALEX_HAS_MEMBER(alex_module_api, api, run_command): an ABI 1.0 module
     * has no commands.
     */
    int32_t (*run_command)(alex_module* module, const char* command_json, char** result_json);
} alex_module_api;

/**
 * @brief The module's one exported entry point.
 * @param host_abi_version the host's ALEX_ABI_VERSION.
 * @param api zero-filled by the host with `struct_size` set; filled by the module.
 * @param module receives the new instance.
 * @param error receives a NUL-terminated message on failure (may be NULL).
 * @param error_size size of `error` in bytes.
 * @return ALEX_OK, or ALEX_ERR_INCOMPATIBLE when the major versions differ
 *         or `api` is too small to hold the lifecycle functions.
 */
typedef int32_t (*alex_module_create_fn)(uint32_t host_abi_version, alex_module_api* api, alex_module** module,
                                         char* error, size_t error_size);

#if defined(_WIN32)
#define ALEX_MODULE_EXPORT __declspec(dllexport)
#else
#define ALEX_MODULE_EXPORT __attribute__((visibility("default")))
#endif

/** @brief Declared for modules; hosts resolve it with dlsym(ALEX_MODULE_ENTRY_POINT). */
ALEX_MODULE_EXPORT int32_t alex_module_create(uint32_t host_abi_version, alex_module_api* api,
                                              alex_module** module, char* error, size_t error_size);

#ifdef __cplusplus
}
#endif

#endif /* ALEX_MODULE_H */
