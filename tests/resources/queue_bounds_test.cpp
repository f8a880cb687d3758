// The execution queue is bounded (workflow.max_queued_executions: 429 queue_full), and a
// request that asks not to wait is refused while every slot is busy (503 concurrency_limit);
// both through the REST API with Retry-After, with the resources section of /metrics.
#include "governed_engine.hpp"

using namespace chainbot;
using namespace chainbot::test;
namespace json = boost::json;

TEST_CASE("queue bound: executions beyond workflow.max_queued_executions are refused with 429 queue_full",
          "[resources][queues]") {
    governed_engine e("", R"("workflow": {"max_concurrent_executions": 1, "max_queued_executions": 2})");
    gate g;
    g.add_to(e.orch->tasks());
    e.start();
    const auto wf = e.create(gated_workflow);
    std::vector<std::string> ids{e.orch->execute(wf, {}).id};
    REQUIRE(eventually([&] { return g.active_now() == 1; }));
    ids.push_back(e.orch->execute(wf, {}).id);
    ids.push_back(e.orch->execute(wf, {}).id);
    try {
        e.orch->execute(wf, {});
        FAIL("a third execution was queued beyond max_queued_executions = 2");
    } catch (const service_error& err) {
        CHECK(err.status() == 429);
        CHECK(err.code() == "queue_full");
        CHECK(std::string(err.what()).find("workflow.max_queued_executions = 2") != std::string::npos);
    }
    // In memory (ephemeral executions) the same bound holds.
    orchestrator::execute_request eph;
    eph.ephemeral = true;
    std::vector<std::string> eph_ids{e.orch->execute(wf, eph).id, e.orch->execute(wf, eph).id};
    CHECK_THROWS_AS(e.orch->execute(wf, eph), service_error);
    CHECK(e.orch->local_queued_count() == 2);

    // Through the API: 429 with Retry-After and the documented code.
    auto r = e.call("POST", "/api/chainbot/workflows/" + wf + "/execute", R"({"input_data": {}})");
    INFO(r.body);
    CHECK(r.status == 429);
    CHECK(r.error_code() == "queue_full");
    CHECK_FALSE(r.header("retry-after").empty());

    // The depth shows in metrics.
    auto m = e.call("GET", "/api/chainbot/metrics");
    REQUIRE(m.status == 200);
    const auto queues = m.json().at("resources").at("queues");
    CHECK(queues.at("executions").at("depth") == 4);
    CHECK(queues.at("executions").at("capacity") == 2);
    CHECK(queues.at("executions_running").at("depth") == 1);
    CHECK(queues.at("agent_mailboxes").at("capacity_each") == 100);
    CHECK(queues.at("websocket_send").at("capacity_each") == 256);
    CHECK(queues.at("blocking_jobs").at("capacity") == 256);
    CHECK(m.json().at("resources").at("admission").at("refused").at("queue_full").to_number<int>() >= 2);

    g.open_all();
    for (const auto& id : ids) REQUIRE(e.orch->wait(id, std::chrono::seconds(20)));
    for (const auto& id : eph_ids) REQUIRE(e.orch->wait(id, std::chrono::seconds(20)));
}

TEST_CASE("queue: false starts now or is refused with 503 concurrency_limit, never queued", "[resources][queues]") {
    governed_engine e("", R"("workflow": {"max_concurrent_executions": 1})");
    gate g;
    g.add_to(e.orch->tasks());
    e.start();
    const auto wf = e.create(gated_workflow);
    orchestrator::execute_request now;
    now.queue = false;
    const auto first = e.orch->execute(wf, now).id;  // a free slot: admitted
    REQUIRE(eventually([&] { return g.active_now() == 1; }));
    const auto before = e.db()->executions().count();
    try {
        e.orch->execute(wf, now);
        FAIL("queued although the request asked not to wait");
    } catch (const service_error& err) {
        CHECK(err.status() == 503);
        CHECK(err.code() == "concurrency_limit");
        CHECK(std::string(err.what()).find("workflow.max_concurrent_executions = 1") != std::string::npos);
    }
    CHECK(e.db()->executions().count() == before);  // nothing was stored

    // Through the API, as a query parameter and in the body.
    for (const auto& [path, body] : {std::pair<std::string, std::string>{"?queue=false", "{}"},
                                     std::pair<std::string, std::string>{"", R"({"input_data": {}, "queue": false})"}}) {
        auto r = e.call("POST", "/api/chainbot/workflows/" + wf + "/execute" + path, body);
        INFO(r.body);
        CHECK(r.status == 503);
        CHECK(r.error_code() == "concurrency_limit");
        CHECK_FALSE(r.header("retry-after").empty());
    }
    auto bad = e.call("POST", "/api/chainbot/workflows/" + wf + "/execute", R"({"input_data": {}, "queue": "no"})");
    CHECK(bad.status == 400);
    g.open_all();
    REQUIRE(e.orch->wait(first, std::chrono::seconds(20)));
}

