// resources.max_cpu_percent: above it the number of executions running at once steps down
// one per sample, never below one; below the limit minus the margin it steps back up.
#include "governed_engine.hpp"

using namespace chainbot;
using namespace chainbot::test;

TEST_CASE("CPU limit: concurrency steps down to one and back up", "[resources][cpu]") {
    // The timer samples once an hour: the test takes each sample itself, with scripted CPU figures.
    governed_engine e(R"("max_cpu_percent": 50, "sample_interval_seconds": 3600)",
                      R"("workflow": {"max_concurrent_executions": 4})");
    gate g;
    g.add_to(e.orch->tasks());
    std::atomic<double> cpu{10.0};
    e.monitor->set_usage_source([&] { return resources::usage_sample{64 * mib, cpu.load()}; });
    e.start();
    const auto wf = e.create(gated_workflow);
    std::vector<std::string> ids;
    for (int i = 0; i < 8; ++i) ids.push_back(e.orch->execute(wf, {}).id);
    REQUIRE(eventually([&] { return e.orch->running_count() == 4; }));
    CHECK(e.orch->concurrency_limit() == 4);

    // Above the limit: 3, 2, 1, and never below one.
    cpu = 90.0;
    for (std::size_t expected : {3u, 2u, 1u, 1u}) {
        e.monitor->sample_now();
        CHECK(e.orch->concurrency_limit() == expected);
    }
    CHECK(e.events->of("chainbot.resources.pressure").size() == 1);
    CHECK(e.events->of("chainbot.resources.pressure")[0].at("resource") == "cpu");
    CHECK(e.governor().to_json(4).at("state") == "throttled");
    CHECK(e.governor().admits());  // throttled, not closed: work still queues and starts, fewer at once
    CHECK(std::string(e.health_component("resources").at("detail").as_string()).find("max_cpu_percent") !=
          std::string::npos);

    // Four executions finish; one at a time starts after them.
    g.release(4);
    REQUIRE(eventually([&] {
        return e.events->of("chainbot.workflow.completed").size() == 4 && e.orch->running_count() == 1;
    }));
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    CHECK(e.orch->running_count() == 1);
    CHECK(e.orch->queued_count() == 3);

    // Below the limit minus the margin (45 %): 2, 3, then the cap is lifted (4).
    cpu = 47.0;
    e.monitor->sample_now();
    CHECK(e.orch->concurrency_limit() == 1);  // within the margin: holds
    cpu = 10.0;
    for (int expected : {2, 3, 4}) {
        e.monitor->sample_now();
        CHECK(e.orch->concurrency_limit() == static_cast<std::size_t>(expected));
        // Queued executions start at once.
        CHECK(eventually([&] { return e.orch->running_count() == static_cast<std::size_t>(expected); }));
    }
    CHECK(e.events->of("chainbot.resources.normal").size() == 1);
    CHECK(e.governor().to_json(4).at("state") == "open");

    g.open_all();
    for (const auto& id : ids) {
        auto out = e.orch->wait(id, std::chrono::seconds(20));
        REQUIRE(out);
        CHECK(out->status == "completed");
    }
}

TEST_CASE("CPU limit: a real busy load is measured and lowers concurrency", "[resources][cpu]") {
    // A limit of 1 % of the machine: tasks spinning on the CPU exceed it on any machine.
    governed_engine e(R"("max_cpu_percent": 1, "sample_interval_seconds": 0.1)",
                      R"("workflow": {"max_concurrent_executions": 3})");
    std::atomic<bool> stop{false};
    e.orch->tasks().add("data_processor", "spin", [&](const orchestrator::task_call&) -> boost::json::value {
        volatile double x = 0;
        const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(20);
        while (!stop && std::chrono::steady_clock::now() < until) x = x + 1;
        return nullptr;
    });
    e.start();
    const auto wf = e.create(R"({"name": "spin", "steps": [
        {"id": "s", "type": "agent_task", "agent_type": "data_processor", "task": "spin"}]})");
    std::vector<std::string> ids;
    for (int i = 0; i < 3; ++i) ids.push_back(e.orch->execute(wf, {}).id);
    CHECK(eventually([&] { return e.orch->concurrency_limit() == 1; }, std::chrono::seconds(15)));
    REQUIRE(e.monitor->latest());
    REQUIRE(e.monitor->latest()->cpu_percent);
    stop = true;
    for (const auto& id : ids) REQUIRE(e.orch->wait(id, std::chrono::seconds(20)));
    // Idle again: the cap steps back up and is lifted.
    REQUIRE(e.module.get_runtime()->change_setting("resources.max_cpu_percent", "100"));
    CHECK(eventually([&] { return e.orch->concurrency_limit() == 3; }, std::chrono::seconds(15)));
}
