#pragma once
#include "api/route_table.hpp"
#include "runtime/runtime.hpp"

#include <boost/json/object.hpp>

#include <functional>

namespace chainbot::api {

/// @brief GET /api/chainbot/health (public) and GET /api/chainbot/info (chainbot:read).
void add_system_routes(route_table& t, runtime& rt, std::function<boost::json::object()> module_info);

}  // namespace chainbot::api
