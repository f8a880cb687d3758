// Admission and control: the concurrency limit with a FIFO queue, cancel, pause and
// resume, idempotency keys, execution timeouts, deleting a workflow in use.
#include "engine_fixture.hpp"

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <set>
#include <thread>
#include "support/eventually.hpp"

using namespace chainbot;
using namespace chainbot::test;
namespace json = boost::json;

namespace {

// A task that blocks until released, recording the order executions started in.
struct gate {
    std::mutex m;
    std::condition_variable cv;
    bool open = false;
    std::vector<std::string> started;
    void add_to(orchestrator::task_registry& tasks) {
        tasks.add("data_processor", "gated", [this](const orchestrator::task_call& c) -> json::value {
            std::unique_lock lock(m);
            started.push_back(c.execution_id);
            cv.notify_all();
            cv.wait_for(lock, std::chrono::seconds(20), [&] { return open || c.cancelled->load(); });
            return json::object{{"released", open}};
        });
    }
    void release() {
        std::lock_guard lock(m);
        open = true;
        cv.notify_all();
    }
    std::size_t count() {
        std::lock_guard lock(m);
        return started.size();
    }
};

const char* gated_workflow = R"({"name": "gated", "steps": [
    {"id": "g", "type": "agent_task", "agent_type": "data_processor", "task": "gated"},
    {"id": "after", "type": "transform", "value": "${g.released}"}]})";


}  // namespace

TEST_CASE("at most max_concurrent_executions run and the rest queue in FIFO order", "[orchestrator][scheduling]") {
    engine e(R"("workflow": {"max_concurrent_executions": 2})");
    gate g;
    g.add_to(e.orch->tasks());
    e.start();
    const auto wf = e.create(gated_workflow);
    std::vector<std::string> ids;
    for (int i = 0; i < 5; ++i) ids.push_back(e.orch->execute(wf, {}).id);
    REQUIRE(eventually([&] { return g.count() == 2; }));
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    CHECK(g.count() == 2);
    CHECK(e.orch->running_count() == 2);
    CHECK(e.orch->queued_count() == 3);
    CHECK(e.db()->executions().get(ids[4])->status == store::execution_status::queued);
    g.release();
    for (const auto& id : ids) {
        auto out = e.orch->wait(id, std::chrono::seconds(20));
        REQUIRE(out);
        CHECK(out->status == "completed");
    }
    // With two slots the first two start together, in either order; the others after them.
    std::lock_guard lock(g.m);
    REQUIRE(g.started.size() == 5);
    CHECK(std::set<std::string>(g.started.begin(), g.started.begin() + 2) == std::set<std::string>(ids.begin(), ids.begin() + 2));
}

TEST_CASE("queued executions start in the order they were submitted", "[orchestrator][scheduling]") {
    engine e(R"("workflow": {"max_concurrent_executions": 1})");
    gate g;
    g.add_to(e.orch->tasks());
    e.start();
    const auto wf = e.create(gated_workflow);
    std::vector<std::string> ids;
    for (int i = 0; i < 4; ++i) ids.push_back(e.orch->execute(wf, {}).id);
    REQUIRE(eventually([&] { return g.count() == 1; }));
    g.release();
    for (const auto& id : ids) REQUIRE(e.orch->wait(id, std::chrono::seconds(20)));
    std::lock_guard lock(g.m);
    CHECK(g.started == ids);  // one slot: exactly FIFO
}

TEST_CASE("cancel a running and a queued execution", "[orchestrator][scheduling]") {
    engine e(R"("workflow": {"max_concurrent_executions": 1})");
    gate g;
    g.add_to(e.orch->tasks());
    e.start();
    const auto wf = e.create(gated_workflow);
    const auto running = e.orch->execute(wf, {}).id;
    const auto queued = e.orch->execute(wf, {}).id;
    REQUIRE(eventually([&] { return g.count() == 1; }));
    e.orch->cancel(queued);
    e.orch->cancel(running);
    auto a = e.orch->wait(running, std::chrono::seconds(10));
    auto b = e.orch->wait(queued, std::chrono::seconds(10));
    REQUIRE(a);
    REQUIRE(b);
    CHECK(a->status == "cancelled");
    CHECK(b->status == "cancelled");
    e.orch->flush();
    CHECK(e.db()->executions().get(running)->status == store::execution_status::cancelled);
    CHECK(e.db()->executions().get(queued)->status == store::execution_status::cancelled);
    CHECK(g.count() == 1);  // the queued one never ran
    CHECK_THROWS_AS(e.orch->cancel(running), orchestrator::orchestrator_error);
    g.release();
}

