#pragma once
#include "hardware/hardware_service.hpp"
#include "http/router.hpp"

#include <memory>

namespace chainbot::api {

/// @brief The hardware routes and the permission each needs (enforced by the RBAC
/// route-permission table once it exists):
///
/// | method | path                      | permission      | body                                   |
/// |--------|---------------------------|-----------------|----------------------------------------|
/// | GET    | /api/chainbot/hardware    | chainbot:read   | hardware_service::to_json()            |
void add_hardware_routes(http::router& r, std::shared_ptr<hardware::hardware_service> hw);

}  // namespace chainbot::api
