#pragma once
// Adapts the host's C callbacks (alex_host_services) to the core's C++ interfaces.
// Every C callback is called with borrowed strings; nothing here lets an exception cross.

#include "alex_module.h"

#include <chainbot/host_services.hpp>

namespace chainbot::plugin {

/// @brief C++ services over the host's table. `services` must outlive them (the ABI
/// requires the table to stay valid until destroy); a member the table lacks
/// (short struct_size) or that is NULL leaves that service null.
host_services adapt_host_services(const alex_host_services& services);

}  // namespace chainbot::plugin