TEST_CASE("pause holds the next step and resume continues", "[orchestrator][scheduling]") {
    engine e;
    gate g;
    g.add_to(e.orch->tasks());
    e.start();
    const auto id = e.orch->execute(e.create(gated_workflow), {}).id;
    REQUIRE(eventually([&] { return g.count() == 1; }));
    e.orch->pause(id);
    REQUIRE(eventually([&] { return !e.events->of("chainbot.workflow.paused").empty(); }));
    g.release();  // the running step finishes, but "after" must not start while paused
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    CHECK_FALSE(e.orch->wait(id, std::chrono::milliseconds(10)).has_value());
    e.orch->flush();
    CHECK(e.db()->executions().get(id)->status == store::execution_status::paused);
    e.orch->resume(id);
    auto out = e.orch->wait(id, std::chrono::seconds(10));
    REQUIRE(out);
    CHECK(out->status == "completed");
}

TEST_CASE("an idempotency key returns the existing execution instead of a duplicate", "[orchestrator][scheduling]") {
    engine e;
    e.start();
    const auto wf = e.create(R"({"name": "once", "steps": [{"id": "a", "type": "transform", "value": "${input.v}"}]})");
    orchestrator::execute_request req;
    req.input = json::parse(R"({"v": 1})");
    req.idempotency_key = "order-42";
    const auto first = e.orch->execute(wf, req);
    req.input = json::parse(R"({"v": 2})");
    const auto second = e.orch->execute(wf, req);
    CHECK(first.id == second.id);
    REQUIRE(e.orch->wait(first.id, std::chrono::seconds(10)));
    e.orch->flush();
    CHECK(e.db()->executions().count({wf, std::nullopt, std::nullopt}) == 1);
}

TEST_CASE("concurrent executes with one idempotency key start one execution, created in shared group commits",
          "[orchestrator][scheduling][concurrency]") {
    // Durable executions are created through the group-commit writer: requests arriving together
    // share a transaction, so two creates with the same key can meet in one batch.
    engine e;
    e.start();
    const auto wf = e.create(R"({"name": "once", "steps": [{"id": "a", "type": "transform", "value": "${input.v}"}]})");
    std::mutex mutex;
    std::set<std::string> ids, other_ids;
    std::vector<std::string> errors;
    std::vector<std::thread> threads;
    for (int t = 0; t < 6; ++t)
        threads.emplace_back([&, t] {
            for (int i = 0; i < 4; ++i) {
                try {
                    orchestrator::execute_request req;
                    req.input = json::parse(R"({"v": 1})");
                    req.idempotency_key = "order-7";
                    const auto same = e.orch->execute(wf, req);
                    req.idempotency_key = "thread-" + std::to_string(t) + "-" + std::to_string(i);
                    const auto own = e.orch->execute(wf, req);
                    std::lock_guard lock(mutex);
                    ids.insert(same.id);
                    other_ids.insert(own.id);
                } catch (const std::exception& ex) {
                    std::lock_guard lock(mutex);
                    errors.push_back(ex.what());
                }
            }
        });
    for (auto& t : threads) t.join();
    CHECK(errors.empty());
    REQUIRE(ids.size() == 1);
    CHECK(other_ids.size() == 24);
    for (const auto& id : other_ids) REQUIRE(e.orch->wait(id, std::chrono::seconds(20)));
    REQUIRE(e.orch->wait(*ids.begin(), std::chrono::seconds(20)));
    e.orch->flush();
    CHECK(e.db()->executions().count({wf, std::nullopt, std::nullopt}) == 25);
    const auto stored = e.db()->executions().get(*ids.begin());
    REQUIRE(stored);
    CHECK(stored->status == store::execution_status::completed);
}

TEST_CASE("an execution past its timeout ends timed_out", "[orchestrator][scheduling]") {
    engine e;
    e.start();
    const auto wf = e.create(R"({"name": "slow", "steps": [{"id": "w", "type": "wait", "duration": 30}]})");
    orchestrator::execute_request req;
    req.timeout_hours = 0.3 / 3600;  // 300 ms
    const auto id = e.orch->execute(wf, req).id;
    auto out = e.orch->wait(id, std::chrono::seconds(10));
    REQUIRE(out);
    CHECK(out->status == "timed_out");
    CHECK(e.events->of("chainbot.workflow.timed_out").size() == 1);
}

TEST_CASE("deleting a workflow with a running execution is refused and versions are pinned", "[orchestrator][scheduling]") {
    engine e;
    gate g;
    g.add_to(e.orch->tasks());
    e.start();
    const auto wf = e.create(gated_workflow);
    const auto id = e.orch->execute(wf, {}).id;
    REQUIRE(eventually([&] { return g.count() == 1; }));
    CHECK_THROWS(e.orch->delete_workflow(wf));
    // An update makes version 2; the running execution keeps version 1.
    auto v2 = e.orch->update_workflow(wf, json::parse(R"({"name": "gated v2", "steps": [{"id": "x", "type": "succeed"}]})"));
    CHECK(v2.version == 2);
    g.release();
    auto out = e.orch->wait(id, std::chrono::seconds(10));
    REQUIRE(out);
    CHECK(out->output.as_object().contains("after"));
    CHECK(e.db()->executions().get(id)->workflow_version == 1);
    e.orch->flush();
    e.orch->delete_workflow(wf);
    CHECK_FALSE(e.db()->workflows().get(wf).has_value());
    // Invalid definitions are refused before anything is stored.
    CHECK_THROWS_AS(e.orch->create_workflow(json::parse(R"({"name": "x", "steps": [{"id": "a"}]})")),
                    orchestrator::validation_error);
}

