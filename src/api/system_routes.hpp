#pragma once
#include "http/router.hpp"
#include "runtime/runtime.hpp"

#include <boost/json/object.hpp>

#include <functional>

namespace chainbot::api {

/// @brief GET /api/chainbot/health and GET /api/chainbot/info.
void add_system_routes(http::router& r, runtime& rt, std::function<boost::json::object()> module_info);

}  // namespace chainbot::api
