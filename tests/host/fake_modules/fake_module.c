/*
 * A tiny ALEX OS module for the host's tests. One source, several libraries: the
 * behaviour under test is chosen by compile definitions.
 *
 *   FAKE_ABI_MAJOR, FAKE_ABI_MINOR  the version it reports (default 1.0). A 1.0 fake
 *                                   fills only the 1.0 table (no run_command); from 1.1
 *                                   on it offers the commands "ping" and "fail"
 *   FAKE_LENIENT                    accepts any host major (so the host must refuse)
 *   FAKE_EXTRA_MEMBER               its table has one more trailing function than the
 *                                   header's: a newer minor; it writes only what the
 *                                   host's table holds
 *   FAKE_OVERSIZE                   claims a struct_size larger than the host gave
 *   FAKE_CREATE_FAILS               alex_module_create fails with a message
 *
 * At run time, with host services: subscribes to "fake.ping" (answers "fake.pong"),
 * watches "fake." (rejects "fake.readonly", publishes "fake.config.changed" otherwise),
 * publishes "fake.module.started" {"config": <initialize JSON>} on start. initialize
 * fails when the config mentions "fail_initialize", start when it mentions "fail_start".
 */
#include "alex_module.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef FAKE_ABI_MAJOR
#define FAKE_ABI_MAJOR 1
#endif
#ifndef FAKE_ABI_MINOR
#define FAKE_ABI_MINOR 0
#endif

struct alex_module {
    const alex_host_services* services;
    char* config;
    const char* status;
    char last_error[256];
    uint64_t subscription;
    uint64_t watch;
};

/* The module's own view of the table: the header's table, plus a member of a future
 * minor when FAKE_EXTRA_MEMBER is set (built as 1.9: newer than the header). */
typedef struct fake_api {
    alex_module_api base;
#ifdef FAKE_EXTRA_MEMBER
    /* -- ABI 1.9 (fake) -- */
    int32_t (*reload)(alex_module* module);
#endif
} fake_api;

/* How much of fake_api this fake's version has: a 1.0 fake stops before run_command. */
#if FAKE_ABI_MAJOR == 1 && FAKE_ABI_MINOR == 0
#define FAKE_API_SIZE offsetof(alex_module_api, run_command)
#else
#define FAKE_API_SIZE sizeof(fake_api)
#endif

static int32_t fail(alex_module* m, int32_t status, const char* message) {
    snprintf(m->last_error, sizeof m->last_error, "%s", message);
    return status;
}

static int has_bus(const alex_host_services* s) {
    return ALEX_HAS_MEMBER(alex_host_services, s, unsubscribe) && s->publish && s->subscribe && s->unsubscribe;
}

static int has_config(const alex_host_services* s) {
    return ALEX_HAS_MEMBER(alex_host_services, s, config_unwatch) && s->config_watch && s->config_unwatch;
}

static void publish(alex_module* m, const char* topic, const char* json) {
    if (has_bus(m->services)) m->services->publish(m->services->host, topic, json);
}

static void on_ping(const char* topic, const char* json, void* user) {
    (void)topic;
    publish((alex_module*)user, "fake.pong", json);
}

static int32_t on_config(const char* key, const char* value_json, void* user) {
    char event[512];
    if (strcmp(key, "fake.readonly") == 0) return ALEX_ERR_CONFIG;
    snprintf(event, sizeof event, "{\"key\":\"%s\",\"value\":%s}", key, value_json);
    publish((alex_module*)user, "fake.config.changed", event);
    return ALEX_OK;
}

static int32_t fake_initialize(alex_module* m, const alex_host_services* services, const char* config_json) {
    if (!m) return ALEX_ERR_INVALID_ARGUMENT;
    if (!config_json) return fail(m, ALEX_ERR_INVALID_ARGUMENT, "fake: no config");
    if (strstr(config_json, "fail_initialize"))
        return fail(m, ALEX_ERR_CONFIG, "fake: initialize refused: fail_initialize is set");
    free(m->config);
    m->config = malloc(strlen(config_json) + 1);
    if (!m->config) return fail(m, ALEX_ERR_INTERNAL, "fake: out of memory");
    strcpy(m->config, config_json);
    m->services = services;
    if (has_bus(services)) services->subscribe(services->host, "fake.ping", on_ping, m, &m->subscription);
    if (has_config(services)) services->config_watch(services->host, "fake.", on_config, m, &m->watch);
    if (services && ALEX_HAS_MEMBER(alex_host_services, services, log) && services->log)
        services->log(services->host, ALEX_LOG_INFO, NULL, "fake initialized");
    m->last_error[0] = '\0';
    return ALEX_OK;
}

static int32_t fake_start(alex_module* m) {
    char* event;
    if (!m) return ALEX_ERR_INVALID_ARGUMENT;
    if (!m->config) return fail(m, ALEX_ERR_STATE, "fake: start before initialize");
    if (strstr(m->config, "fail_start")) return fail(m, ALEX_ERR_RUNTIME, "fake: cannot start: fail_start is set");
    m->status = "running";
    event = malloc(strlen(m->config) + 16);
    if (event) {
        sprintf(event, "{\"config\":%s}", m->config);
        publish(m, "fake.module.started", event);
        free(event);
    }
    return ALEX_OK;
}

static int32_t fake_stop(alex_module* m) {
    if (!m) return ALEX_ERR_INVALID_ARGUMENT;
    if (strcmp(m->status, "running") != 0) return fail(m, ALEX_ERR_STATE, "fake: stop while not running");
    m->status = "stopped";
    publish(m, "fake.module.stopped", "{}");
    return ALEX_OK;
}

static int32_t fake_health_check(alex_module* m, double* score) {
    if (!m || !score) return ALEX_ERR_INVALID_ARGUMENT;
    *score = strcmp(m->status, "running") == 0 ? 1.0 : 0.0;
    return ALEX_OK;
}

