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

// The coordinator's claim passes (at start, at each cluster poll) hold the free slots while they
// read the store, and a request arriving meanwhile goes to the blocking pool: these tests poll
// once an hour and wait until the first pass is over (quiet_orchestrator).
constexpr auto no_polls = R"("cluster": {"poll_seconds": 3600})";

// Once this returns, a durable execution of the workflow (cached from here on) on a free slot
// starts at once on the calling thread: the start-up claim pass is over.
void quiet_orchestrator(api_fixture& f, const std::string& workflow_id) {
    std::promise<void> done;
    chainbot::orchestrator::orchestrator::started_callback on_started = [](chainbot::store::execution, std::exception_ptr) {};
    std::function<void(chainbot::orchestrator::execution_outcome)> on_done = [&](chainbot::orchestrator::execution_outcome) { done.set_value(); };
    REQUIRE(f.post("/api/chainbot/workflows/" + workflow_id + "/execute?wait=true", R"({"a": 0, "b": 0})").status == 200);
    REQUIRE(eventually([&] { return f.orch->try_execute_now(workflow_id, {.input = json::object{{"a", 0}, {"b", 0}}}, on_started, on_done); }));
    REQUIRE(done.get_future().wait_for(std::chrono::seconds(10)) == std::future_status::ready);
}

TEST_CASE("an execution of a cached workflow on a free slot starts without the blocking pool", "[api][execute]") {
    api_fixture f(no_polls);
    f.start();
    const auto id = f.create(sum_workflow);
    quiet_orchestrator(f, id);
    const auto path = "/api/chainbot/workflows/" + id + "/execute?wait=true&ephemeral=true&timeout_ms=5000";
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
        bool released = false;
        void now() {
            if (!released) p.set_value();
            released = true;
        }
        ~let_go() { now(); }
    } guard{release};
    REQUIRE(eventually([&] { return holding.load() == int(chainbot::runtime::blocking_threads); }));
    // A request that waits for the pool fails the test instead of hanging it.
    const auto post_now = [&](const std::string& target, const std::string& body) {
        auto reply = std::async(std::launch::async, [&f, target, body] { return f.post(target, body); });
        if (reply.wait_for(std::chrono::seconds(10)) != std::future_status::ready) {
            guard.now();  // let it go, and fail
            reply.wait();
            FAIL("POST " << target << " waited for the blocking pool");
        }
        return reply.get();
    };
    auto r = post_now(path, R"({"a": 20, "b": 22})");
    INFO(r.body);
    REQUIRE(r.status == 200);
    CHECK(r.json().at("status") == "completed");
    CHECK(r.json().at("output").at("sum") == 42);
    // Durable too: its row goes through the group-commit writer, which answers.
    const auto durable = "/api/chainbot/workflows/" + id + "/execute?wait=true&timeout_ms=5000";
    r = post_now(durable, R"({"a": 2, "b": 3})");
    INFO(r.body);
    REQUIRE(r.status == 200);
    CHECK(r.json().at("status") == "completed");
    CHECK(r.json().at("output").at("sum") == 5);
    const std::string stored(r.json().at("execution_id").as_string());
    CHECK(f.orch->db()->executions().get(stored)->status == chainbot::store::execution_status::completed);
    r = post_now("/api/chainbot/workflows/" + id + "/execute", R"({"a": 2, "b": 3})");  // 202, without the wait
    REQUIRE(r.status == 202);
    // What would read the store waits for the pool (held): an idempotency key, which may name
    // a stored execution, and "queue": false, which reads the queue's length.
    auto keyed = std::async(std::launch::async, [&] { return f.post(durable, R"({"a": 1, "b": 1})", {{"Idempotency-Key", "k1"}}); });
    auto no_queue = std::async(std::launch::async, [&] { return f.post(durable + "&queue=false", R"({"a": 1, "b": 1})"); });
    CHECK(keyed.wait_for(std::chrono::milliseconds(300)) == std::future_status::timeout);
    CHECK(no_queue.wait_for(std::chrono::milliseconds(10)) == std::future_status::timeout);
    guard.now();
    CHECK(keyed.get().status == 200);
    CHECK(no_queue.get().status == 200);
}

// try_execute_now does nothing, and leaves the callbacks with its caller, wherever starting
// would read or write the store on the calling thread.
TEST_CASE("try_execute_now starts only what touches no store on the calling thread", "[api][execute]") {
    api_fixture f(no_polls);
    f.start();
    const auto id = f.create(sum_workflow);
    std::atomic<int> called{0};
    chainbot::orchestrator::orchestrator::started_callback on_started = [&](chainbot::store::execution, std::exception_ptr) { ++called; };
    std::function<void(chainbot::orchestrator::execution_outcome)> on_done = [&](chainbot::orchestrator::execution_outcome) { ++called; };
    quiet_orchestrator(f, id);
    const auto reads = f.orch->db()->stats().reads;
    CHECK_FALSE(f.orch->try_execute_now("not-cached", {.input = json::object{{"a", 1}}}, on_started, on_done));
    CHECK(f.orch->db()->stats().reads == reads);  // (execute_async would read it, and answer 404)
    CHECK_FALSE(f.orch->try_execute_now(id, {.input = json::object{}, .idempotency_key = "k"}, on_started, on_done));
    CHECK_FALSE(f.orch->try_execute_now(id, {.input = json::object{}, .queue = false}, on_started, on_done));
    CHECK_FALSE(f.orch->try_execute_now(id, {.input = json::object{}, .ephemeral = true, .queue = false}, on_started, on_done));
    CHECK(called == 0);
    CHECK(on_started);
    CHECK(on_done);
    std::promise<chainbot::orchestrator::execution_outcome> outcome;
    on_done = [&](chainbot::orchestrator::execution_outcome o) { outcome.set_value(std::move(o)); };
    REQUIRE(f.orch->try_execute_now(id, {.input = json::object{{"a", 4}, {"b", 5}}}, on_started, on_done));
    auto done = outcome.get_future();
    REQUIRE(done.wait_for(std::chrono::seconds(10)) == std::future_status::ready);
    CHECK(done.get().status == "completed");
    CHECK(eventually([&] { return called == 1; }));  // on_started, once the row committed
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
