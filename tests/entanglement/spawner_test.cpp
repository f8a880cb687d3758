// The agent spawner: types and configs checked at spawn, the limits at their edges, the
// lifecycle persisted and restored, agents as actors with bounded mailboxes, and
// agent_task steps running on idle agents (spawning within the limits, else waiting).
#include "swarm_fixture.hpp"

#include <atomic>
#include <future>
#include <set>

using namespace chainbot;
using namespace chainbot::test;
namespace json = boost::json;

TEST_CASE("spawn refuses unknown and disabled types and bad configs, naming what is wrong", "[agents][spawner]") {
    swarm s(R"("agents": {"types": ["data_processor", "assistant"]})");
    s.start();
    std::string why;
    CHECK(status_of([&] { s.spawn("wizard"); }, &why) == 400);
    CHECK_THAT(why, Catch::Contains("wizard") && Catch::Contains("agents.types"));
    CHECK(status_of([&] { s.spawn("api"); }, &why) == 400);  // a valid type, but not enabled here
    CHECK_THAT(why, Catch::Contains("'api'"));
    CHECK(status_of([&] { s.spawn("assistant", "a", R"({"temperature": 5})"); }, &why) == 400);
    CHECK_THAT(why, Catch::Contains("config: ") && Catch::Contains("temperature") && Catch::Contains("0 to 2"));
    CHECK(status_of([&] { s.spawn("assistant", "a", R"({"personality": 3})"); }, &why) == 400);
    CHECK_THAT(why, Catch::Contains("personality"));
    CHECK(status_of([&] { s.spawn("data_processor", std::string(200, 'n')); }, &why) == 400);
    CHECK(s.d().agents().count() == 0);  // nothing stored by a refused spawn

    const auto id = s.spawn("assistant", "", R"({"personality": "terse", "temperature": 0.2})");
    auto a = s.d().agents().get(id);
    REQUIRE(a);
    CHECK(a->name == "assistant-" + id.substr(28));  // a name is made up when none is given
    CHECK(a->state == store::agent_state::idle);
    CHECK(json::parse(a->config).at("personality") == "terse");
}

TEST_CASE("the per-type and total limits hold at their edges and terminating releases a slot", "[agents][spawner]") {
    swarm s(R"("agents": {"max_instances_per_type": 2, "max_total_instances": 3})");
    s.start();
    const auto a = s.spawn("data_processor");
    s.spawn("data_processor");
    std::string why;
    CHECK(status_of([&] { s.spawn("data_processor"); }, &why) == 409);
    CHECK_THAT(why, Catch::Contains("agents.max_instances_per_type = 2"));
    const auto c = s.spawn("assistant");  // the third in total
    CHECK(status_of([&] { s.spawn("api"); }, &why) == 409);
    CHECK_THAT(why, Catch::Contains("agents.max_total_instances = 3"));

    s.spawner().terminate(a);
    CHECK(status_of([&] { s.spawner().terminate(a); }, &why) == 409);  // already terminated
    CHECK(status_of([&] { s.spawner().terminate("nobody"); }) == 404);
    CHECK(s.spawn("api") != "");  // the released slot is free again
    CHECK(status_of([&] { s.spawn("workflow"); }) == 409);
    s.spawner().terminate(c);

    // The limits are live: raising one takes effect at once.
    REQUIRE(s.module.get_runtime()->change_setting("agents.max_total_instances", "10"));
    CHECK(s.spawn("workflow") != "");
    CHECK(s.d().agents().count({.state = store::agent_state::terminated}) == 2);
}

