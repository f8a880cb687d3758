// The agent and entanglement routes through real sockets, with the bodies the original
// ChainBot's clients send.
#include "swarm_fixture.hpp"

#include "support/http_get.hpp"

#include <fstream>

using namespace chainbot;
using namespace chainbot::test;
namespace json = boost::json;

namespace {

struct rest : swarm {
    std::string token;
    explicit rest(const std::string& extra = "") : swarm(extra) {
        start();
        std::ifstream in(dir.path() / "admin_token");
        std::getline(in, token);
        REQUIRE_FALSE(token.empty());
    }
    http_reply call(const std::string& method, const std::string& path, const std::string& body = "") {
        header_list h{{"Authorization", "Bearer " + token}};
        if (!body.empty()) h.emplace_back("Content-Type", "application/json");
        return http_request(module.api_port(), method, "/api/chainbot" + path, body, h);
    }
};

}  // namespace

TEST_CASE("agents are spawned, listed, read and terminated over REST", "[api][agents]") {
    rest r(R"("agents": {"max_instances_per_type": 2})");
    auto made = r.call("POST", "/agents", R"({"agent_type": "data_processor", "name": "dp", "config": {"k": 1}})");
    INFO(made.body);
    REQUIRE(made.status == 201);
    const auto id = std::string(made.json().at("id").as_string());
    CHECK(made.json().at("state") == "idle");
    CHECK(made.json().at("config").at("k") == 1);
    REQUIRE(r.call("POST", "/agents", R"({"agent_type": "data_processor"})").status == 201);

    auto limit = r.call("POST", "/agents", R"({"agent_type": "data_processor"})");
    CHECK(limit.status == 409);
    CHECK(limit.json().at("error").at("code") == "limit_reached");
    CHECK_THAT(std::string(limit.json().at("error").at("message").as_string()), Catch::Contains("max_instances_per_type"));

    auto bad = r.call("POST", "/agents", R"({"name": "typeless"})");
    CHECK(bad.status == 400);
    CHECK(bad.json().at("error").at("details").at(0).at("path") == "$.agent_type");
    CHECK(r.call("POST", "/agents", R"({"agent_type": "data_processor", "config": []})").json().at("error").at("details").at(0).at("path") == "$.config");
    CHECK(r.call("POST", "/agents", R"({"agent_type": "robot"})").status == 400);

    auto list = r.call("GET", "/agents?agent_type=data_processor");
    REQUIRE(list.status == 200);
    CHECK(list.json().at("total") == 2);
    CHECK(r.call("GET", "/agents?state=sleeping").status == 400);
    auto one = r.call("GET", "/agents/" + id);
    REQUIRE(one.status == 200);
    CHECK(one.json().at("name") == "dp");
    CHECK(r.call("GET", "/agents/nobody").status == 404);

    auto ended = r.call("DELETE", "/agents/" + id);
    REQUIRE(ended.status == 200);
    CHECK(ended.json().at("state") == "terminated");
    CHECK(r.call("DELETE", "/agents/" + id).status == 409);
    CHECK(r.call("GET", "/agents?state=terminated").json().at("total") == 1);
    CHECK(r.call("POST", "/agents", R"({"agent_type": "data_processor"})").status == 201);  // the slot is free

    // Credentials in an agent's config are never shown back.
    auto api = r.call("POST", "/agents", R"({"agent_type": "api", "config": {"base_url": "http://127.0.0.1:9",
        "auth": {"type": "bearer", "token": "s3cr3t-value"}}})");
    INFO(api.body);
    REQUIRE(api.status == 201);
    CHECK(api.body.find("s3cr3t-value") == std::string::npos);
    auto shown = r.call("GET", "/agents/" + std::string(api.json().at("id").as_string()));
    CHECK(shown.body.find("s3cr3t-value") == std::string::npos);
    CHECK(shown.json().at("config").at("base_url") == "http://127.0.0.1:9");
    CHECK(r.call("POST", "/agents", R"({"agent_type": "api", "config": {"rate_limit": {"burst": -1}}})").status == 400);

    auto metrics = r.call("GET", "/metrics");
    CHECK(metrics.json().at("agents").at("terminated") == 1);
    CHECK(metrics.json().at("agents").at("idle") == 3);
}

