#pragma once
// The whole module in-process with security on, as the host runs it (api.port 0, a temporary
// data dir), for the hardening tests: tasks can be added before start(); REST calls go over a
// real socket (support/http_get.hpp); the first-start admin token is at hand.
#include <chainbot/module.hpp>

#include "agents/spawner.hpp"
#include "orchestrator/orchestrator.hpp"
#include "runtime/runtime.hpp"
#include "support/eventually.hpp"
#include "support/http_get.hpp"
#include "support/temp_dir.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <catch2/catch.hpp>

#include <fstream>
#include <string>

namespace chainbot::test {

struct module_fixture {
    temp_dir dir{"chainbot-hardening"};
    chainbot_module module;
    std::string admin;

    /// @brief `extra`: more settings sections, e.g. R"("workflow": {"max_concurrent_executions": 1})".
    explicit module_fixture(const std::string& extra = "", host_services services = {}) {
        std::string config = R"({"api": {"port": 0}, "module": {"data_dir": ")" + dir.str() +
                             R"("}, "raspberry_pi": {"enable_hardware_monitoring": false})";
        if (!extra.empty()) config += ", " + extra;
        module.initialize(std::move(services), config + "}");
    }
    void start() {
        module.start();
        std::ifstream in(dir.path() / "admin_token");
        std::getline(in, admin);
        REQUIRE_FALSE(admin.empty());
    }

    orchestrator::orchestrator& orch() { return *module.get_orchestrator(); }
    agents::agent_spawner& spawner() { return *module.get_spawner(); }
    unsigned short port() { return module.api_port(); }

    http_reply call(const std::string& method, const std::string& path, const std::string& token = "",
                    const std::string& body = "", header_list headers = {}) {
        if (!token.empty()) headers.emplace_back("Authorization", "Bearer " + token);
        return http_request(port(), method, path, body, headers);
    }
    http_reply as_admin(const std::string& method, const std::string& path, const std::string& body = "") {
        return call(method, path, admin, body);
    }

    /// @brief Creates a workflow through the orchestrator; returns its id.
    std::string workflow(const std::string& definition) {
        return orch().create_workflow(boost::json::parse(definition)).workflow_id;
    }
    /// @brief Runs an execution to its end (or `timeout`): its outcome.
    std::optional<orchestrator::execution_outcome> run(const std::string& workflow_id,
                                                       std::chrono::milliseconds timeout = std::chrono::seconds(20),
                                                       const std::string& input = "{}") {
        orchestrator::execute_request r;
        r.input = boost::json::parse(input);
        const auto e = orch().execute(workflow_id, r);
        return orch().wait(e.id, timeout);
    }

    /// @brief A user holding exactly `roles` (JSON array) and a token of theirs: {token id, secret}.
    std::pair<std::string, std::string> token_with_roles(const std::string& user, const std::string& roles) {
        auto u = as_admin("POST", "/api/chainbot/admin/users", R"({"name": ")" + user + R"(", "roles": )" + roles + "}");
        INFO(u.body);
        REQUIRE(u.status == 201);
        auto t = as_admin("POST", "/api/chainbot/admin/users/" + std::string(u.json().at("id").as_string()) + "/tokens",
                          R"({"name": "t"})");
        INFO(t.body);
        REQUIRE(t.status == 201);
        return {std::string(t.json().at("token").at("id").as_string()), std::string(t.json().at("secret").as_string())};
    }
};

}  // namespace chainbot::test