TEST_CASE("spawned and terminated agents are events and the lifecycle survives a restart", "[agents][spawner]") {
    temp_dir dir;
    std::string kept, ended, busy;
    {
        swarm s("", "sqlite:///" + (dir.path() / "agents.db").string());
        s.start();
        kept = s.spawn("data_processor", "keeper");
        ended = s.spawn("assistant", "leaver");
        busy = s.spawn("api", "busy");
        s.spawner().terminate(ended);
        CHECK(s.events->of("chainbot.agent.spawned").size() == 3);
        auto t = s.events->of("chainbot.agent.terminated");
        REQUIRE(t.size() == 1);
        CHECK(t[0].at("agent_id") == json::value(ended));
        CHECK(t[0].at("agent_type") == "assistant");
        s.module.stop();
        // As if the process died while `busy` was working.
        s.d().agents().set_state(busy, store::agent_state::working);
    }
    swarm again("", "sqlite:///" + (dir.path() / "agents.db").string());
    again.start();
    CHECK(again.spawner().is_live(kept));
    CHECK(again.spawner().is_live(busy));
    CHECK_FALSE(again.spawner().is_live(ended));
    CHECK(again.d().agents().get(busy)->state == store::agent_state::idle);  // its job died with the process
    CHECK(again.d().agents().get(ended)->state == store::agent_state::terminated);
    const auto c = again.spawner().counts();
    CHECK(c.idle == 2);
    CHECK(c.working == 0);
}

TEST_CASE("an agent of a type no longer enabled is restored in the error state and gets no work", "[agents][spawner]") {
    temp_dir dir;
    const auto url = "sqlite:///" + (dir.path() / "agents.db").string();
    std::string id;
    {
        swarm s("", url);
        s.start();
        id = s.spawn("api");
    }
    swarm again(R"("agents": {"types": ["data_processor"]})", url);
    again.start();
    CHECK(again.d().agents().get(id)->state == store::agent_state::error);
    CHECK(again.spawner().counts().error == 1);
    std::string why;
    CHECK_FALSE(again.spawner().deliver(id, [](const auto&) {}, &why));
    CHECK_THAT(why, Catch::Contains("error state"));
    const auto health = again.module.get_runtime()->health().report();
    CHECK(health.at("components").at("agent_spawner").at("score").to_number<double>() < 1.0);
}

TEST_CASE("a mailbox runs one job at a time, in order, and refuses jobs beyond its capacity", "[agents][spawner]") {
    swarm s(R"("agents": {"mailbox_capacity": 3})");
    s.start();
    const auto id = s.spawn("data_processor");
    gate g;
    std::mutex m;
    std::vector<int> order;
    std::atomic<int> running{0}, most{0};
    auto job = [&](int n) {
        return [&, n](const std::shared_ptr<const orchestrator::agent_handle>& h) {
            CHECK(h->id == id);
            const int now = ++running;
            most = std::max(most.load(), now);
            if (n == 0) g.pass();
            {
                std::lock_guard lock(m);
                order.push_back(n);
            }
            --running;
        };
    };
    REQUIRE(s.spawner().deliver(id, job(0)));
    REQUIRE(eventually([&] { return g.waiters() == 1; }));  // job 0 runs and holds the agent
    CHECK(s.d().agents().get(id)->state == store::agent_state::working);
    for (int n = 1; n <= 3; ++n) REQUIRE(s.spawner().deliver(id, job(n)));
    std::string why;
    CHECK_FALSE(s.spawner().deliver(id, job(4), &why));
    CHECK_THAT(why, Catch::Contains("full") && Catch::Contains("agents.mailbox_capacity = 3"));
    g.release();
    REQUIRE(eventually([&] {
        std::lock_guard lock(m);
        return order.size() == 4;
    }));
    CHECK(order == std::vector<int>{0, 1, 2, 3});
    CHECK(most == 1);
    CHECK(eventually([&] { return s.d().agents().get(id)->state == store::agent_state::idle; }));
    const auto changes = s.events->of("chainbot.agent.state_changed");
    REQUIRE(changes.size() >= 2);
    CHECK(changes.front().at("state") == "working");
    CHECK(changes.back().at("state") == "idle");
}

