// Executions over REST: lists with filters and pages, step runs, cancel/pause/resume,
// and deleting a workflow while it runs.
#include "api_fixture.hpp"

using namespace chainbot::test;
namespace json = boost::json;

namespace {

std::string start(api_fixture& f, const std::string& workflow_id, const std::string& input = "{}") {
    auto r = f.post("/api/chainbot/workflows/" + workflow_id + "/execute", input);
    REQUIRE(r.status == 202);
    return std::string(r.json().at("execution_id").as_string());
}

std::string run(api_fixture& f, const std::string& workflow_id, const std::string& input) {
    auto r = f.post("/api/chainbot/workflows/" + workflow_id + "/execute?wait=true", input);
    REQUIRE(r.status == 200);
    return std::string(r.json().at("execution_id").as_string());
}

}  // namespace

TEST_CASE("executions list filtered by workflow and status, in pages with the total", "[api][executions]") {
    api_fixture f;
    f.start();
    const auto sum = f.create(sum_workflow);
    const auto failing = f.create(R"({"name": "fails", "steps": [{"id": "boom", "type": "fail", "message": "no"}]})");
    for (int i = 0; i < 3; ++i) run(f, sum, R"({"a": 1, "b": 1})");
    run(f, failing, "{}");

    auto all = f.get("/api/chainbot/executions").json();
    CHECK(all.at("total") == 4);
    auto of_sum = f.get("/api/chainbot/executions?workflow_id=" + sum + "&limit=2").json();
    CHECK(of_sum.at("total") == 3);
    CHECK(of_sum.at("items").as_array().size() == 2);
    auto rest = f.get("/api/chainbot/executions?workflow_id=" + sum + "&limit=2&offset=2").json();
    CHECK(rest.at("items").as_array().size() == 1);
    auto failed = f.get("/api/chainbot/executions?status=failed").json();
    CHECK(failed.at("total") == 1);
    CHECK(failed.at("items").at(0).at("workflow_id") == json::value(failing));
    CHECK(f.get("/api/chainbot/executions?status=exploded").status == 400);
}

TEST_CASE("an execution reads back with its step runs", "[api][executions]") {
    api_fixture f;
    f.start();
    const auto id = f.create(R"({"name": "two", "steps": [
        {"id": "first", "type": "transform", "value": "${input.word}"},
        {"id": "second", "type": "transform", "value": "${first}!"}]})");
    const auto exec = run(f, id, R"({"word": "hi"})");
    auto r = f.get("/api/chainbot/executions/" + exec);
    REQUIRE(r.status == 200);
    auto e = r.json().as_object();
    CHECK(e.at("status") == "completed");
    CHECK(e.at("workflow_version") == 1);
    CHECK(std::string(e.at("finished_at").as_string()).ends_with("Z"));
    const auto& runs = e.at("step_runs").as_array();
    REQUIRE(runs.size() == 2);
    CHECK(runs[0].at("step_id") == "first");
    CHECK(runs[0].at("status") == "completed");
    CHECK(runs[0].at("attempt") == 1);
    CHECK(runs[0].at("output") == "hi");
    CHECK(runs[1].at("output") == "hi!");
    CHECK_FALSE(runs[1].at("idempotency_key").as_string().empty());
    CHECK(runs[1].at("started_at").is_string());
    CHECK(f.get("/api/chainbot/executions/nope").status == 404);
}

TEST_CASE("a waiting execution is cancelled", "[api][executions]") {
    api_fixture f;
    f.start();
    const auto exec = start(f, f.create(slow_workflow));
    REQUIRE(f.wait_for_status(exec, "running") == "running");
    auto r = f.post("/api/chainbot/executions/" + exec + "/cancel");
    REQUIRE(r.status == 202);
    CHECK(r.json().at("action") == "cancel");
    CHECK(f.wait_for_status(exec, "cancelled") == "cancelled");
    // Finished executions cannot be cancelled again; unknown ones do not exist.
    CHECK(f.post("/api/chainbot/executions/" + exec + "/cancel").status == 409);
    CHECK(f.post("/api/chainbot/executions/nope/cancel").status == 404);
}

TEST_CASE("pause and resume an execution", "[api][executions]") {
    api_fixture f;
    f.start();
    const auto exec = start(f, f.create(slow_workflow));
    REQUIRE(f.wait_for_status(exec, "running") == "running");
    CHECK(f.post("/api/chainbot/executions/" + exec + "/pause").status == 202);
    CHECK(f.wait_for_status(exec, "paused") == "paused");
    CHECK(f.post("/api/chainbot/executions/" + exec + "/resume").status == 202);
    CHECK(f.wait_for_status(exec, "running") == "running");
    CHECK(f.post("/api/chainbot/executions/" + exec + "/cancel").status == 202);
    CHECK(f.post("/api/chainbot/executions/nope/pause").status == 404);
}

TEST_CASE("a workflow with an active execution cannot be deleted until it is cancelled", "[api][executions]") {
    api_fixture f;
    f.start();
    const auto id = f.create(slow_workflow);
    const auto exec = start(f, id);
    auto refused = f.request("DELETE", "/api/chainbot/workflows/" + id);
    CHECK(refused.status == 409);
    CHECK(refused.error_code() == "conflict");
    REQUIRE(f.post("/api/chainbot/executions/" + exec + "/cancel").status == 202);
    REQUIRE(f.wait_for_status(exec, "cancelled") == "cancelled");
    CHECK(f.request("DELETE", "/api/chainbot/workflows/" + id).status == 204);
}
