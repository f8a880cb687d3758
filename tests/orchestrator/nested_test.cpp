// The nested steps of loop and parallel steps are step runs of their own: in the
// execution's history, and not run again when an execution resumes after a restart.
#include "engine_fixture.hpp"

#include <atomic>
#include <condition_variable>
#include <thread>

using namespace chainbot;
using namespace chainbot::test;
namespace json = boost::json;

namespace {

const std::string looping = R"({"name": "loop", "steps": [
    {"id": "each", "type": "loop", "items": "${input.items}", "steps": [
        {"id": "work", "type": "agent_task", "agent_type": "data_processor", "task": "count", "input": {"x": "${item}"}},
        {"id": "fan", "type": "parallel", "steps": [
            {"id": "a", "type": "transform", "transform_type": "expression", "expression": "item * 10"},
            {"id": "b", "type": "transform", "transform_type": "expression", "expression": "item * 100"}]}]}]})";

std::map<std::string, store::step_run> by_step(const std::vector<store::step_run>& runs) {
    std::map<std::string, store::step_run> out;
    for (const auto& r : runs) out[r.step_id] = r;
    return out;
}

}  // namespace

TEST_CASE("nested loop and parallel steps are recorded in the history with their paths", "[orchestrator][nested]") {
    engine e;
    std::atomic<int> calls{0};
    e.orch->tasks().add("data_processor", "count", [&](const orchestrator::task_call& call) -> json::value {
        ++calls;
        CHECK_THAT(call.idempotency_key, Catch::Contains(":each["));
        return call.input.at("x");
    });
    e.start();
    const auto wf = e.create(looping);
    auto out = e.run(wf, R"({"items": [1, 2]})");
    REQUIRE(out.status == "completed");
    CHECK(calls == 2);
    const auto runs = by_step(e.history(out.execution_id));
    for (const char* path : {"each", "each[0].work", "each[1].work", "each[0].fan", "each[0].fan.a", "each[1].fan.b"}) {
        INFO(path);
        REQUIRE(runs.count(path));
        CHECK(runs.at(path).status == store::step_status::completed);
    }
    CHECK(json::parse(*runs.at("each[1].fan.b").output) == 200);
    CHECK(runs.at("each[1].work").idempotency_key == out.execution_id + ":each[1].work:1");
}

TEST_CASE("a resumed execution does not run again the nested steps that completed", "[orchestrator][nested]") {
    temp_dir dir;
    const auto url = "sqlite:///" + (dir.path() / "n.db").string();
    std::string execution;
    std::mutex m;
    std::condition_variable cv;
    bool blocked = false, release = false;
    std::vector<std::int64_t> first_run;
    {
        engine e("", url);
        e.orch->tasks().add("data_processor", "count", [&](const orchestrator::task_call& call) -> json::value {
            const auto x = call.input.at("x").as_int64();
            std::unique_lock lock(m);
            first_run.push_back(x);
            if (x == 3) {  // the third iteration is in flight when the module stops
                blocked = true;
                cv.notify_all();
                cv.wait_for(lock, std::chrono::seconds(10), [&] { return release; });
                throw orchestrator::step_failure("cancelled", "stopping");
            }
            return x;
        });
        e.start();
        const auto wf = e.create(looping);
        orchestrator::execute_request req;
        req.input = json::parse(R"({"items": [1, 2, 3, 4]})");
        execution = e.orch->execute(wf, req).id;
        {
            std::unique_lock lock(m);
            REQUIRE(cv.wait_for(lock, std::chrono::seconds(10), [&] { return blocked; }));
        }
        std::thread opener([&] {
            std::this_thread::sleep_for(std::chrono::milliseconds(200));
            std::lock_guard lock(m);
            release = true;
            cv.notify_all();
        });
        e.module.stop();  // the execution stays running in the store
        opener.join();
    }
    CHECK(first_run == std::vector<std::int64_t>{1, 2, 3});
    engine again("", url);
    std::vector<std::int64_t> second_run;
    again.orch->tasks().add("data_processor", "count", [&](const orchestrator::task_call& call) -> json::value {
        std::lock_guard lock(m);
        second_run.push_back(call.input.at("x").as_int64());
        return call.input.at("x");
    });
    again.start();
    auto out = again.orch->wait(execution, std::chrono::seconds(20));
    REQUIRE(out);
    REQUIRE(out->status == "completed");
    CHECK(second_run == std::vector<std::int64_t>{3, 4});  // 1 and 2 completed before: not run again
    const auto& results = out->output.at("each").at("results").as_array();
    REQUIRE(results.size() == 4);
    CHECK(results[0].at("work") == 1);
    CHECK(results[3].at("fan").at("outputs").at("b") == 400);
}