TEST_CASE("terminating an agent drops the jobs still in its mailbox", "[agents][spawner]") {
    swarm s;
    s.start();
    const auto id = s.spawn("data_processor");
    gate g;
    std::atomic<int> ran{0}, dropped{0};
    REQUIRE(s.spawner().deliver(id, [&](const auto&) {
        g.pass();
        ++ran;
    }));
    REQUIRE(eventually([&] { return g.waiters() == 1; }));
    REQUIRE(s.spawner().deliver(id, [&](const auto&) { ++ran; }, nullptr, [&] { ++dropped; }));
    s.spawner().terminate(id);
    CHECK(dropped == 1);
    g.release();
    CHECK(eventually([&] { return ran == 1; }));
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    CHECK(ran == 1);  // the queued job never ran
    std::string why;
    CHECK_FALSE(s.spawner().deliver(id, [](const auto&) {}, &why));
    CHECK_THAT(why, Catch::Contains("terminated"));
}

namespace {

const std::string one_task = R"({"name": "t", "steps": [
    {"id": "s", "type": "agent_task", "agent_type": "data_processor", "task": "whoami", "input": {"n": "${input.n}"}}]})";

}  // namespace

TEST_CASE("an agent_task step runs on an agent: spawned within the limits, then reused", "[agents][spawner]") {
    swarm s;
    s.orch->tasks().add("data_processor", "whoami", [](const orchestrator::task_call& call) -> json::value {
        REQUIRE(call.agent);
        return json::object{{"agent", call.agent->id}, {"type", call.agent->type}, {"n", call.input.at("n")}};
    });
    s.start();
    const auto wf = s.create(one_task);
    auto first = s.run(wf, R"({"n": 1})");
    REQUIRE(first.status == "completed");
    const auto agent = std::string(first.output.at("s").at("agent").as_string());
    CHECK(first.output.at("s").at("type") == "data_processor");
    CHECK(s.spawner().is_live(agent));  // spawned for the step, and kept
    REQUIRE(eventually([&] { return s.spawner().counts().idle == 1; }));
    auto second = s.run(wf, R"({"n": 2})");
    REQUIRE(second.status == "completed");
    CHECK(second.output.at("s").at("agent") == json::value(agent));  // the idle agent is reused
    CHECK(s.d().agents().count() == 1);
    CHECK(eventually([&] { return s.d().agents().get(agent)->counters.tasks_completed == 2; }));

    // The built-in tasks run the same way.
    const auto stats = s.create(R"({"name": "stats", "steps": [{"id": "s", "type": "agent_task",
        "agent_type": "data_processor", "task": "compute_statistics",
        "input": {"records": [{"v": 1}, {"v": 2}, {"v": 3}, {"v": 4}]}}]})");
    auto out = s.run(stats);
    REQUIRE(out.status == "completed");
    CHECK(out.output.at("s").at("fields").at("v").at("mean").to_number<double>() == Approx(2.5));
}

