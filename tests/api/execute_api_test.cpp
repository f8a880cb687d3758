// POST /workflows/{id}/execute: both body forms, waiting for the outcome, idempotency.
#include "api_fixture.hpp"
#include "support/eventually.hpp"

#include <atomic>
#include <future>
#include <map>
#include <mutex>

using namespace chainbot::test;
namespace json = boost::json;

TEST_CASE("execute with a plain input object and wait answers the outcome", "[api][execute]") {
    api_fixture f;
    f.start();
    const auto id = f.create(sum_workflow);
    auto r = f.post("/api/chainbot/workflows/" + id + "/execute?wait=true", R"({"a": 2, "b": 3})");
    INFO(r.body);
    REQUIRE(r.status == 200);
    auto body = r.json().as_object();
    CHECK(body.at("status") == "completed");
    CHECK(body.at("workflow_id") == json::value(id));
    CHECK_FALSE(body.at("execution_id").as_string().empty());
    CHECK(body.at("output").at("sum") == 5);
}

TEST_CASE("execute with input_data, timeout_hours and wait in the body", "[api][execute]") {
    api_fixture f;
    f.start();
    const auto id = f.create(sum_workflow);
    auto r = f.post("/api/chainbot/workflows/" + id + "/execute",
                    R"({"input_data": {"a": 10, "b": 1}, "timeout_hours": 1, "wait": true})");
    INFO(r.body);
    REQUIRE(r.status == 200);
    CHECK(r.json().at("status") == "completed");
    CHECK(r.json().at("output").at("sum") == 11);
    auto stored = f.get("/api/chainbot/executions/" + std::string(r.json().at("execution_id").as_string())).json();
    CHECK(stored.at("input") == json::parse(R"({"a": 10, "b": 1})"));
}

namespace {

// The workflow.started events seen: execution id -> its "ephemeral" field (null when absent).
struct started_events final : chainbot::events::observer {
    std::mutex mutex;
    std::map<std::string, json::value> seen;
    void on_event(const chainbot::events::event& e) override {
        if (e.topic != "chainbot.workflow.started") return;
        const auto* flag = e.payload.if_contains("ephemeral");
        std::lock_guard lock(mutex);
        seen[std::string(e.payload.at("execution_id").as_string())] = flag ? *flag : json::value(nullptr);
    }
};

}  // namespace

TEST_CASE("an ephemeral execute request keeps the execution out of the store", "[api][execute]") {
    api_fixture f;
    auto started = std::make_shared<started_events>();
    f.rt->events().add_observer(started);
    f.start();
    const auto id = f.create(sum_workflow);
    auto query = f.post("/api/chainbot/workflows/" + id + "/execute?wait=true&ephemeral=true", R"({"a": 2, "b": 2})");
    INFO(query.body);
    REQUIRE(query.status == 200);
    CHECK(query.json().at("output").at("sum") == 4);
    auto body = f.post("/api/chainbot/workflows/" + id + "/execute",
                       R"({"input_data": {"a": 3, "b": 3}, "wait": true, "ephemeral": true})");
    INFO(body.body);
    REQUIRE(body.status == 200);
    CHECK(body.json().at("output").at("sum") == 6);
    for (const auto* r : {&query, &body})
        CHECK(f.get("/api/chainbot/executions/" + std::string(r->json().at("execution_id").as_string())).status == 404);
    // Without the option the execution is durable and can be read back.
    auto durable = f.post("/api/chainbot/workflows/" + id + "/execute?wait=true&ephemeral=false", R"({"a": 1, "b": 1})");
    REQUIRE(durable.status == 200);
    CHECK(f.get("/api/chainbot/executions/" + std::string(durable.json().at("execution_id").as_string())).status == 200);
    {
        // Their events say so (the audit trail leaves routine ephemeral starts and ends out).
        std::lock_guard lock(started->mutex);
        CHECK(started->seen.at(std::string(query.json().at("execution_id").as_string())) == true);
        CHECK(started->seen.at(std::string(body.json().at("execution_id").as_string())) == true);
        CHECK(started->seen.at(std::string(durable.json().at("execution_id").as_string())).is_null());
    }
    auto bad = f.post("/api/chainbot/workflows/" + id + "/execute", R"({"input_data": {}, "ephemeral": "yes"})");
    CHECK(bad.status == 400);
    CHECK(bad.body.find("$.ephemeral") != std::string::npos);
}

