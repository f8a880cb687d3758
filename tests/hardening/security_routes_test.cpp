// Every route of the API as the module serves it (its openapi.json), with every kind of
// credential that must not pass: no token, a revoked token, an expired token, a malformed
// Authorization header (401); and for each of the eight permissions a token holding every
// other permission (403 exactly on the routes that need the missing one, naming it; anything
// but 401/403 elsewhere).
#include "hardening_support.hpp"
#include "module_fixture.hpp"

#include "security/permissions.hpp"

#include <regex>
#include <set>
#include <thread>

using namespace chainbot;
using namespace chainbot::test;
namespace json = boost::json;

namespace {

struct route_info {
    std::string method, pattern, permission;
};

std::vector<route_info> routes_of(module_fixture& m) {
    auto r = m.call("GET", "/api/chainbot/openapi.json");
    REQUIRE(r.status == 200);
    const auto doc = r.json();
    std::vector<route_info> out;
    for (const auto& p : doc.at("paths").as_object())
        for (const auto& op : p.value().as_object()) {
            if (!op.value().is_object() || !op.value().as_object().contains("x-permission")) continue;
            std::string method(op.key());
            for (auto& c : method) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
            out.push_back({method, std::string(p.key()), std::string(op.value().at("x-permission").as_string())});
        }
    return out;
}

std::string concrete(const std::string& pattern) { return std::regex_replace(pattern, std::regex(R"(\{[^}]+\})"), "none"); }

std::string body_for(const std::string& method) { return method == "GET" || method == "DELETE" ? "" : "{}"; }

}  // namespace

TEST_CASE("every route refuses no token, a revoked token, an expired token and a malformed header with 401",
          "[hardening][security]") {
    module_fixture m(R"("security": {"failed_auth_limit_per_minute": 100000})");
    m.start();
    const auto [revoked_id, revoked] = m.token_with_roles("soon-revoked", R"(["admin"])");
    REQUIRE(m.call("GET", "/api/chainbot/workflows", revoked).status == 200);
    REQUIRE(m.as_admin("DELETE", "/api/chainbot/admin/tokens/" + revoked_id).status == 200);
    // An expired token: issued for one second.
    auto u = m.as_admin("POST", "/api/chainbot/admin/users", R"({"name": "short-lived", "roles": ["admin"]})");
    REQUIRE(u.status == 201);
    auto t = m.as_admin("POST", "/api/chainbot/admin/users/" + std::string(u.json().at("id").as_string()) + "/tokens",
                        R"({"name": "brief", "expires_in_seconds": 1})");
    REQUIRE(t.status == 201);
    const std::string expired(t.json().at("secret").as_string());
    REQUIRE(m.call("GET", "/api/chainbot/workflows", expired).status == 200);
    std::this_thread::sleep_for(std::chrono::milliseconds(2100));

    const std::vector<std::pair<std::string, header_list>> bad{
        {"no token", {}},
        {"revoked token", {{"Authorization", "Bearer " + revoked}}},
        {"expired token", {{"Authorization", "Bearer " + expired}}},
        {"basic auth", {{"Authorization", "Basic YWRtaW46YWRtaW4="}}},
        {"empty bearer", {{"Authorization", "Bearer "}}},
        {"admin token with a suffix", {{"Authorization", "Bearer " + m.admin + "x"}}},
        {"admin token truncated", {{"Authorization", "Bearer " + m.admin.substr(0, m.admin.size() - 1)}}},
        {"token in another header", {{"X-Api-Key", m.admin}}},
    };
    std::size_t requests = 0, routes = 0;
    for (const auto& r : routes_of(m)) {
        const auto path = concrete(r.pattern);
        INFO(r.method << " " << path << " (" << r.permission << ")");
        if (r.permission == security::permission::public_access) {
            CHECK(m.call(r.method, path).status != 401);
            continue;
        }
        ++routes;
        for (const auto& [what, headers] : bad) {
            INFO(what);
            const auto reply = m.call(r.method, path, "", body_for(r.method), headers);
            CHECK(reply.status == 401);
            CHECK(reply.body.find(m.admin) == std::string::npos);
            ++requests;
        }
    }
    CHECK(routes >= 40);
    report("security 401: %zu routes x %zu bad credentials (no token, revoked, expired, basic, empty, altered, wrong "
           "header) = %zu requests, all 401",
           routes, bad.size(), requests);
}

TEST_CASE("for each permission, a token holding all the others gets 403 exactly where that permission is needed",
          "[hardening][security]") {
    module_fixture m(R"("security": {"failed_auth_limit_per_minute": 100000})");
    m.start();
    const auto routes = routes_of(m);
    std::vector<std::string> non_admin;
    for (auto p : security::permission::all)
        if (p != security::permission::admin) non_admin.emplace_back(p);
    std::size_t requests = 0, denials = 0;
    int n = 0;
    for (auto missing_view : security::permission::all) {
        const std::string missing(missing_view);
        // chainbot:admin implies everything, so no token below holds it.
        json::array held;
        std::set<std::string> held_set;
        for (const auto& p : non_admin)
            if (p != missing) {
                held.emplace_back(p);
                held_set.insert(p);
            }
        const auto role = "all-but-" + std::to_string(++n);
        auto put = m.as_admin("PUT", "/api/chainbot/admin/roles/" + role,
                              json::serialize(json::object{{"permissions", held}, {"description", "all but " + missing}}));
        INFO(put.body);
        REQUIRE(put.status == 200);
        const auto token = m.token_with_roles("user-" + role, "[\"" + role + "\"]").second;
        for (const auto& r : routes) {
            if (r.permission == security::permission::public_access) continue;
            const auto path = concrete(r.pattern);
            INFO("token without " << missing << ": " << r.method << " " << path << " needs " << r.permission);
            const auto reply = m.call(r.method, path, token, body_for(r.method));
            INFO(reply.status << " " << reply.body);
            ++requests;
            if (held_set.count(r.permission)) {
                CHECK(reply.status != 401);
                CHECK(reply.status != 403);
                CHECK(reply.status != 500);
            } else {
                ++denials;
                CHECK(reply.status == 403);
                CHECK(reply.body.find(r.permission) != std::string::npos);
            }
        }
    }
    report("security 403: 8 tokens (each lacking one permission) x %zu routes = %zu requests, %zu refused with 403 "
           "naming the permission, the others neither 401, 403 nor 500",
           routes.size(), requests, denials);
}
