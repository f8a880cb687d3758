#include "dashboard/auth_me_route.hpp"

#include "api/run_blocking.hpp"

#include <boost/json/serialize.hpp>

namespace chainbot::dashboard {

namespace json = boost::json;

json::object describe_principal(const security::principal& who) {
    json::array roles, held, effective;
    for (const auto& r : who.roles) roles.emplace_back(r);
    for (const auto& p : who.permissions) held.emplace_back(p);
    for (auto p : security::permission::all)
        if (who.has(p)) effective.emplace_back(p);
    return {{"user_id", who.user_id},
            {"user_name", who.user_name},
            {"token_id", who.token_id},
            {"roles", std::move(roles)},
            {"permissions", std::move(held)},
            {"effective_permissions", std::move(effective)}};
}

void add_auth_me_route(api::route_table& table, std::shared_ptr<security::authenticator> auth, runtime& rt) {
    table.add({"GET", "/api/chainbot/auth/me", std::string(api::permission::read),
               api::blocking_handler(rt,
                                     [auth](http::request& req) -> http::response {
                                         // The hook accepted this token a moment ago: the lookup is cached.
                                         const auto result = auth->authenticate(req);
                                         if (!result)
                                             throw http::http_error(401, "unauthorized", "the bearer token is not valid");
                                         return http::response::json(200, json::serialize(describe_principal(*result.who)));
                                     }),
               "The caller's user, roles and permissions (what this token may do)"});
}

}  // namespace chainbot::dashboard