TEST_CASE("a compute task that finds its agent already working runs on the dispatching thread, a blocking one never",
          "[agents][spawner]") {
    swarm s(R"("agents": {"max_instances_per_type": 1})");
    s.start();
    const auto caller = std::this_thread::get_id();
    struct ran {
        bool here = false;       // on the thread that called run_task
        bool before_return = false;  // done was called before run_task returned
        std::string agent;
        json::value output;
    };
    const auto run = [&](orchestrator::task_kind kind, int n) {
        auto out = std::make_shared<ran>();
        auto returned = std::make_shared<std::atomic<bool>>(false);
        auto finished = std::make_shared<std::promise<void>>();  // outlives a timed-out wait
        auto future = finished->get_future();
        orchestrator::task_call call;
        call.execution_id = "e";
        call.step_id = "s" + std::to_string(n);
        call.input = json::object{{"n", n}};
        s.spawner().run_task(
            "data_processor", call,
            [out, caller](const orchestrator::task_call& c) -> json::value {
                out->here = std::this_thread::get_id() == caller;
                out->agent = c.agent ? c.agent->id : "";
                return json::object{{"twice", c.input.at("n").as_int64() * 2}};
            },
            [out, returned, finished](std::exception_ptr error, json::value output) {
                out->before_return = !returned->load();
                out->output = error ? json::value("error") : std::move(output);
                finished->set_value();
            },
            kind);
        returned->store(true);
        REQUIRE(future.wait_for(std::chrono::seconds(10)) == std::future_status::ready);
        return *out;
    };
    // Back to back: the agent stays persisted as working between them (a 20 ms grace before
    // idle is written), so compute tasks run here; a fresh agent's first task, and any task
    // that comes after the idle write, go to the work pool, which persists `working`.
    int here = 0;
    std::set<std::string> agents;
    for (int i = 0; i < 50; ++i) {
        const auto r = run(orchestrator::task_kind::compute, i);
        INFO(i);
        CHECK(r.output == json::parse(R"({"twice": )" + std::to_string(2 * i) + "}"));
        // Run here means finished before run_task returned. (Not the converse: a task handed to
        // the pool may finish before the caller's next instruction.)
        CHECK((!r.here || r.before_return));
        here += r.here;
        agents.insert(r.agent);
    }
    CHECK(here > 0);
    CHECK(agents.size() == 1);  // one agent of the type may exist: every task ran on it
    CHECK_FALSE(run(orchestrator::task_kind::compute, 50).output.is_null());
    for (int i = 0; i < 20; ++i) {
        const auto r = run(orchestrator::task_kind::blocking, i);
        INFO(i);
        CHECK_FALSE(r.here);
        CHECK(r.output.at("twice") == 2 * i);
    }
    CHECK(eventually([&] { return s.d().agents().get(*agents.begin())->counters.tasks_completed == 71; }));
    CHECK(eventually([&] { return s.d().agents().get(*agents.begin())->state == store::agent_state::idle; }));
    INFO(here << " of 50 compute tasks ran on the dispatching thread");
}

TEST_CASE("with the type at its limit a step waits its turn for the next idle agent", "[agents][spawner]") {
    swarm s(R"("agents": {"max_instances_per_type": 1}, "workflow": {"max_concurrent_executions": 4})");
    gate g;
    std::atomic<int> calls{0};
    s.orch->tasks().add("data_processor", "whoami", [&](const orchestrator::task_call& call) -> json::value {
        if (++calls == 1) g.pass();
        return json::object{{"agent", call.agent->id}};
    });
    s.start();
    const auto wf = s.create(one_task);
    orchestrator::execute_request req;
    req.input = json::parse(R"({"n": 1})");
    auto e1 = s.orch->execute(wf, req);
    REQUIRE(eventually([&] { return g.waiters() == 1; }));
    auto e2 = s.orch->execute(wf, req);
    auto e3 = s.orch->execute(wf, req);
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    CHECK(calls == 1);  // the others wait: no second agent may exist
    CHECK(s.spawner().counts().waiting_tasks == 2);
    g.release();
    std::set<std::string> agents_used;
    for (const auto& id : {e1.id, e2.id, e3.id}) {
        auto out = s.orch->wait(id, std::chrono::seconds(10));
        REQUIRE(out);
        REQUIRE(out->status == "completed");
        agents_used.insert(std::string(out->output.at("s").at("agent").as_string()));
    }
    CHECK(agents_used.size() == 1);
    CHECK(s.d().agents().count() == 1);
}

TEST_CASE("an agent_task of a type that may have no instance fails with a clear error", "[agents][spawner]") {
    swarm s(R"("agents": {"max_instances_per_type": 0}, "workflow": {"retry_attempts": 0})");
    s.start();
    const auto wf = s.create(R"({"name": "t", "steps": [{"id": "s", "type": "agent_task",
        "agent_type": "data_processor", "task": "compute_statistics", "input": {"records": [{"v": 1}]}}]})");
    auto out = s.run(wf);
    CHECK(out.status == "failed");
    CHECK_THAT(out.error, Catch::Contains("agents.max_instances_per_type = 0"));
}
