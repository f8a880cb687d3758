/* Compiled with -std=c99 -pedantic -Werror: the ABI header is plain C. */
#include "alex_module.h"

static int has_destroy(const alex_module_api* api) { return ALEX_HAS_MEMBER(alex_module_api, api, destroy); }

int alex_header_c99_check(void) {
    alex_module_api api = {0};
    api.struct_size = sizeof api;
    return has_destroy(&api) && ALEX_ABI_MAJOR(ALEX_ABI_VERSION) == ALEX_ABI_VERSION_MAJOR;
}
