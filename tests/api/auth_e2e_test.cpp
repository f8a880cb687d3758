// The whole module with security on: every route of the table refuses a token that lacks
// its permission and lets through one that has it; no token gives 401; the first-start
// admin token works; a revoked token stops working.
#include "api_fixture.hpp"

#include <chainbot/module.hpp>

#include "api/api_service.hpp"

#include <fstream>
#include <thread>
#include <regex>

using namespace chainbot;
using namespace chainbot::test;

namespace {

struct secured_module {
    temp_dir dir;
    chainbot_module module;
    std::string admin;
    secured_module() {
        // The route walk sends many refused tokens from one address: a limit above them.
        module.initialize({}, R"({"api": {"port": 0}, "module": {"data_dir": ")" + dir.str() +
                                  R"("}, "security": {"failed_auth_limit_per_minute": 10000}})");
        module.start();
        std::ifstream in(dir.path() / "admin_token");
        std::getline(in, admin);
        REQUIRE_FALSE(admin.empty());
    }
    http_reply call(const std::string& method, const std::string& path, const std::string& token,
                    const std::string& body = "") {
        header_list h;
        if (!token.empty()) h.emplace_back("Authorization", "Bearer " + token);
        if (!body.empty()) h.emplace_back("Content-Type", "application/json");
        return http_request(module.api_port(), method, path, body, h);
    }
    // A user with exactly `role` and a token for it.
    std::string token_for(const std::string& role) {
        auto u = call("POST", "/api/chainbot/admin/users", admin, R"({"name": "u-)" + role + R"(", "roles": [")" + role + R"("]})");
        INFO(u.body);
        REQUIRE(u.status == 201);
        const std::string id(u.json().at("id").as_string());
        auto t = call("POST", "/api/chainbot/admin/users/" + id + "/tokens", admin, R"({"name": "t"})");
        INFO(t.body);
        REQUIRE(t.status == 201);
        return std::string(t.json().at("secret").as_string());
    }
};

std::string concrete(const std::string& pattern) { return std::regex_replace(pattern, std::regex(R"(\{[^}]+\})"), "none"); }

}  // namespace

TEST_CASE("every route refuses a token lacking its permission and accepts one that has it", "[api][security]") {
    secured_module m;
    const auto viewer = m.token_for("viewer");      // chainbot:read only
    const auto operator_ = m.token_for("operator");  // no workflow:create, no admin
    auto* api = m.module.get_runtime();
    REQUIRE(api != nullptr);
    // The route table as the module serves it: walk every route.
    auto info = http_request(m.module.api_port(), "GET", "/api/chainbot/openapi.json", "", {});
    REQUIRE(info.status == 200);
    const auto doc = info.json();  // named: the paths below point into it
    const auto& paths = doc.at("paths").as_object();
    std::size_t checked = 0;
    for (const auto& p : paths) {
        for (const auto& op : p.value().as_object()) {
            if (!op.value().is_object() || !op.value().as_object().contains("x-permission")) continue;  // "parameters"...
            std::string method(op.key());
            for (auto& c : method) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
            const std::string permission(op.value().at("x-permission").as_string());
            const auto path = concrete(std::string(p.key()));
            const std::string body = method == "GET" || method == "DELETE" ? "" : "{}";
            INFO(method << " " << path << " needs " << permission);
            if (permission == "public") {
                CHECK(m.call(method, path, "").status != 401);
                continue;
            }
            // No token: 401.
            CHECK(m.call(method, path, "", body).status == 401);
            // A token without the permission: 403 naming it.
            const auto& lacking = permission == "chainbot:read" ? std::string("not-a-token-of-anyone") : viewer;
            const auto denied = m.call(method, path, lacking, body);
            if (permission == "chainbot:read") {
                CHECK(denied.status == 401);
            } else {
                CHECK(denied.status == 403);
                CHECK(denied.body.find(permission) != std::string::npos);
            }
            // The admin token has every permission: not refused (404/400 for the made-up ids is fine).
            const auto allowed = m.call(method, path, m.admin, body);
            CHECK(allowed.status != 401);
            CHECK(allowed.status != 403);
            ++checked;
        }
    }
    CHECK(checked >= 15);
    // The operator may execute but not create.
    CHECK(m.call("POST", "/api/chainbot/workflows", operator_, R"({"name": "x", "steps": [{"id": "a", "type": "succeed"}]})").status == 403);
    CHECK(m.call("GET", "/api/chainbot/workflows", operator_).status == 200);
}

TEST_CASE("a revoked token is refused at once and denials reach the audit trail", "[api][security]") {
    secured_module m;
    auto u = m.call("POST", "/api/chainbot/admin/users", m.admin, R"({"name": "temp", "roles": ["viewer"]})");
    REQUIRE(u.status == 201);
    auto t = m.call("POST", "/api/chainbot/admin/users/" + std::string(u.json().at("id").as_string()) + "/tokens", m.admin, R"({"name": "x"})");
    REQUIRE(t.status == 201);
    const std::string token(t.json().at("secret").as_string());
    CHECK(m.call("GET", "/api/chainbot/workflows", token).status == 200);
    const std::string token_id(t.json().at("token").at("id").as_string());
    CHECK(m.call("DELETE", "/api/chainbot/admin/tokens/" + token_id, m.admin).status / 100 == 2);
    CHECK(m.call("GET", "/api/chainbot/workflows", token).status == 401);
    // The health endpoint stays public for probes.
    CHECK(m.call("GET", "/api/chainbot/health", "").status == 200);
    // The secret never appears in the audit trail.
    bool found_denial = false;
    for (int i = 0; i < 50 && !found_denial; ++i) {
        auto audit = m.call("GET", "/api/chainbot/audit?limit=200", m.admin);
        REQUIRE(audit.status == 200);
        CHECK(audit.body.find(token) == std::string::npos);
        found_denial = audit.body.find("auth.denied") != std::string::npos;
        if (!found_denial) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    CHECK(found_denial);
}
