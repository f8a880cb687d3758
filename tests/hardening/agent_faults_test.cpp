// Agent tasks that hang or throw cost nothing: the step fails (timeout, or the task's error)
// without holding the execution, the agent is usable again (or reported working while a task
// that ignores cancellation still runs), and the other steps go on.
#include "hardening_support.hpp"
#include "module_fixture.hpp"

#include <atomic>
#include <future>
#include <mutex>
#include <set>

using namespace chainbot;
using namespace chainbot::test;
namespace json = boost::json;

namespace {

std::string one_step(const std::string& task, const std::string& extra = "") {
    return R"({"name": ")" + task + R"(", "steps": [{"id": "only", "type": "agent_task", "agent_type": "data_processor", "task": ")" +
           task + R"(", "retry": {"max_attempts": 1})" + (extra.empty() ? "" : ", " + extra) + "}]}";
}

struct agent_log {
    std::mutex mutex;
    std::vector<std::string> agents;  // the agent each run ran on
    void add(const orchestrator::task_call& c) {
        std::lock_guard lock(mutex);
        agents.push_back(c.agent ? c.agent->id : "");
    }
    std::string last() {
        std::lock_guard lock(mutex);
        return agents.empty() ? "" : agents.back();
    }
};

void add_quick(module_fixture& m, agent_log& log) {
    m.orch().tasks().add("data_processor", "quick", [&log](const orchestrator::task_call& c) -> json::value {
        log.add(c);
        return json::object{{"ok", true}};
    });
}

std::string agent_state(module_fixture& m, const std::string& id) {
    auto r = m.as_admin("GET", "/api/chainbot/agents/" + id);
    return r.status == 200 ? std::string(r.json().at("state").as_string()) : "status " + std::to_string(r.status);
}

}  // namespace

TEST_CASE("an agent task that hangs past its step timeout fails the step with a timeout and the agent is usable again",
          "[hardening][agents]") {
    module_fixture m;
    agent_log log;
    std::atomic<bool> noticed{false};
    m.orch().tasks().add("data_processor", "hang", [&](const orchestrator::task_call& c) -> json::value {
        log.add(c);
        while (!c.cancelled->load()) std::this_thread::sleep_for(std::chrono::milliseconds(5));
        noticed = true;  // the timeout cancelled it: it gives up
        throw orchestrator::step_failure("cancelled", "gave up");
    });
    add_quick(m, log);
    m.start();
    const auto hang = m.workflow(one_step("hang", R"("timeout_seconds": 0.5)"));
    const auto t0 = std::chrono::steady_clock::now();
    const auto out = m.run(hang, std::chrono::seconds(10));
    REQUIRE(out);
    const auto took = seconds_since(t0);
    CHECK(out->status == "failed");
    CHECK_THAT(out->error, Catch::Contains("timed out after 500 ms"));
    CHECK(took < 3.0);
    const auto agent = log.last();
    REQUIRE_FALSE(agent.empty());
    CHECK(eventually([&] { return noticed.load(); }));
    CHECK(eventually([&] { return m.spawner().counts().working == 0; }));
    CHECK(eventually([&] { return agent_state(m, agent) == "idle"; }));
    // The same agent takes the next step.
    const auto quick = m.workflow(one_step("quick"));
    const auto next = m.run(quick);
    REQUIRE(next);
    CHECK(next->status == "completed");
    CHECK(log.last() == agent);
    CHECK(m.spawner().live_agents("data_processor").size() == 1);
    report("agent-hang (honours cancellation): step failed with a timeout after %.2f s (timeout 0.5 s), agent idle again "
           "and reused by the next step",
           took);
}

