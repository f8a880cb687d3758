// The workflow agent: alert rules over finished executions, and tasks that start and
// inspect executions.
#include "swarm_fixture.hpp"

using namespace chainbot;
using namespace chainbot::test;
namespace json = boost::json;

namespace {

const std::string failing = R"({"name": "fails", "steps": [{"id": "boom", "type": "agent_task",
    "agent_type": "data_processor", "task": "no_such_task"}]})";
const std::string adding = R"({"name": "adds", "steps": [
    {"id": "sum", "type": "transform", "transform_type": "expression", "expression": "input.a + input.b"}]})";

}  // namespace

TEST_CASE("alert rules are checked at spawn and name the broken key", "[agents][workflow_agent]") {
    swarm s;
    s.start();
    std::string why;
    CHECK(status_of([&] { s.spawn("workflow", "w", R"({"alert_rules": [{"threshold": 0}]})"); }, &why) == 400);
    CHECK_THAT(why, Catch::Contains("alert_rules[0].threshold"));
    CHECK(status_of([&] { s.spawn("workflow", "w", R"({"alert_rules": [{"status": "exploded"}]})"); }, &why) == 400);
    CHECK_THAT(why, Catch::Contains("alert_rules[0].status"));
    CHECK(status_of([&] { s.spawn("workflow", "w", R"({"alert_rules": [{"windw_seconds": 3}]})"); }, &why) == 400);
    CHECK_THAT(why, Catch::Contains("windw_seconds"));
    CHECK(status_of([&] { s.spawn("workflow", "w", R"({"alert_rules": {}})"); }) == 400);
}

TEST_CASE("a workflow agent raises an alert when N executions fail within its window", "[agents][workflow_agent]") {
    swarm s(R"("workflow": {"retry_attempts": 0})");
    s.start();
    const auto bad = s.create(failing);
    const auto good = s.create(adding);
    const auto watcher = s.spawn("workflow", "watcher",
                                 R"({"alert_rules": [{"name": "failing twice", "status": "failed", "threshold": 2,
                                     "window_seconds": 60, "workflow_id": ")" + bad + R"("}]})");
    s.spawn("workflow", "no rules");
    CHECK(s.run(bad).status == "failed");
    CHECK(s.run(good, R"({"a": 1, "b": 2})").status == "completed");
    CHECK(s.events->of("chainbot.agent.alert").empty());  // one failure: below the threshold
    const auto second = s.run(bad);
    CHECK(second.status == "failed");
    REQUIRE(eventually([&] { return s.events->of("chainbot.agent.alert").size() == 1; }));
    const auto alert = s.events->of("chainbot.agent.alert")[0];
    CHECK(alert.at("agent_id") == json::value(watcher));
    CHECK(alert.at("rule") == "failing twice");
    CHECK(alert.at("count") == 2);
    CHECK(alert.at("workflow_id") == json::value(bad));
    REQUIRE(alert.at("execution_ids").as_array().size() == 2);
    CHECK(alert.at("execution_ids").as_array()[1] == json::value(second.execution_id));
    // The rule counts afresh after an alert.
    s.run(bad);
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    CHECK(s.events->of("chainbot.agent.alert").size() == 1);
    s.run(bad);
    CHECK(eventually([&] { return s.events->of("chainbot.agent.alert").size() == 2; }));
    // A terminated agent watches nothing.
    s.spawner().terminate(watcher);
    s.run(bad);
    s.run(bad);
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    CHECK(s.events->of("chainbot.agent.alert").size() == 2);
}

TEST_CASE("a workflow agent starts a workflow, waits for it and reports executions", "[agents][workflow_agent]") {
    swarm s;
    s.start();
    const auto child = s.create(adding);
    const auto parent = s.create(R"({"name": "parent", "steps": [
        {"id": "run", "type": "agent_task", "agent_type": "workflow", "task": "start_workflow",
         "input": {"workflow_id": ")" + child + R"(", "input": {"a": 20, "b": 22}}},
        {"id": "status", "type": "agent_task", "agent_type": "workflow", "task": "execution_status",
         "input": {"execution_id": "${run.execution_id}"}},
        {"id": "recent", "type": "agent_task", "agent_type": "workflow", "task": "list_executions",
         "input": {"workflow_id": ")" + child + R"(", "status": "completed"}}]})");
    auto out = s.run(parent);
    INFO(json::serialize(out.output));
    REQUIRE(out.status == "completed");
    CHECK(out.output.at("run").at("status") == "completed");
    CHECK(out.output.at("run").at("output").at("sum") == 42);
    CHECK(out.output.at("status").at("status") == "completed");
    CHECK(out.output.at("recent").at("total") == 1);

    const auto bad = s.create(R"({"name": "bad", "steps": [{"id": "run", "type": "agent_task", "agent_type": "workflow",
        "task": "start_workflow", "retry": {"max_attempts": 1}, "input": {"workflow_id": "missing"}}]})");
    auto failed = s.run(bad);
    CHECK(failed.status == "failed");
    CHECK_THAT(failed.error, Catch::Contains("missing"));
}