// The queue's bound is read from the store (the unclaimed executions every instance queued),
// which costs a store read per request. An execution that starts at once on a free slot waits
// in no queue, so it must not pay that read; one that queues still does (the test above).
TEST_CASE("queue bound: a durable execution that starts at once on a free slot reads nothing from the store",
          "[resources][queues]") {
    governed_engine e("", R"("workflow": {"max_concurrent_executions": 4, "max_queued_executions": 2})");
    e.start();
    const auto wf = e.create(R"({"name": "t", "steps": [{"id": "a", "type": "transform", "transform_type": "expression", "expression": "input.i + 1"}]})");
    REQUIRE(e.run(wf, R"({"i": 0})").status == "completed");  // the definition is cached from here on
    constexpr int n = 20;
    const auto store = e.orch->db();  // the module's own database (e.db() opens another)
    const auto before = store->stats();
    for (int i = 0; i < n; ++i) {
        orchestrator::execute_request r;
        r.input = json::object{{"i", i}};
        const auto id = e.orch->execute(wf, r).id;
        const auto outcome = e.orch->wait(id, std::chrono::seconds(20));
        REQUIRE(outcome);
        CHECK(outcome->status == "completed");
    }
    const auto after = store->stats();
    INFO("reads " << before.reads << " -> " << after.reads << ", writes " << before.writes << " -> " << after.writes);
    CHECK(after.writes > before.writes);  // they were durable: written through the store
    // Other parts of the module may read now and then (agents, the coordinator); one read per
    // execution would make at least n.
    CHECK(after.reads - before.reads < n / 2);
}

TEST_CASE("memory pressure through the API: 503 resource_limit with Retry-After, health and metrics say so",
          "[resources][memory]") {
    governed_engine e(R"("max_memory_mb": 100, "sample_interval_seconds": 3600)");
    std::atomic<std::uint64_t> rss{50 * mib};
    e.monitor->set_usage_source([&] { return resources::usage_sample{rss.load(), 12.5}; });
    e.start();
    const auto wf = e.create(R"({"name": "plain", "steps": [{"id": "a", "type": "transform", "value": 1}]})");
    auto m = e.call("GET", "/api/chainbot/metrics");
    REQUIRE(m.status == 200);
    auto res = m.json().at("resources");
    CHECK(res.at("rss_bytes") == 50 * mib);
    CHECK(res.at("limits").at("max_memory_mb") == 100);
    CHECK(res.at("limits").at("max_cpu_percent").is_null());  // unset
    CHECK(res.at("admission").at("state") == "open");

    rss = 150 * mib;
    e.monitor->sample_now();
    auto r = e.call("POST", "/api/chainbot/workflows/" + wf + "/execute?queue=false", "{}");
    INFO(r.body);
    CHECK(r.status == 503);
    CHECK(r.error_code() == "resource_limit");
    CHECK(std::string(r.json().at("error").at("message").as_string()).find("resources.max_memory_mb = 100") !=
          std::string::npos);
    CHECK_FALSE(r.header("retry-after").empty());
    auto spawn = e.call("POST", "/api/chainbot/agents", R"({"agent_type": "data_processor", "name": "held"})");
    INFO(spawn.body);
    CHECK(spawn.status == 503);
    CHECK(spawn.error_code() == "resource_limit");
    CHECK_FALSE(spawn.header("retry-after").empty());
    // Queued instead: accepted (202), held.
    auto queued = e.call("POST", "/api/chainbot/workflows/" + wf + "/execute", "{}");
    CHECK(queued.status == 202);

    auto health = http_get(e.module.api_port(), "/api/chainbot/health");
    INFO(health.body);
    CHECK(health.json().at("components").at("resources").at("status") == "degraded");
    m = e.call("GET", "/api/chainbot/metrics");
    res = m.json().at("resources");
    CHECK(res.at("memory_pressure") == true);
    CHECK(res.at("admission").at("state") == "closed");
    CHECK(res.at("admission").at("holds").at(0).at("source") == "memory");
    CHECK(res.at("cpu_percent") == 12.5);
    auto prom = e.call("GET", "/api/chainbot/metrics/prometheus");
    INFO(prom.body);
    CHECK(prom.body.find("chainbot_admission_open 0") != std::string::npos);
    CHECK(prom.body.find("chainbot_resource_rss_bytes 157286400") != std::string::npos);
    CHECK(prom.body.find("chainbot_resource_limit{limit=\"max_memory_mb\"} 100") != std::string::npos);
    CHECK(prom.body.find("chainbot_resource_queue_depth{queue=\"executions\"} 1") != std::string::npos);
    CHECK(prom.body.find("chainbot_cache_hits_total{cache=\"workflow_definitions\"}") != std::string::npos);

    rss = 50 * mib;
    e.monitor->sample_now();
    const auto id = std::string(queued.json().at("execution_id").as_string());
    auto out = e.orch->wait(id, std::chrono::seconds(10));
    REQUIRE(out);
    CHECK(out->status == "completed");
}
