#pragma once
/// @file admin_routes.hpp
/// @brief The administration API, every route needing chainbot:admin:
///
/// | route                                        | does                                   |
/// |----------------------------------------------|----------------------------------------|
/// | GET    /api/chainbot/admin/users             | users with their roles (paginated)     |
/// | POST   /api/chainbot/admin/users             | create {name, display_name?, roles?}   |
/// | PUT    /api/chainbot/admin/users/{id}/roles  | set the user's roles {roles: [...]}    |
/// | POST   /api/chainbot/admin/users/{id}/tokens | issue {name?, expires_in_seconds?}: the secret, once |
/// | GET    /api/chainbot/admin/tokens            | tokens (?user_id=), never their hashes |
/// | DELETE /api/chainbot/admin/tokens/{id}       | revoke; refused at once afterwards     |
/// | GET    /api/chainbot/admin/roles             | roles and their permissions            |
/// | PUT    /api/chainbot/admin/roles/{name}      | create or replace {permissions, description?} |
/// | GET    /api/chainbot/audit                   | the audit trail (audit/audit_routes.hpp) |
///
/// Handlers are blocking (store calls): run them on the blocking pool (api::run_blocking).
/// They throw http::http_error (400 validation_error / invalid_json / invalid_parameter)
/// and the store's errors (404, 409, 503), which the API's error mapping answers.
/// Every change is recorded in the audit trail, refused ones too (success false).

#include "security/authenticator.hpp"

#include "audit/audit_trail.hpp"
#include "http/message.hpp"

#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace chainbot::security {

struct admin_route {
    std::string method;
    std::string pattern;
    std::string permission;  ///< chainbot:admin for all of them
    std::function<http::response(http::request&)> handle;  ///< blocking
    std::string summary;
};

struct admin_backends {
    authenticator::store_getter store;
    std::shared_ptr<authenticator> auth;         ///< its cache is invalidated on revoke and role changes
    std::shared_ptr<audit::audit_trail> trail;  ///< may be null (nothing recorded)
};

/// @brief The routes above, for the lead's route table.
std::vector<admin_route> admin_routes(admin_backends backends);

}  // namespace chainbot::security