TEST_CASE("the thermal admission hold queues new executions until temperature_normal", "[orchestrator][scheduling]") {
    engine e;
    std::atomic<bool> hot{true};
    e.orch->set_admission_hold([&] { return hot.load(); });
    e.start();
    const auto wf = e.create(R"({"name": "cool", "steps": [{"id": "a", "type": "transform", "value": 1}]})");
    const auto id = e.orch->execute(wf, {}).id;
    std::this_thread::sleep_for(std::chrono::milliseconds(150));
    CHECK(e.orch->queued_count() == 1);
    CHECK(e.orch->running_count() == 0);
    CHECK_FALSE(e.orch->wait(id, std::chrono::milliseconds(10)).has_value());
    hot = false;
    e.module.get_runtime()->events().publish("chainbot.hardware.temperature_normal", {{"temperature_celsius", 60.0}});
    auto out = e.orch->wait(id, std::chrono::seconds(10));
    REQUIRE(out);
    CHECK(out->status == "completed");
}

TEST_CASE("a queued execution can be paused in line and resumed", "[orchestrator][scheduling]") {
    engine e(R"("workflow": {"max_concurrent_executions": 1})");
    gate g;
    g.add_to(e.orch->tasks());
    e.start();
    const auto wf = e.create(gated_workflow);
    const auto first = e.orch->execute(wf, {}).id;
    const auto second = e.orch->execute(wf, {}).id;
    const auto third = e.orch->execute(wf, {}).id;
    REQUIRE(eventually([&] { return g.count() == 1; }));
    e.orch->pause(second);
    CHECK(e.db()->executions().get(second)->status == store::execution_status::paused);
    g.release();
    REQUIRE(e.orch->wait(first, std::chrono::seconds(10)));
    REQUIRE(e.orch->wait(third, std::chrono::seconds(10)));  // the paused one let the third pass
    CHECK_FALSE(e.orch->wait(second, std::chrono::milliseconds(50)).has_value());
    e.orch->resume(second);
    auto out = e.orch->wait(second, std::chrono::seconds(10));
    REQUIRE(out);
    CHECK(out->status == "completed");
}

TEST_CASE("with a free slot an execution is created already claimed and running, with no claim round trip", "[orchestrator][scheduling]") {
    engine e(R"("workflow": {"max_concurrent_executions": 1})");
    gate g;
    g.add_to(e.orch->tasks());
    e.start();
    const auto wf = e.create(gated_workflow);
    // Let the coordinator's first pass find the store empty.
    REQUIRE(eventually([&] { return e.orch->cluster_figures().claims == 0 && e.orch->queued_count() == 0; }));
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    const auto claims_before = e.orch->cluster_figures().claims;

    const auto first = e.orch->execute(wf, {});
    // Returned as stored: running, owned by this instance under lease generation 1.
    CHECK(first.status == store::execution_status::running);
    REQUIRE(first.owner_instance);
    CHECK(*first.owner_instance == e.orch->instance_id());
    CHECK(first.lease_generation == 1);
    auto stored = e.db()->executions().get(first.id);
    REQUIRE(stored);
    CHECK(stored->status == store::execution_status::running);
    CHECK(stored->owner_instance == first.owner_instance);
    CHECK(stored->lease_generation == 1);
    REQUIRE(stored->lease_expires_at);
    CHECK(*stored->lease_expires_at > store::now());
    REQUIRE(eventually([&] { return g.count() == 1; }));

    // The only slot is taken: the next one is stored queued and unowned, and claimed later.
    const auto second = e.orch->execute(wf, {});
    CHECK(second.status == store::execution_status::queued);
    CHECK_FALSE(second.owner_instance);
    g.release();
    for (const auto& id : {first.id, second.id}) {
        auto out = e.orch->wait(id, std::chrono::seconds(20));
        REQUIRE(out);
        CHECK(out->status == "completed");
    }
    // Only the second went through a claim; the first started fresh, not as a resumption.
    CHECK(e.orch->cluster_figures().claims == claims_before + 1);
    const auto started = e.events->of("chainbot.workflow.started");
    CHECK(std::count_if(started.begin(), started.end(), [&](const auto& ev) { return ev.at("execution_id") == first.id.c_str(); }) == 1);
    for (const auto& ev : e.events->of("chainbot.workflow.resumed")) CHECK(ev.at("execution_id") != first.id.c_str());
    e.orch->flush();
    // The runner wrote no second "running" transition: started_at is the creation time.
    stored = e.db()->executions().get(first.id);
    REQUIRE(stored);
    CHECK(stored->status == store::execution_status::completed);
    REQUIRE(stored->started_at);
    CHECK(*stored->started_at == stored->created_at);
}
