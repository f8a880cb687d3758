/* Compiled with -std=c99 -pedantic -Werror: the ABI header is plain C. */
#include "alex_module.h"

static int has_destroy(const alex_module_api* api) { return ALEX_HAS_MEMBER(alex_module_api, api, destroy); }

/* ABI 1.1: a 1.0-sized table has no run_command. */
static int has_run_command(const alex_module_api* api) { return ALEX_HAS_MEMBER(alex_module_api, api, run_command); }

/* ABI 1.2: a 1.1-sized services table has no has_subscribers. */
static int has_has_subscribers(const alex_host_services* s) { return ALEX_HAS_MEMBER(alex_host_services, s, has_subscribers); }

int alex_header_c99_check(void) {
    alex_module_api api = {0};
    int ok;
    api.struct_size = sizeof api;
    ok = has_destroy(&api) && has_run_command(&api) && ALEX_ABI_MAJOR(ALEX_ABI_VERSION) == ALEX_ABI_VERSION_MAJOR;
    alex_host_services services = {0};
    services.struct_size = sizeof services;
    ok = ok && has_has_subscribers(&services);
    services.struct_size = (uint32_t)offsetof(alex_host_services, has_subscribers);
    ok = ok && !has_has_subscribers(&services);
    api.struct_size = (uint32_t)offsetof(alex_module_api, run_command);
    return ok && has_destroy(&api) && !has_run_command(&api);
}