static const char* fake_get_status(alex_module* m) { return m ? m->status : "error"; }

static int32_t fake_get_module_info(alex_module* m, char** json) {
    char text[256];
    if (!m || !json) return ALEX_ERR_INVALID_ARGUMENT;
    snprintf(text, sizeof text,
             "{\"id\":\"fake\",\"name\":\"Fake\",\"version\":\"1.2.3\",\"abi_version\":\"%d.%d\","
             "\"capabilities\":[\"ping\"],\"event_topics\":[\"fake.pong\",\"fake.module.started\"]}",
             FAKE_ABI_MAJOR, FAKE_ABI_MINOR);
    *json = malloc(strlen(text) + 1);
    if (!*json) return fail(m, ALEX_ERR_INTERNAL, "fake: out of memory");
    strcpy(*json, text);
    return ALEX_OK;
}

static const char* fake_last_error(alex_module* m) { return m ? m->last_error : ""; }

static void fake_free_string(char* s) { free(s); }

static void fake_destroy(alex_module** module) {
    alex_module* m;
    if (!module || !*module) return;
    m = *module;
    if (strcmp(m->status, "running") == 0) fake_stop(m);
    if (m->subscription && has_bus(m->services)) m->services->unsubscribe(m->services->host, m->subscription);
    if (m->watch && has_config(m->services)) m->services->config_unwatch(m->services->host, m->watch);
    free(m->config);
    free(m);
    *module = NULL;
}

/* "ping" -> exit code 0, output "pong"; "fail" -> exit code 3 with an error text. */
static int32_t fake_run_command(alex_module* m, const char* command_json, char** result_json) {
    const char* text;
    if (!m || !command_json || !result_json) return ALEX_ERR_INVALID_ARGUMENT;
    *result_json = NULL;
    if (!m->config) return fail(m, ALEX_ERR_STATE, "fake: run_command before initialize");
    if (strstr(command_json, "\"command\":\"ping\""))
        text = "{\"exit_code\":0,\"output\":\"pong\\n\",\"error\":\"\"}";
    else if (strstr(command_json, "\"command\":\"fail\""))
        text = "{\"exit_code\":3,\"output\":\"\",\"error\":\"fake: failed on purpose\\n\"}";
    else
        return fail(m, ALEX_ERR_INVALID_ARGUMENT, "fake: unknown command; commands: ping, fail");
    *result_json = malloc(strlen(text) + 1);
    if (!*result_json) return fail(m, ALEX_ERR_INTERNAL, "fake: out of memory");
    strcpy(*result_json, text);
    return ALEX_OK;
}

#ifdef FAKE_EXTRA_MEMBER
static int32_t fake_reload(alex_module* m) { return m ? ALEX_OK : ALEX_ERR_INVALID_ARGUMENT; }
#endif

ALEX_MODULE_EXPORT int32_t alex_module_create(uint32_t host_abi_version, alex_module_api* api, alex_module** module,
                                              char* error, size_t error_size) {
    fake_api full;
    size_t written;
    alex_module* m;
#ifdef FAKE_CREATE_FAILS
    if (error && error_size) snprintf(error, error_size, "fake: cannot open /dev/fake0: no such device");
    return ALEX_ERR_RUNTIME;
#endif
#ifndef FAKE_LENIENT
    if (ALEX_ABI_MAJOR(host_abi_version) != FAKE_ABI_MAJOR) {
        if (error && error_size)
            snprintf(error, error_size, "fake module speaks ALEX ABI %d.%d, host speaks %u.%u", FAKE_ABI_MAJOR,
                     FAKE_ABI_MINOR, ALEX_ABI_MAJOR(host_abi_version), ALEX_ABI_MINOR(host_abi_version));
        return ALEX_ERR_INCOMPATIBLE;
    }
#else
    (void)host_abi_version;
#endif
    if (!api || !module || api->struct_size < offsetof(alex_module_api, destroy) + sizeof api->destroy) {
        if (error && error_size) snprintf(error, error_size, "fake: the host's alex_module_api is too small");
        return ALEX_ERR_INCOMPATIBLE;
    }
#ifdef FAKE_LENIENT
    {
        /* A host of another major must not call into this table, so it can never
         * destroy the instance: a static one keeps leak checkers quiet. */
        static alex_module lenient_instance;
        m = &lenient_instance;
    }
#else
    m = calloc(1, sizeof *m);
    if (!m) return ALEX_ERR_INTERNAL;
#endif
    m->status = "stopped";

    memset(&full, 0, sizeof full);
    full.base.abi_version = ALEX_MAKE_ABI_VERSION(FAKE_ABI_MAJOR, FAKE_ABI_MINOR);
    full.base.initialize = fake_initialize;
    full.base.start = fake_start;
    full.base.stop = fake_stop;
    full.base.health_check = fake_health_check;
    full.base.get_status = fake_get_status;
    full.base.get_module_info = fake_get_module_info;
    full.base.last_error = fake_last_error;
    full.base.free_string = fake_free_string;
    full.base.destroy = fake_destroy;
    full.base.run_command = fake_run_command; /* not written by a 1.0 fake: FAKE_API_SIZE */
#ifdef FAKE_EXTRA_MEMBER
    full.reload = fake_reload;
#endif
    /* Never write more than the host's table holds. */
    written = api->struct_size < FAKE_API_SIZE ? api->struct_size : FAKE_API_SIZE;
    full.base.struct_size = (uint32_t)written;
#ifdef FAKE_OVERSIZE
    full.base.struct_size = (uint32_t)(api->struct_size + 64);
#endif
    memcpy(api, &full, written);
    *module = m;
    return ALEX_OK;
}
