// Workflow definitions: the seed formats parse, the implicit order is right, and
// validation lists every problem at its JSON path.
#include "orchestrator/definition.hpp"

#include <boost/json/parse.hpp>
#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>

using namespace chainbot::orchestrator;
namespace json = boost::json;

namespace {

json::value load_example(const std::string& name) {
    std::ifstream in(std::string(CHAINBOT_SOURCE_DIR) + "/examples/workflows/" + name);
    std::stringstream ss;
    ss << in.rdbuf();
    return json::parse(ss.str());
}

std::vector<problem> problems_of(const std::string& text, validation_options opts = {}) {
    try {
        parse_definition(json::parse(text), opts);
    } catch (const validation_error& e) {
        return e.problems();
    }
    return {};
}

bool has(const std::vector<problem>& ps, const std::string& path, const std::string& fragment) {
    for (const auto& p : ps)
        if (p.path == path && p.message.find(fragment) != std::string::npos) return true;
    return false;
}

std::string dump(const std::vector<problem>& ps) {
    std::string s;
    for (const auto& p : ps) s += p.path + ": " + p.message + "\n";
    return s;
}

}  // namespace

TEST_CASE("the seed sequential pipeline parses and chains its steps", "[orchestrator][definition]") {
    auto def = parse_definition(load_example("data_processing_pipeline.json"));
    REQUIRE(def->steps.size() == 3);
    CHECK(def->name == "Data Processing Pipeline");
    CHECK(def->kind == workflow_kind::sequential);
    CHECK(def->find("step1")->depends_on.empty());
    CHECK(def->find("step2")->depends_on == std::vector<std::string>{"step1"});
    CHECK(def->find("step3")->depends_on == std::vector<std::string>{"step2"});
    CHECK(def->find("step3")->kind == step_kind::api_call);
    // Retries default to workflow.retry_attempts after the first attempt.
    CHECK(def->find("step1")->retry.max_attempts == 4);
}

TEST_CASE("the seed conditional workflow: branches follow their condition", "[orchestrator][definition]") {
    auto def = parse_definition(load_example("smart_data_processing.json"));
    CHECK(def->find("condition1")->depends_on == std::vector<std::string>{"step1"});
    CHECK(def->find("step2_high_quality")->depends_on == std::vector<std::string>{"condition1"});
    CHECK(def->find("step2_low_quality")->depends_on == std::vector<std::string>{"condition1"});
    CHECK(def->find("step2_high_quality")->is_branch_target);
}

TEST_CASE("a step after a condition waits for the ends of both branches", "[orchestrator][definition]") {
    auto def = parse_definition(json::parse(R"({"name": "w", "type": "conditional", "steps": [
        {"id": "c", "type": "condition", "expression": "input.x > 1", "true_steps": ["a1", "a2"], "false_steps": ["b"]},
        {"id": "a1", "type": "transform", "value": 1},
        {"id": "a2", "type": "transform", "value": 2},
        {"id": "b", "type": "transform", "value": 3},
        {"id": "after", "type": "transform", "value": 4}]})"));
    CHECK(def->find("a1")->depends_on == std::vector<std::string>{"c"});
    CHECK(def->find("a2")->depends_on == std::vector<std::string>{"a1"});
    CHECK(def->find("after")->depends_on == std::vector<std::string>{"a2", "b"});
}

TEST_CASE("parallel workflows start every top-level step at once and depends_on builds a DAG", "[orchestrator][definition]") {
    auto par = parse_definition(json::parse(R"({"name": "p", "type": "parallel", "steps": [
        {"id": "a", "type": "transform", "value": 1}, {"id": "b", "type": "transform", "value": 2}]})"));
    CHECK(par->find("b")->depends_on.empty());
    auto dag = parse_definition(json::parse(R"({"name": "d", "type": "dag", "steps": [
        {"id": "a", "type": "transform", "value": 1}, {"id": "b", "type": "transform", "value": 2},
        {"id": "c", "type": "transform", "value": 3, "depends_on": ["a", "b"]}]})"));
    CHECK(dag->find("c")->depends_on == std::vector<std::string>{"a", "b"});
}

TEST_CASE("the original ChainBot's step fields are accepted", "[orchestrator][definition]") {
    auto def = parse_definition(json::parse(R"({"name": "compat", "timeout_hours": 2, "steps": [
        {"id": "s1", "type": "transform", "transform_type": "template", "value": "${input.x}", "output_variable": "x",
         "condition": "input.x != null", "on_failure": {"action": "retry", "max_retries": 5}},
        {"id": "s2", "type": "loop", "items": "${input.list}", "steps": [{"id": "inner", "type": "transform", "value": "${item}"}]},
        {"id": "s3", "type": "parallel", "steps": [{"id": "p1", "type": "wait", "duration": 0}, {"id": "p2", "type": "wait", "duration": 0}]},
        {"id": "s4", "type": "wait", "duration": 1},
        {"id": "s5", "type": "transform", "transform_type": "json_parse", "input": "${input.text}", "on_failure": {"action": "continue"}},
        {"id": "s6", "type": "webhook", "url": "http://127.0.0.1:1/hook", "payload": {"a": 1}},
        {"id": "s7", "type": "notification", "message": "done ${input.x}"}]})"));
    CHECK(def->timeout == std::chrono::milliseconds(2 * 3600 * 1000));
    CHECK(def->find("s1")->retry.max_attempts == 6);
    CHECK(def->find("s1")->output_variable == std::optional<std::string>("x"));
    CHECK(def->find("s5")->on_failure == failure_action::continue_on);
    CHECK(def->find("s2")->children.size() == 1);
}