TEST_CASE("an ephemeral execution of a cached workflow starts without the blocking pool", "[api][execute]") {
    api_fixture f;
    f.start();
    const auto id = f.create(sum_workflow);
    const auto path = "/api/chainbot/workflows/" + id + "/execute?wait=true&ephemeral=true&timeout_ms=5000";
    REQUIRE(f.post(path, R"({"a": 1, "b": 1})").status == 200);  // reads the definition into the cache
    // Every thread of the blocking pool is held: whatever needs it waits.
    std::promise<void> release;
    auto held = release.get_future().share();
    std::atomic<int> holding{0};
    for (std::size_t i = 0; i < chainbot::runtime::blocking_threads; ++i)
        REQUIRE(f.rt->post_blocking([held, &holding] {
            ++holding;
            held.wait();
        }));
    struct let_go {
        std::promise<void>& p;
        ~let_go() { p.set_value(); }
    } guard{release};
    REQUIRE(eventually([&] { return holding.load() == int(chainbot::runtime::blocking_threads); }));
    auto r = f.post(path, R"({"a": 20, "b": 22})");
    INFO(r.body);
    REQUIRE(r.status == 200);
    CHECK(r.json().at("status") == "completed");
    CHECK(r.json().at("output").at("sum") == 42);
    CHECK(f.orch->executes_in_memory(id, {.ephemeral = true}));
    CHECK_FALSE(f.orch->executes_in_memory(id, {}));                      // the workflow itself is durable
    CHECK_FALSE(f.orch->executes_in_memory(id, {.ephemeral = true, .queue = false}));  // reads the store's queue
    CHECK_FALSE(f.orch->executes_in_memory("no-such-workflow", {.ephemeral = true}));  // not cached: the store is read
}

TEST_CASE("execute without wait answers 202 with the execution at once", "[api][execute]") {
    api_fixture f;
    f.start();
    const auto id = f.create(sum_workflow);
    auto r = f.post("/api/chainbot/workflows/" + id + "/execute", R"({"a": 1, "b": 1})");
    REQUIRE(r.status == 202);
    const std::string exec(r.json().at("execution_id").as_string());
    CHECK(r.json().at("workflow_id") == json::value(id));
    CHECK(r.json().as_object().contains("status"));
    CHECK(f.wait_for_status(exec, "completed") == "completed");
}

TEST_CASE("the same idempotency key returns the same execution", "[api][execute]") {
    api_fixture f;
    f.start();
    const auto id = f.create(sum_workflow);
    const auto path = "/api/chainbot/workflows/" + id + "/execute?wait=true";
    auto first = f.post(path, R"({"a": 1, "b": 2})", {{"Idempotency-Key", "order-17"}});
    auto again = f.post(path, R"({"a": 1, "b": 2})", {{"Idempotency-Key", "order-17"}});
    auto in_body = f.post(path, R"({"input_data": {"a": 1, "b": 2}, "idempotency_key": "order-17"})");
    REQUIRE(first.status == 200);
    REQUIRE(again.status == 200);
    REQUIRE(in_body.status == 200);
    CHECK(first.json().at("execution_id") == again.json().at("execution_id"));
    CHECK(first.json().at("execution_id") == in_body.json().at("execution_id"));
    CHECK(again.json().at("output").at("sum") == 3);
    CHECK(f.get("/api/chainbot/executions?workflow_id=" + id).json().at("total") == 1);
    auto other = f.post(path, R"({"a": 1, "b": 2})", {{"Idempotency-Key", "order-18"}});
    CHECK(other.json().at("execution_id") != first.json().at("execution_id"));
}

TEST_CASE("a wait that times out answers 202 with the current status", "[api][execute]") {
    api_fixture f;
    f.start();
    const auto id = f.create(slow_workflow);
    const auto started = std::chrono::steady_clock::now();
    auto r = f.post("/api/chainbot/workflows/" + id + "/execute?wait=true&timeout_ms=200", "{}");
    CHECK(std::chrono::steady_clock::now() - started < std::chrono::seconds(5));
    INFO(r.body);
    REQUIRE(r.status == 202);
    CHECK(r.json().at("status") == "running");
    CHECK(f.post("/api/chainbot/executions/" + std::string(r.json().at("execution_id").as_string()) + "/cancel").status ==
          202);
}

TEST_CASE("a stopping API answers a pending wait instead of holding it", "[api][execute]") {
    api_fixture f;
    f.start();
    const auto id = f.create(slow_workflow);
    std::optional<http_reply> reply;
    std::thread client([&] { reply = f.post("/api/chainbot/workflows/" + id + "/execute?wait=true&timeout_ms=60000", "{}"); });
    while (f.get("/api/chainbot/executions?status=running").json().at("total") == 0)
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    const auto stopping = std::chrono::steady_clock::now();
    f.rt->stop();
    client.join();
    CHECK(std::chrono::steady_clock::now() - stopping < std::chrono::seconds(10));
    REQUIRE(reply);
    CHECK(reply->status == 202);
}

TEST_CASE("malformed execute requests are refused with the field's path", "[api][execute]") {
    api_fixture f;
    f.start();
    const auto id = f.create(sum_workflow);
    const auto path = "/api/chainbot/workflows/" + id + "/execute";
    auto not_object = f.post(path, "[1, 2]");
    CHECK(not_object.status == 400);
    auto bad_input = f.post(path, R"({"input_data": 5})");
    CHECK(bad_input.status == 400);
    CHECK(bad_input.json().at("error").at("details").at(0).at("path") == "$.input_data");
    auto bad_timeout = f.post(path, R"({"input_data": {}, "timeout_hours": -1})");
    CHECK(bad_timeout.json().at("error").at("details").at(0).at("path") == "$.timeout_hours");
    CHECK(f.post(path + "?wait=maybe", "{}").status == 400);
    CHECK(f.post(path, "{", {}).error_code() == "invalid_json");
    CHECK(f.post(path, "a=1", {{"Content-Type", "application/x-www-form-urlencoded"}}).status == 415);
}