TEST_CASE("an agent task that ignores cancellation: the step times out at once, other steps run on another agent, the "
          "agent is reported working until the task returns",
          "[hardening][agents]") {
    module_fixture m;
    agent_log log;
    std::promise<void> release;
    std::shared_future<void> gate = release.get_future().share();
    std::atomic<bool> returned{false};
    m.orch().tasks().add("data_processor", "stuck", [&, gate](const orchestrator::task_call& c) -> json::value {
        log.add(c);
        gate.wait();  // deaf to cancellation
        returned = true;
        return json::object{{"late", true}};
    });
    add_quick(m, log);
    m.start();
    struct releaser {
        std::promise<void>& p;
        bool done = false;
        ~releaser() {
            if (!done) p.set_value();  // never leave the task blocked when a check fails
        }
    } guard{release};
    const auto stuck = m.workflow(one_step("stuck", R"("timeout_seconds": 0.5)"));
    const auto t0 = std::chrono::steady_clock::now();
    const auto e = m.orch().execute(stuck, {});
    const auto out = m.orch().wait(e.id, std::chrono::seconds(10));
    REQUIRE(out);
    const auto took = seconds_since(t0);
    CHECK(out->status == "failed");
    CHECK_THAT(out->error, Catch::Contains("timed out"));
    CHECK(took < 3.0);
    const auto busy_agent = log.last();
    REQUIRE_FALSE(busy_agent.empty());
    // Reported: the agent is working (its task still runs), the spawner counts it.
    CHECK(agent_state(m, busy_agent) == "working");
    CHECK(m.spawner().counts().working == 1);
    // Other work is not held: the next step runs on another agent.
    const auto quick = m.workflow(one_step("quick"));
    const auto next = m.run(quick, std::chrono::seconds(10));
    REQUIRE(next);
    CHECK(next->status == "completed");
    CHECK(log.last() != busy_agent);
    CHECK_FALSE(returned.load());
    // The task returns at last: the agent is idle again; its late result changes nothing.
    release.set_value();
    guard.done = true;
    CHECK(eventually([&] { return returned.load(); }));
    CHECK(eventually([&] { return agent_state(m, busy_agent) == "idle"; }));
    m.orch().flush();
    const auto after = m.as_admin("GET", "/api/chainbot/executions/" + e.id);
    REQUIRE(after.status == 200);
    CHECK(after.json().at("status") == "failed");
    CHECK(after.body.find("\"late\"") == std::string::npos);
    // Both agents serve steps again.
    std::set<std::string> used;
    for (int i = 0; i < 6; ++i) {
        const auto r = m.run(quick);
        REQUIRE(r);
        CHECK(r->status == "completed");
        used.insert(log.last());
    }
    CHECK(m.spawner().live_agents("data_processor").size() == 2);
    report("agent-hang (ignores cancellation): step failed with a timeout after %.2f s while the task still ran; the agent "
           "was reported working, another agent ran the next step, the agent was idle again when the task returned",
           took);
}

TEST_CASE("an agent task that throws fails its step with the error and the agent goes back to idle",
          "[hardening][agents]") {
    module_fixture m;
    agent_log log;
    m.orch().tasks().add("data_processor", "throws", [&](const orchestrator::task_call& c) -> json::value {
        log.add(c);
        throw std::runtime_error("the task broke: boom");
    });
    m.orch().tasks().add("data_processor", "throws_other", [&](const orchestrator::task_call& c) -> json::value {
        log.add(c);
        throw 42;  // not a std::exception
    });
    add_quick(m, log);
    m.start();
    // No step timeout: a task's exception alone must end the step.
    const auto throws = m.workflow(one_step("throws"));
    const auto out = m.run(throws, std::chrono::seconds(10));
    REQUIRE(out);
    CHECK(out->status == "failed");
    CHECK_THAT(out->error, Catch::Contains("the task broke: boom"));
    const auto agent = log.last();
    CHECK(eventually([&] { return agent_state(m, agent) == "idle"; }));

    const auto other = m.workflow(one_step("throws_other"));
    const auto out2 = m.run(other, std::chrono::seconds(10));
    REQUIRE(out2);  // not stuck until the execution's timeout
    CHECK(out2->status == "failed");
    CHECK_FALSE(out2->error.empty());
    CHECK(eventually([&] { return agent_state(m, agent) == "idle"; }));

    const auto quick = m.workflow(one_step("quick"));
    const auto next = m.run(quick);
    REQUIRE(next);
    CHECK(next->status == "completed");
    CHECK(log.last() == agent);
    // The failures are counted on the agent (written with its idle state).
    CHECK(eventually([&] {
        const auto r = m.as_admin("GET", "/api/chainbot/agents/" + agent);
        return r.status == 200 && r.json().at("tasks_failed").to_number<int>() == 2;
    }));
    report("agent-throw: a std::exception and a non-standard exception each failed their step at once (\"%s\"; \"%s\"), "
           "the agent went back to idle and ran the next step",
           out->error.c_str(), out2->error.c_str());
}
