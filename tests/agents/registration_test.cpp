#include "tasks_test_support.hpp"

#include "agents/tasks/register.hpp"

using namespace tasks_test;
namespace orchestrator = chainbot::orchestrator;

namespace {

orchestrator::task_call call_with(const char* input, const char* config = "{}") {
    orchestrator::task_call c;
    c.execution_id = "e1";
    c.step_id = "step1";
    c.input = j(input);
    c.config = cfg(config);
    c.cancelled = std::make_shared<std::atomic<bool>>(false);
    return c;
}

}  // namespace

TEST_CASE("registration: data_processor has every task, assistant the analysis tasks", "[agents][tasks]") {
    orchestrator::task_registry registry;
    chainbot::agents::register_data_processor_tasks(registry);
    chainbot::agents::register_assistant_analysis_tasks(registry);
    for (auto task : {"validate_input_data", "transform_data", "analyze_data_quality", "compute_statistics", "aggregate",
                      "basic_processing", "advanced_processing"})
        CHECK(registry.contains("data_processor", task));
    for (auto task : {"analyze_data_quality", "compute_statistics", "validate_input_data"})
        CHECK(registry.contains("assistant", task));
    for (auto task : {"transform_data", "aggregate", "basic_processing", "advanced_processing"})
        CHECK_FALSE(registry.contains("assistant", task));
}

TEST_CASE("registration: the built-in data tasks are compute tasks, others are blocking unless registered so",
          "[agents][tasks]") {
    orchestrator::task_registry registry;
    chainbot::agents::register_data_processor_tasks(registry);
    chainbot::agents::register_assistant_analysis_tasks(registry);
    for (auto task : {"validate_input_data", "transform_data", "analyze_data_quality", "compute_statistics", "aggregate",
                      "basic_processing", "advanced_processing"}) {
        INFO(task);
        const auto found = registry.lookup("data_processor", task);
        REQUIRE(found);
        CHECK(found->kind == orchestrator::task_kind::compute);
        CHECK(found->fn);
    }
    CHECK(registry.lookup("assistant", "compute_statistics")->kind == orchestrator::task_kind::compute);
    registry.add("api", "fetch", [](const orchestrator::task_call&) -> json::value { return nullptr; });
    CHECK(registry.lookup("api", "fetch")->kind == orchestrator::task_kind::blocking);
    CHECK_FALSE(registry.lookup("api", "nothing"));
    // Registering again replaces the kind with the task.
    registry.add("data_processor", "aggregate", [](const orchestrator::task_call&) -> json::value { return 1; });
    CHECK(registry.lookup("data_processor", "aggregate")->kind == orchestrator::task_kind::blocking);
}

TEST_CASE("registration: tasks run through the registry with the step's input and config", "[agents][tasks]") {
    orchestrator::task_registry registry;
    chainbot::agents::register_data_processor_tasks(registry);
    chainbot::agents::register_assistant_analysis_tasks(registry);

    const auto quality = registry.find("assistant", "analyze_data_quality");
    REQUIRE(quality);
    const auto out = (*quality)(call_with(R"({"records": [{"a": 1}, {"a": 2}]})", R"({"threshold": 0.8})"));
    CHECK(out.at("quality_score") == 1.0);
    CHECK(out.at("passed") == true);

    // A step passing the previous step's records along: "input": {"records": "${step1.records}"}.
    const auto step1 = (*registry.find("data_processor", "validate_input_data"))(
        call_with(R"([{"x": 10}, {"x": 20}, {"x": 30}])", R"({"validation_rules": ["required", "format"]})"));
    orchestrator::task_call step2 = call_with("{}", R"({"transformation": "normalize"})");
    step2.input = json::object{{"records", step1.at("records")}};
    const auto normalized = (*registry.find("data_processor", "transform_data"))(step2);
    CHECK(column(normalized.as_object(), "x") == std::vector<double>{0.0, 0.5, 1.0});

    try {
        (*registry.find("data_processor", "aggregate"))(call_with("7"));
        FAIL("expected a validation failure");
    } catch (const step_failure& e) {
        CHECK(e.kind() == "validation");
        CHECK_THAT(e.what(), Catch::StartsWith("input: expected an array of records"));
    }

    auto cancelled = call_with("[]");
    cancelled.cancelled->store(true);
    try {
        (*registry.find("data_processor", "compute_statistics"))(cancelled);
        FAIL("expected a cancelled failure");
    } catch (const step_failure& e) {
        CHECK(e.kind() == "cancelled");
    }
}