TEST_CASE("entanglements, members and messages over REST", "[api][entanglement]") {
    rest r;
    auto spawn = [&](const std::string& type) {
        return std::string(r.call("POST", "/agents", R"({"agent_type": ")" + type + R"("})").json().at("id").as_string());
    };
    const auto boss = spawn("workflow");
    const auto w1 = spawn("data_processor");
    const auto w2 = spawn("data_processor");
    auto made = r.call("POST", "/entanglements",
                       R"({"name": "crew", "description": "splits work", "agent_ids": [")" + boss + R"(", ")" + w1 + R"("]})");
    INFO(made.body);
    REQUIRE(made.status == 201);
    const auto e = std::string(made.json().at("id").as_string());
    CHECK(made.json().at("agent_ids").as_array().size() == 2);
    CHECK(made.json().at("owner_user_id").is_string());  // the admin who created it
    CHECK(r.call("POST", "/entanglements", R"({"name": "x", "agent_ids": ["nobody"]})").status == 404);
    CHECK(r.call("POST", "/entanglements", R"({"agent_ids": []})").json().at("error").at("details").at(0).at("path") == "$.name");

    auto added = r.call("POST", "/entanglements/" + e + "/agents", R"({"agent_id": ")" + w2 + R"("})");
    REQUIRE(added.status == 200);
    CHECK(added.json().at("agent_ids").as_array().size() == 3);

    // Private: a task for w1, answered with a result.
    auto sent = r.call("POST", "/entanglements/" + e + "/messages",
                       R"({"sender_id": ")" + boss + R"(", "receiver_id": ")" + w1 +
                           R"(", "message_type": "task", "content": {"task": "compute_statistics",
                              "input": {"records": [{"v": 10}, {"v": 20}]}}, "metadata": {"job": 7}})");
    INFO(sent.body);
    REQUIRE(sent.status == 201);
    CHECK(sent.json().at("sequence") == 1);
    CHECK(sent.json().at("metadata").at("job") == 7);
    // Broadcast: no receiver_id.
    auto shout = r.call("POST", "/entanglements/" + e + "/messages",
                        R"({"sender_id": ")" + boss + R"(", "content": "status?", "message_type": "notification"})");
    REQUIRE(shout.status == 201);
    CHECK(shout.json().at("broadcast") == true);
    CHECK(r.call("POST", "/entanglements/" + e + "/messages",
                 R"({"sender_id": ")" + boss + R"(", "receiver_id": ")" + w1 + R"(", "broadcast": true, "content": 1})")
              .status == 400);
    auto outsider = r.call("POST", "/entanglements/" + e + "/messages",
                           R"({"sender_id": "ghost", "content": "hi"})");
    CHECK(outsider.status == 404);

    REQUIRE(eventually([&] {
        auto inbox = r.call("GET", "/entanglements/" + e + "/messages?receiver_id=" + boss);
        return inbox.json().at("items").as_array().size() == 1;
    }));
    auto inbox = r.call("GET", "/entanglements/" + e + "/messages?receiver_id=" + boss).json();
    const auto& result = inbox.at("items").at(0);
    CHECK(result.at("message_type") == "result");
    CHECK(result.at("content").at("output").at("fields").at("v").at("mean").to_number<double>() == Approx(15.0));
    auto later = r.call("GET", "/entanglements/" + e + "/messages?after_sequence=1").json();
    CHECK(later.at("items").at(0).at("sequence") == 2);

    CHECK(r.call("DELETE", "/entanglements/" + e + "/agents/" + w2).status == 200);
    CHECK(r.call("DELETE", "/entanglements/" + e + "/agents", R"({"agent_id": ")" + w2 + R"("})").status == 404);
    CHECK(r.call("GET", "/entanglements").json().at("total") == 1);
    CHECK(r.call("DELETE", "/entanglements/" + e).status == 204);
    CHECK(r.call("GET", "/entanglements/" + e).status == 404);
    CHECK(r.call("GET", "/entanglements/" + e + "/messages").status == 404);
}
