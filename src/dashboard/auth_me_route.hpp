#pragma once
/// @file auth_me_route.hpp
/// @brief GET /api/chainbot/auth/me: who the caller's token belongs to and what it may do,
/// so that a client (the dashboard) offers only what the token is allowed:
///
/// @code{.json}
///   {"user_id": "…", "user_name": "admin", "token_id": "…", "roles": ["admin"],
///    "permissions": ["chainbot:admin"],
///    "effective_permissions": ["chainbot:read", "chainbot:workflow:execute", …, "chainbot:admin"]}
/// @endcode
///
/// `permissions` are those the roles hold; `effective_permissions` every permission of
/// security::permission::all the token passes (chainbot:admin implies them all).
/// The route declares chainbot:read, which every default role holds: a token without it
/// can read nothing a client could show, and is told so by the 403 naming the permission.

#include "api/route_table.hpp"
#include "runtime/runtime.hpp"
#include "security/authenticator.hpp"

#include <boost/json/object.hpp>

#include <memory>

namespace chainbot::dashboard {

/// @brief The body of the answer for `who`.
boost::json::object describe_principal(const security::principal& who);

/// @brief Adds the route to `table`; the handler asks `auth` (on rt's blocking pool) for
/// the principal of the request's token, which the authorization hook has just accepted.
void add_auth_me_route(api::route_table& table, std::shared_ptr<security::authenticator> auth, runtime& rt);

}  // namespace chainbot::dashboard
