// resources.max_memory_mb: load drives the module's memory over the limit, admission
// closes (new executions wait, those that asked not to wait and spawns are refused with
// 503 resource_limit naming the limit), caches are trimmed, the event and health say so;
// nothing admitted is lost, and admission reopens once memory falls below the margin.
#include "governed_engine.hpp"

#include "agents/spawner.hpp"

using namespace chainbot;
using namespace chainbot::test;
namespace json = boost::json;

namespace {

orchestrator::execute_request no_wait() {
    orchestrator::execute_request r;
    r.queue = false;
    return r;
}

}  // namespace

TEST_CASE("memory limit: load closes admission, held work waits, refusals name the limit, nothing is lost",
          "[resources][memory]") {
    // 60 MB plus 10 MB per running execution: the fifth makes 110 MB, above the 100 MB limit.
    // Resumes below 90 MB (the 10 % margin).
    governed_engine e(R"("max_memory_mb": 100, "sample_interval_seconds": 0.05)",
                      R"("workflow": {"max_concurrent_executions": 10})");
    gate g;
    g.add_to(e.orch->tasks());
    e.monitor->set_usage_source([&] {
        return resources::usage_sample{static_cast<std::uint64_t>(60 + 10 * e.orch->running_count()) * mib, 5.0};
    });
    e.start();
    const auto wf = e.create(gated_workflow);
    const auto other = e.create(R"({"name": "plain", "steps": [{"id": "a", "type": "transform", "value": 1}]})");
    REQUIRE(e.run(other).status == "completed");  // its definition is cached now
    REQUIRE(e.orch->definition_cache_stats().entries > 0);

    // Drive load until admission closes.
    std::vector<std::string> admitted;
    for (int i = 0; i < 10 && e.governor().admits(); ++i) {
        admitted.push_back(e.orch->execute(wf, {}).id);
        REQUIRE(eventually([&] { return e.orch->running_count() == admitted.size(); }));
        e.monitor->sample_now();  // as the timer would, without waiting for it
    }
    REQUIRE_FALSE(e.governor().admits());
    CHECK(admitted.size() == 5);
    REQUIRE(e.governor().closed()->source == "memory");
    CHECK(e.governor().closed()->reason.find("resources.max_memory_mb = 100") != std::string::npos);

    // Said so: the event, health, metrics; the caches were trimmed.
    REQUIRE(eventually([&] { return e.events->of("chainbot.resources.pressure").size() == 1; }));
    const auto pressure = e.events->of("chainbot.resources.pressure")[0];
    CHECK(pressure.at("resource") == "memory");
    CHECK(pressure.at("limit_mb") == 100);
    CHECK(pressure.at("rss_mb").to_number<double>() > 100.0);
    CHECK(e.orch->definition_cache_stats().entries == 0);
    const auto health = e.health_component("resources");
    CHECK(health.at("status") == "degraded");
    CHECK(std::string(health.at("detail").as_string()).find("resources.max_memory_mb") != std::string::npos);
    CHECK(e.monitor->memory_pressure());

    // New work is held: queued executions wait, the others are refused with the documented error.
    std::vector<std::string> held;
    for (int i = 0; i < 3; ++i) held.push_back(e.orch->execute(wf, {}).id);
    try {
        e.orch->execute(wf, no_wait());
        FAIL("an execution that asked not to wait was admitted under memory pressure");
    } catch (const service_error& err) {
        CHECK(err.status() == 503);
        CHECK(err.code() == "resource_limit");
        CHECK(std::string(err.what()).find("resources.max_memory_mb = 100") != std::string::npos);
        CHECK(err.retry_after_seconds() >= 1);
    }
    try {
        e.module.get_spawner()->spawn({"data_processor", "", {}});
        FAIL("a spawn was admitted under memory pressure");
    } catch (const service_error& err) {
        CHECK(err.status() == 503);
        CHECK(err.code() == "resource_limit");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    CHECK(e.orch->running_count() == 5);  // none of the held ones started
    e.orch->flush();
    for (const auto& id : held) CHECK(e.db()->executions().get(id)->status == store::execution_status::queued);

    // Memory falls, but not below the margin (90 MB): still closed.
    g.release(2);
    REQUIRE(eventually([&] { return e.orch->running_count() == 3; }));
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    CHECK_FALSE(e.governor().admits());
    CHECK(e.orch->running_count() == 3);
    e.orch->flush();
    for (const auto& id : held) CHECK(e.db()->executions().get(id)->status == store::execution_status::queued);

    // Below it: admission reopens and the held executions start.
    g.open_all();
    for (const auto& id : admitted) {
        auto out = e.orch->wait(id, std::chrono::seconds(20));
        REQUIRE(out);
        CHECK(out->status == "completed");
    }
    for (const auto& id : held) {
        auto out = e.orch->wait(id, std::chrono::seconds(20));
        REQUIRE(out);
        CHECK(out->status == "completed");  // nothing admitted was lost
    }
    REQUIRE(eventually([&] { return e.governor().admits(); }));
    REQUIRE(eventually([&] { return !e.events->of("chainbot.resources.normal").empty(); }));
    CHECK(e.events->of("chainbot.resources.normal")[0].at("resource") == "memory");
    CHECK(e.health_component("resources").at("status") == "healthy");
    // Open again: an execution that asks not to wait starts.
    const auto now = e.orch->execute(other, no_wait()).id;
    auto out = e.orch->wait(now, std::chrono::seconds(10));
    REQUIRE(out);
    CHECK(out->status == "completed");
    CHECK(e.governor().to_json(10).at("refused").at("execution") == 1);
    CHECK(e.governor().to_json(10).at("refused").at("spawn") == 1);
}

TEST_CASE("memory limit: a real limit below the real RSS closes admission and raising it reopens",
          "[resources][memory]") {
    // 1 MB: far below what any process holds, so the first sample (at start) closes admission.
    governed_engine e(R"("max_memory_mb": 1, "sample_interval_seconds": 0.05)");
    e.start();
    REQUIRE(e.monitor->latest());
    REQUIRE(e.monitor->latest()->rss_bytes);
    CHECK(*e.monitor->latest()->rss_bytes > mib);
    REQUIRE(eventually([&] { return e.monitor->memory_pressure(); }));
    CHECK_FALSE(e.governor().admits());
    const auto wf = e.create(R"({"name": "plain", "steps": [{"id": "a", "type": "transform", "value": 7}]})");
    const auto id = e.orch->execute(wf, {}).id;
    CHECK_THROWS_AS(e.orch->execute(wf, no_wait()), service_error);
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    CHECK_FALSE(e.orch->wait(id, std::chrono::milliseconds(10)));  // held
    e.orch->flush();
    CHECK(e.db()->executions().get(id)->status == store::execution_status::queued);

    // The operator raises the limit while running: pressure ends at once, the execution runs.
    REQUIRE(e.module.get_runtime()->change_setting("resources.max_memory_mb", "1000000"));
    auto out = e.orch->wait(id, std::chrono::seconds(10));
    REQUIRE(out);
    CHECK(out->status == "completed");
    CHECK(e.governor().admits());
    CHECK_FALSE(e.monitor->memory_pressure());
}

TEST_CASE("memory limit: agent_task steps of admitted executions still get an agent under pressure",
          "[resources][memory]") {
    governed_engine e(R"("max_memory_mb": 100, "sample_interval_seconds": 3600)");
    std::atomic<std::uint64_t> rss{50 * mib};
    e.monitor->set_usage_source([&] { return resources::usage_sample{rss.load(), 1.0}; });
    e.start();
    rss = 500 * mib;
    e.monitor->sample_now();
    REQUIRE_FALSE(e.governor().admits());
    // No data_processor agent exists yet: the step's agent is spawned although spawns are held.
    std::promise<std::string> done;
    auto result = done.get_future();
    orchestrator::task_call call;
    call.cancelled = std::make_shared<std::atomic<bool>>(false);
    e.module.get_spawner()->run_task(
        "data_processor", call, [](const orchestrator::task_call&) -> json::value { return "ran"; },
        [&](std::exception_ptr error, json::value out) {
            done.set_value(error ? std::string("failed") : std::string(out.as_string()));
        });
    REQUIRE(result.wait_for(std::chrono::seconds(10)) == std::future_status::ready);
    CHECK(result.get() == "ran");
    CHECK_THROWS_AS(e.module.get_spawner()->spawn({"data_processor", "", {}}), service_error);
}
