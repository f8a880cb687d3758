#include "fixture.hpp"

#include "security/access_guard.hpp"
#include "security/admin_routes.hpp"

#include "http/router.hpp"
#include "store/errors.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <catch2/catch.hpp>

using namespace chainbot;
using namespace chainbot::security;
namespace json = boost::json;

namespace {

struct admin_fixture : test::security_fixture {
    std::shared_ptr<authenticator> auth = std::make_shared<authenticator>(getter());
    std::shared_ptr<audit::audit_trail> trail = std::make_shared<audit::audit_trail>(getter());
    std::shared_ptr<access_guard> guard = std::make_shared<access_guard>(auth, trail);
    std::vector<admin_route> routes = admin_routes({getter(), auth, trail});
    std::string admin_secret = user_with_token("root", {"admin"}).second;

    // What the route table does: the hook, then the handler, errors mapped as the API maps them.
    http::response call(const std::string& method, const std::string& pattern, json::object body = {},
                        std::map<std::string, std::string> params = {}, std::map<std::string, std::string> query = {},
                        const std::string& secret = {}) {
        auto req = test::request_with("Bearer " + (secret.empty() ? admin_secret : secret), "10.0.0.5", pattern);
        req.method = method;
        req.body = body.empty() ? "" : json::serialize(body);
        req.params = std::move(params);
        req.query = std::move(query);
        for (auto& r : routes) {
            if (r.method != method || r.pattern != pattern) continue;
            if (auto refusal = guard->authorize(req, r.permission)) return *refusal;
            try {
                return r.handle(req);
            } catch (const http::http_error& e) {
                return e.to_response();
            } catch (const store::store_not_found& e) {
                return http::response::error(404, "not_found", e.what());
            } catch (const store::store_conflict& e) {
                return http::response::error(409, "conflict", e.what());
            }
        }
        FAIL("no route " << method << " " << pattern);
        return {};
    }
    int status_with(const std::string& secret, std::string_view permission) {
        auto req = test::request_with("Bearer " + secret);
        auto r = guard->authorize(req, permission);
        return r ? r->status : 200;
    }
};

const std::string base = "/api/chainbot/admin";

}  // namespace

TEST_CASE("admin API: every route needs chainbot:admin and refuses a developer", "[security]") {
    admin_fixture fx;
    CHECK(fx.routes.size() == 9);
    const auto dev = fx.user_with_token("dev", {"developer"}).second;
    for (const auto& r : fx.routes) {
        INFO(r.method << " " << r.pattern);
        CHECK(r.permission == "chainbot:admin");
        CHECK_FALSE(r.summary.empty());
        CHECK(fx.call(r.method, r.pattern, {}, {{"id", "x"}, {"name", "x"}}, {}, dev).status == 403);
    }
}

TEST_CASE("admin API: create a user, issue a token that works, revoke it and it is refused", "[security][audit]") {
    admin_fixture fx;
    auto res = fx.call("POST", base + "/users", {{"name", "ada"}, {"roles", json::array{"operator"}}});
    REQUIRE(res.status == 201);
    const auto user = json::parse(res.body).as_object();
    const std::string user_id(user.at("id").as_string());
    CHECK(user.at("roles") == json::array{"operator"});
    CHECK(fx.call("POST", base + "/users", {{"name", "ada"}}).status == 409);
    CHECK(fx.call("POST", base + "/users", {{"name", "bad name!"}}).status == 400);
    CHECK(fx.call("POST", base + "/users", {{"name", "bob"}, {"roles", json::array{"nobody"}}}).status == 400);

    res = fx.call("POST", base + "/users/{id}/tokens", {{"name", "cli"}, {"expires_in_seconds", 3600}}, {{"id", user_id}});
    REQUIRE(res.status == 201);
    const auto issued = json::parse(res.body).as_object();
    const std::string secret(issued.at("secret").as_string());
    const std::string token_id(issued.at("token").at("id").as_string());
    CHECK(issued.at("token").at("expires_at").is_string());
    CHECK(fx.status_with(secret, permission::workflow_execute) == 200);
    CHECK(fx.status_with(secret, permission::workflow_create) == 403);
    CHECK(fx.call("POST", base + "/users/{id}/tokens", {}, {{"id", "missing"}}).status == 404);

    // Listing never shows a secret or a hash.
    res = fx.call("GET", base + "/tokens", {}, {}, {{"user_id", user_id}});
    REQUIRE(res.status == 200);
    CHECK(json::parse(res.body).at("items").as_array().size() == 1);
    CHECK(res.body.find(secret) == std::string::npos);
    CHECK(res.body.find(fx.db->tokens().get(token_id)->token_hash) == std::string::npos);
    CHECK(res.body.find("hash") == std::string::npos);

    res = fx.call("DELETE", base + "/tokens/{id}", {}, {{"id", token_id}});
    REQUIRE(res.status == 200);
    CHECK(json::parse(res.body).at("revoked_at").is_string());
    CHECK(fx.status_with(secret, permission::read) == 401);  // at once: the cache was invalidated
    CHECK(fx.call("DELETE", base + "/tokens/{id}", {}, {{"id", "missing"}}).status == 404);

    // Every change is in the trail, by the admin, without the secret.
    const auto root_id = fx.db->users().find_by_name("root")->id;
    const auto entries = fx.db->audit().list();
    std::vector<std::string> actions;
    for (const auto& e : entries) {
        if (e.action == "auth.denied") continue;
        actions.push_back(e.action + (e.success ? "" : ":failed"));
        CHECK(e.user_id == root_id);
        CHECK(e.client == "10.0.0.5");
        CHECK((!e.metadata || e.metadata->find(secret) == std::string::npos));
    }
    CHECK(actions == std::vector<std::string>{"token.revoke:failed", "token.revoke", "token.issue:failed", "token.issue",
                                              "user.create:failed", "user.create:failed", "user.create:failed",
                                              "user.create"});
}

TEST_CASE("admin API: changing roles takes effect at once", "[security]") {
    admin_fixture fx;
    const auto [user, secret] = fx.user_with_token("ada", {"viewer"});
    CHECK(fx.status_with(secret, permission::workflow_create) == 403);
    auto res = fx.call("PUT", base + "/users/{id}/roles", {{"roles", json::array{"developer"}}}, {{"id", user}});
    REQUIRE(res.status == 200);
    CHECK(fx.db->users().roles_of(user) == std::vector<std::string>{"developer"});
    CHECK(fx.status_with(secret, permission::workflow_create) == 200);

    // A role redefined by an admin applies to its holders at once too.
    res = fx.call("PUT", base + "/roles/{name}", {{"permissions", json::array{"chainbot:read"}}}, {{"name", "developer"}});
    REQUIRE(res.status == 200);
    CHECK(fx.status_with(secret, permission::workflow_create) == 403);
    CHECK(fx.call("PUT", base + "/roles/{name}", {{"permissions", json::array{"chainbot:everything"}}},
                  {{"name", "developer"}}).status == 400);

    res = fx.call("GET", base + "/roles");
    CHECK(json::parse(res.body).at("items").as_array().size() == 4);
    res = fx.call("GET", base + "/users");
    CHECK(json::parse(res.body).at("items").as_array().size() == 2);
    CHECK(fx.call("PUT", base + "/users/{id}/roles", {{"roles", json::array{"viewer"}}}, {{"id", "missing"}}).status == 404);
}
