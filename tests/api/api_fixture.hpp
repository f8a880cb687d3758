#pragma once
// An embedded ChainBot for the REST tests: runtime, SQLite store, orchestrator and API
// service wired as the module wires them (api.port 0, a temp data dir), with the API's
// route table at hand; requests go through tests/support/http_get.hpp.
#include "agents/spawner.hpp"
#include "api/api_service.hpp"
#include "entanglement/entanglement_manager.hpp"
#include "config/loader.hpp"
#include "orchestrator/orchestrator.hpp"
#include "runtime/runtime.hpp"
#include "store/store_service.hpp"
#include "support/http_get.hpp"
#include "support/temp_dir.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <catch2/catch.hpp>

#include <chrono>
#include <map>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace chainbot::test {

struct api_fixture {
    temp_dir dir;
    std::unique_ptr<runtime> rt;
    std::shared_ptr<store::store_service> store = std::make_shared<store::store_service>();
    std::shared_ptr<orchestrator::orchestrator> orch =
        std::make_shared<orchestrator::orchestrator>([s = store] { return s->store(); });
    std::shared_ptr<agents::agent_spawner> spawner =
        std::make_shared<agents::agent_spawner>([s = store] { return s->store(); });
    std::shared_ptr<entanglement::entanglement_manager> entanglements =
        std::make_shared<entanglement::entanglement_manager>([s = store] { return s->store(); }, spawner, &orch->tasks());
    std::shared_ptr<api::api_service> api =
        std::make_shared<api::api_service>([] { return boost::json::object{{"id", "chainbot"}}; });

    /// @brief `extra_config`: more settings sections, e.g. R"("workflow": {"max_concurrent_executions": 1})".
    explicit api_fixture(const std::string& extra_config = "") {
        std::string config = R"({"api": {"port": 0}, "module": {"data_dir": ")" + dir.str() + R"("})";
        if (!extra_config.empty()) config += ", " + extra_config;
        config::load_request request;
        request.inline_layer = boost::json::parse(config + "}").as_object();
        rt = std::make_unique<runtime>(config::load(request), host_services{});
        api->attach({[s = store] { return s->store(); }, orch.get(), nullptr, spawner, entanglements});
        rt->add_service(store);
        rt->add_service(spawner);
        rt->add_service(entanglements);
        rt->add_service(orch);
        rt->add_service(api);
    }
    ~api_fixture() { rt->stop(); }
    void start() { rt->start(); }
    unsigned short port() const { return api->port(); }

    http_reply request(const std::string& method, const std::string& path, const std::string& body = "",
                       const header_list& headers = {}) {
        return http_request(port(), method, path, body, headers);
    }
    http_reply get(const std::string& path) { return request("GET", path); }
    http_reply post(const std::string& path, const std::string& body = "", const header_list& headers = {}) {
        return request("POST", path, body, headers);
    }

    /// @brief Creates a workflow through the API; returns its id.
    std::string create(const std::string& definition) {
        auto r = post("/api/chainbot/workflows", definition);
        INFO(r.body);
        REQUIRE(r.status == 201);
        return std::string(r.json().at("id").as_string());
    }
    /// @brief Polls GET /executions/{id} until its status is `status` (or a few seconds pass).
    std::string wait_for_status(const std::string& execution_id, const std::string& status) {
        std::string now;
        for (int i = 0; i < 200; ++i) {
            auto r = get("/api/chainbot/executions/" + execution_id);
            if (r.status == 200) now = std::string(r.json().at("status").as_string());
            if (now == status) break;
            std::this_thread::sleep_for(std::chrono::milliseconds(25));
        }
        return now;
    }
};

inline const std::string sum_workflow = R"({"name": "sum", "description": "adds a and b", "steps": [
    {"id": "sum", "type": "transform", "transform_type": "expression", "expression": "input.a + input.b"}]})";
inline const std::string slow_workflow = R"({"name": "slow", "steps": [
    {"id": "pause", "type": "wait", "duration": 30}, {"id": "after", "type": "transform", "value": "done"}]})";

}  // namespace chainbot::test