TEST_CASE("validation lists every problem with its JSON path", "[orchestrator][definition]") {
    const auto ps = problems_of(R"({"name": "bad", "steps": [
        {"id": "a", "type": "agent_task", "agent_type": "wizard", "task": "x"},
        {"id": "a", "type": "transform", "value": 1},
        {"id": "c", "type": "condition", "expression": "(1 +", "true_steps": ["nowhere"], "false_steps": []},
        {"id": "d", "type": "teleport"},
        {"id": "e", "type": "api_call"},
        {"id": "f", "type": "loop", "while": "true", "steps": [{"id": "g", "type": "wait", "duration": 1}]},
        {"id": "h", "type": "transform", "value": 1, "depends_on": ["ghost"]},
        {"id": "i", "type": "transform", "value": "${input.", "on_failure": {"action": "explode"}}]})");
    INFO(dump(ps));
    CHECK(has(ps, "$.steps[0].agent_type", "unknown agent type 'wizard'"));
    CHECK(has(ps, "$.steps[1].id", "duplicate step id 'a'"));
    CHECK(has(ps, "$.steps[2].expression", ""));
    CHECK(has(ps, "$.steps[2].true_steps[0]", "unknown step 'nowhere'"));
    CHECK(has(ps, "$.steps[3].type", "unknown step type 'teleport'"));
    CHECK(has(ps, "$.steps[4]", "missing required field 'url'"));
    CHECK(has(ps, "$.steps[5]", "max_iterations"));
    CHECK(has(ps, "$.steps[6].depends_on[0]", "unknown step 'ghost'"));
    CHECK(has(ps, "$.steps[7].value", ""));
    CHECK(has(ps, "$.steps[7].on_failure.action", "explode"));
    CHECK(ps.size() >= 10);
}

TEST_CASE("validation finds dependency cycles and a missing step list", "[orchestrator][definition]") {
    const auto cycle = problems_of(R"({"name": "cyc", "type": "dag", "steps": [
        {"id": "a", "type": "transform", "value": 1, "depends_on": ["b"]},
        {"id": "b", "type": "transform", "value": 2, "depends_on": ["a"]}]})");
    INFO(dump(cycle));
    REQUIRE_FALSE(cycle.empty());
    CHECK(cycle[0].message.find("cycle") != std::string::npos);
    CHECK(has(problems_of(R"({"name": "empty", "steps": []})"), "$.steps", "non-empty"));
    CHECK(has(problems_of(R"([1, 2])"), "$", "object"));
    CHECK(has(problems_of(R"({"steps": [{"id": "a", "type": "succeed"}]})"), "$", "'name'"));
}

TEST_CASE("gpio steps are limited to the configured pins at validation time", "[orchestrator][definition]") {
    validation_options opts;
    opts.gpio_allowed_pins = {17};
    CHECK(problems_of(R"({"name": "g", "steps": [{"id": "a", "type": "gpio", "action": "set", "pin": 17, "value": true}]})", opts).empty());
    CHECK(has(problems_of(R"({"name": "g", "steps": [{"id": "a", "type": "gpio", "action": "set", "pin": 4}]})", opts),
              "$.steps[0].pin", "not in raspberry_pi.gpio_allowed_pins"));
}

TEST_CASE("a top-level webhook name binds the workflow and is checked", "[orchestrator][definition]") {
    const std::string steps = R"("steps": [{"id": "s", "type": "succeed"}])";
    auto def = parse_definition(json::parse(R"({"name": "w", "webhook": "orders.created-v2_1", )" + steps + "}"));
    CHECK(def->webhook == "orders.created-v2_1");
    CHECK_FALSE(parse_definition(json::parse(R"({"name": "w", )" + steps + "}"))->webhook);
    CHECK_FALSE(parse_definition(json::parse(R"({"name": "w", "webhook": null, )" + steps + "}"))->webhook);
    CHECK(parse_definition(json::parse(R"({"name": "w", "webhook": ")" + std::string(64, 'a') + R"(", )" + steps + "}"))
              ->webhook->size() == 64);
    for (const auto* bad : {R"("")", R"("has space")", R"("a/b")", R"("ünï")", R"("..")", R"(7)", R"(true)", R"(["a"])"}) {
        CAPTURE(bad);
        const auto ps = problems_of(R"({"name": "w", "webhook": )" + std::string(bad) + ", " + steps + "}");
        INFO(dump(ps));
        CHECK(has(ps, "$.webhook", "webhook name"));
    }
    const auto too_long = problems_of(R"({"name": "w", "webhook": ")" + std::string(65, 'a') + R"(", )" + steps + "}");
    CHECK(has(too_long, "$.webhook", "1 to 64"));
}
