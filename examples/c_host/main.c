/*
 * c_host_example: loads an ALEX OS module with dlopen and drives its lifecycle,
 * using nothing but abi/alex_module.h and libc. Prints what it sees.
 *
 *   c_host_example <path/to/libchainbot.so> [config JSON]
 *
 * Exit status 0 when every lifecycle step succeeded.
 */
#define _POSIX_C_SOURCE 200809L
#include "alex_module.h"

#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

static unsigned long events_seen = 0;

static int32_t host_publish(void* host, const char* topic, const char* json) {
    (void)host;
    ++events_seen;
    printf("event %s %s\n", topic, json);
    fflush(stdout);
    return ALEX_OK;
}

static void host_log(void* host, int32_t level, const char* component, const char* message) {
    (void)host;
    fprintf(stderr, "log %d [%s] %s\n", (int)level, component, message);
}

static int check(const alex_module_api* api, alex_module* module, int32_t rc, const char* step) {
    if (rc == ALEX_OK) {
        printf("%s ok\n", step);
        return 1;
    }
    fprintf(stderr, "%s failed (%d): %s\n", step, (int)rc, api->last_error(module));
    return 0;
}

int main(int argc, char** argv) {
    const char* config = argc > 2 ? argv[2] : "{\"api\": {\"port\": 0}}";
    void* library;
    union {
        void* object;
        alex_module_create_fn fn;
    } create; /* dlsym returns void*; the union converts it without a pedantic warning */
    alex_module_api api;
    alex_host_services services;
    alex_module* module = NULL;
    char error[512];
    char* info = NULL;
    double score = -1.0;
    int ok = 1;

    if (argc < 2) {
        fprintf(stderr, "usage: %s <module.so> [config JSON]\n", argv[0]);
        return 2;
    }
    library = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
    if (!library) {
        fprintf(stderr, "dlopen: %s\n", dlerror());
        return 1;
    }
    create.object = dlsym(library, ALEX_MODULE_ENTRY_POINT);
    if (!create.object) {
        fprintf(stderr, "dlsym: %s\n", dlerror());
        dlclose(library);
        return 1;
    }

    memset(&api, 0, sizeof api);
    api.struct_size = sizeof api;
    if (create.fn(ALEX_ABI_VERSION, &api, &module, error, sizeof error) != ALEX_OK) {
        fprintf(stderr, "alex_module_create: %s\n", error);
        dlclose(library);
        return 1;
    }
    printf("module abi %u.%u, table %u bytes\n", (unsigned)ALEX_ABI_MAJOR(api.abi_version),
           (unsigned)ALEX_ABI_MINOR(api.abi_version), (unsigned)api.struct_size);

    memset(&services, 0, sizeof services);
    services.struct_size = sizeof services;
    services.abi_version = ALEX_ABI_VERSION;
    services.publish = host_publish;
    services.log = host_log;

    ok = ok && check(&api, module, api.initialize(module, &services, config), "initialize");
    printf("status %s\n", api.get_status(module));
    ok = ok && check(&api, module, api.start(module), "start");
    printf("status %s\n", api.get_status(module));
    ok = ok && check(&api, module, api.health_check(module, &score), "health_check");
    printf("health %.2f\n", score);
    ok = ok && check(&api, module, api.get_module_info(module, &info), "get_module_info");
    if (info) {
        printf("info %s\n", info);
        api.free_string(info);
    }
    ok = ok && check(&api, module, api.stop(module), "stop");
    printf("status %s\n", api.get_status(module));
    api.destroy(&module);
    printf("destroyed %s, %lu events\n", module == NULL ? "yes" : "no", events_seen);
    dlclose(library);
    return ok && module == NULL ? 0 : 1;
}
