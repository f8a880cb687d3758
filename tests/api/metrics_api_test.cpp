// GET /metrics as JSON and in the Prometheus text format.
#include "api_fixture.hpp"

using namespace chainbot::test;
namespace json = boost::json;

namespace {

void run_some(api_fixture& f) {
    const auto sum = f.create(sum_workflow);
    const auto failing = f.create(R"({"name": "fails", "steps": [{"id": "boom", "type": "fail"}]})");
    for (int i = 0; i < 2; ++i)
        REQUIRE(f.post("/api/chainbot/workflows/" + sum + "/execute?wait=true", R"({"a": 1, "b": 1})").status == 200);
    REQUIRE(f.post("/api/chainbot/workflows/" + failing + "/execute?wait=true", "{}").status == 200);
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

}  // namespace

TEST_CASE("metrics JSON has the documented sections and counts executions", "[api][metrics]") {
    api_fixture f;
    f.start();
    run_some(f);
    auto r = f.get("/api/chainbot/metrics");
    REQUIRE(r.status == 200);
    CHECK(r.header("content-type") == "application/json");
    auto m = r.json().as_object();
    const auto& wf = m.at("workflows").as_object();
    CHECK(wf.at("total") == 2);
    CHECK(wf.at("completed") == 2);
    CHECK(wf.at("failed") == 1);
    CHECK(wf.at("active") == 0);
    const auto& ex = m.at("executions").as_object();
    CHECK(ex.at("total") == 3);
    for (auto key : {"queued", "running", "paused", "cancelled", "timed_out"}) CHECK(ex.at(key) == 0);
    for (auto key : {"total", "idle", "working", "terminated"}) CHECK(m.at("agents").at(key) == 0);
    CHECK(m.at("entanglements").at("total") == 0);
    for (auto key : {"cpu_usage", "memory_usage", "disk_usage"}) CHECK(m.at("system").as_object().contains(key));
    CHECK(m.at("requests").at("total").to_number<int>() >= 5);
    CHECK(m.at("requests").at("by_status").at("201") == 2);
    // Three durable executions: each wrote its row, its step runs and its end through the writer.
    const auto batches = m.at("group_commit").at("batches").to_number<std::uint64_t>();
    const auto transitions = m.at("group_commit").at("transitions").to_number<std::uint64_t>();
    CHECK(batches >= 1);
    CHECK(transitions >= 3 * 3);  // at least a row, a step and an end each
    CHECK(transitions >= batches);
    CHECK(m.at("queues").at("group_commit").to_number<std::uint64_t>() == 0);  // each answered after its commits
    // The database pool: the requests above read and wrote through it.
    const auto& db = m.at("database").as_object();
    CHECK(db.at("backend") == "sqlite");
    const auto& conns = db.at("connections").as_object();
    const auto open = conns.at("open").to_number<std::uint64_t>();
    CHECK(open >= 1);
    CHECK(conns.at("idle").to_number<std::uint64_t>() + conns.at("in_use").to_number<std::uint64_t>() == open);
    CHECK(conns.at("peak_open").to_number<std::uint64_t>() >= open);
    CHECK(conns.at("limit").to_number<std::uint64_t>() >= conns.at("peak_open").to_number<std::uint64_t>());
    // Another workflow created: the writes move on.
    const auto writes = db.at("writes").to_number<std::uint64_t>();
    f.create(R"({"name": "one more", "steps": [{"id": "boom", "type": "fail"}]})");
    const auto again = json::parse(f.get("/api/chainbot/metrics").body);
    CHECK(again.at("database").at("writes").to_number<std::uint64_t>() > writes);
    CHECK(again.at("database").at("reads").to_number<std::uint64_t>() > db.at("reads").to_number<std::uint64_t>());
}

TEST_CASE("metrics in the Prometheus text format carry counters and a latency histogram", "[api][metrics]") {
    api_fixture f;
    f.start();
    run_some(f);
    for (const auto& r : {f.get("/api/chainbot/metrics?format=prometheus"), f.get("/api/chainbot/metrics/prometheus"),
                          f.request("GET", "/api/chainbot/metrics", "", {{"Accept", "text/plain;version=0.0.4"}})}) {
        REQUIRE(r.status == 200);
        CHECK(r.header("content-type").starts_with("text/plain"));
        const auto& t = r.body;
        CHECK(contains(t, "# TYPE chainbot_executions gauge\n"));
        CHECK(contains(t, "chainbot_executions{status=\"completed\"} 2\n"));
        CHECK(contains(t, "chainbot_executions{status=\"failed\"} 1\n"));
        CHECK(contains(t, "# TYPE chainbot_http_requests_total counter\n"));
        CHECK(contains(t, "chainbot_http_requests_total{method=\"POST\",route=\"/api/chainbot/workflows\",status=\"201\"} 2\n"));
        CHECK(contains(t, "# TYPE chainbot_http_request_duration_seconds histogram\n"));
        CHECK(contains(t, "chainbot_http_request_duration_seconds_bucket{method=\"POST\",route=\"/api/chainbot/workflows/{id}/execute\",le=\"+Inf\"} 3\n"));
        CHECK(contains(t, "chainbot_http_request_duration_seconds_count{method=\"POST\",route=\"/api/chainbot/workflows/{id}/execute\"} 3\n"));
        CHECK(contains(t, "chainbot_queue_depth{queue=\"blocking_jobs\"}"));
        CHECK(contains(t, "# TYPE chainbot_group_commits_total counter\n"));
        CHECK_FALSE(contains(t, "chainbot_group_commits_total 0\n"));
        CHECK(contains(t, "chainbot_group_commit_transitions_total "));
        CHECK(contains(t, "# TYPE chainbot_database_connections gauge\n"));
        CHECK(contains(t, "chainbot_database_connections{state=\"idle\"} "));
        CHECK(contains(t, "chainbot_database_connections_limit "));
        CHECK(contains(t, "# TYPE chainbot_database_reads_total counter\n"));
    }
    CHECK(f.get("/api/chainbot/metrics?format=xml").status == 400);
    // A client that asks for JSON gets JSON.
    CHECK(f.request("GET", "/api/chainbot/metrics", "", {{"Accept", "application/json, text/plain"}}).header("content-type") ==
          "application/json");
}
