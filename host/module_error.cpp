#include "module_error.hpp"

#include <alex_module.h>

namespace alex_os {

std::string module_error::status_name(int32_t status) {
    switch (status) {
    case ALEX_OK: return "ALEX_OK";
    case ALEX_ERR_INVALID_ARGUMENT: return "ALEX_ERR_INVALID_ARGUMENT";
    case ALEX_ERR_INCOMPATIBLE: return "ALEX_ERR_INCOMPATIBLE";
    case ALEX_ERR_CONFIG: return "ALEX_ERR_CONFIG";
    case ALEX_ERR_STATE: return "ALEX_ERR_STATE";
    case ALEX_ERR_RUNTIME: return "ALEX_ERR_RUNTIME";
    case ALEX_ERR_INTERNAL: return "ALEX_ERR_INTERNAL";
    default: return "status " + std::to_string(status);
    }
}

}  // namespace alex_os
