// The database disappears and returns mid-execution: a ChainBot module on a real PostgreSQL
// runs executions of slow steps; the server is stopped (pg_ctl stop -m fast) for longer than
// the executions' leases and started again. The `database` health component drops to 0 during
// the outage and returns to 1; REST answers 503 meanwhile (never hangs, never 401/500); every
// execution resumes and completes; nothing committed before the outage is lost; no step
// completed twice.
#include "../store/scratch_database.hpp"
#include "hardening_support.hpp"

#include <chainbot/module.hpp>

#include "orchestrator/orchestrator.hpp"
#include "runtime/runtime.hpp"
#include "support/eventually.hpp"
#include "support/http_get.hpp"
#include "support/postgresql_server.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <catch2/catch.hpp>

#include <fstream>
#include <mutex>
#include <thread>

using namespace chainbot;
using namespace chainbot::test;
namespace json = boost::json;

TEST_CASE("PostgreSQL stopped mid-execution and restarted: health follows, executions resume, nothing lost",
          "[hardening][postgresql][outage]") {
    scratch_database sdb(store::backend_kind::postgresql);
    postgresql_server server;
    temp_dir data;
    const int executions = 6, steps = 12;
    chainbot_module module;
    module.initialize({}, R"({"api": {"port": 0}, "module": {"data_dir": ")" + data.str() + R"("},)"
                          R"( "database": {"url": ")" + sdb.url() + R"(", "pool_size": 4},)"
                          R"( "logging": {"level": "WARNING"}, "workflow": {"max_concurrent_executions": 6},)"
                          R"( "cluster": {"heartbeat_seconds": 0.2, "lease_seconds": 2.0, "poll_seconds": 0.3}})");
    // The task records each run; the steps take long enough that the outage falls mid-execution.
    std::mutex mutex;
    std::vector<std::string> runs;
    module.get_orchestrator()->tasks().add("data_processor", "tick", [&](const orchestrator::task_call& c) -> json::value {
        {
            std::lock_guard lock(mutex);
            runs.push_back(c.execution_id + " " + c.step_id + " " + std::to_string(c.attempt) + " " + c.idempotency_key);
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(120));
        return json::object{{"step", c.step_id}, {"key", c.idempotency_key}};
    });
    const auto run_count = [&] {
        std::lock_guard lock(mutex);
        return runs.size();
    };
    module.start();
    std::string admin;
    std::ifstream(data.path() / "admin_token") >> admin;
    REQUIRE_FALSE(admin.empty());
    const header_list auth{{"Authorization", "Bearer " + admin}};
    const auto port = module.api_port();
    const auto database_score = [&] {
        return module.get_runtime()->health().report().at("components").at("database").at("score").to_number<double>();
    };
    CHECK(database_score() == 1.0);

    std::string list;
    for (int i = 1; i <= steps; ++i)
        list += std::string(i > 1 ? "," : "") + R"({"id": "s)" + std::to_string(i) +
                R"(", "type": "agent_task", "agent_type": "data_processor", "task": "tick"})";
    auto* orch = module.get_orchestrator();
    const auto wf = orch->create_workflow(json::parse(R"({"name": "outage", "steps": [)" + list + "]}")).workflow_id;
    std::vector<std::string> ids;
    for (int i = 0; i < executions; ++i) ids.push_back(orch->execute(wf, {}).id);
    REQUIRE(eventually([&] { return run_count() >= 18; }, std::chrono::seconds(30)));

    // What is committed now must survive.
    auto check_store = sdb.open();
    std::map<std::pair<std::string, std::string>, std::string> committed;
    for (const auto& id : ids)
        for (const auto& r : check_store->step_runs().list(id))
            if (r.status == store::step_status::completed) committed[{id, r.step_id}] = r.output.value_or("");
    REQUIRE_FALSE(committed.empty());

    server.stop();
    const auto runs_at_stop = run_count();
    const auto down_at = std::chrono::steady_clock::now();
    // The writer's next commit finds the server gone: health drops to 0 at once.
    CHECK(eventually([&] { return database_score() == 0.0; }, std::chrono::seconds(15)));
    const auto noticed = seconds_since(down_at);
    // The public health endpoint says so (it needs no database), and REST refuses with 503.
    auto health = http_get(port, "/api/chainbot/health");
    INFO(health.body);
    REQUIRE((health.status == 200 || health.status == 503));
    CHECK(std::string(health.json().at("components").at("database").at("status").as_string()) == "unhealthy");
    CHECK(health.json().at("health_score").to_number<double>() < 1.0);
    const auto listing = http_request(port, "GET", "/api/chainbot/workflows", "", auth);
    INFO(listing.body);
    CHECK(listing.status == 503);
    const auto executing = http_request(port, "POST", "/api/chainbot/workflows/" + wf + "/execute", "{}", auth);
    INFO(executing.body);
    CHECK(executing.status == 503);
    // Longer than the leases (2 s): the executions' claims expire while the server is away.
    std::this_thread::sleep_for(std::chrono::milliseconds(5000) -
                                std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - down_at));
    const auto runs_during = run_count();
    server.start();
    const auto outage = seconds_since(down_at);
    const auto up_at = std::chrono::steady_clock::now();

    CHECK(eventually([&] { return database_score() == 1.0; }, std::chrono::seconds(30)));
    const auto recovered = seconds_since(up_at);
    CHECK(http_get(port, "/api/chainbot/health").status == 200);
    // Every execution resumes and completes (within the transition retries' 30 s backoff cap).
    CHECK(eventually(
        [&] {
            try {
                for (const auto& id : ids)
                    if (check_store->executions().get(id)->status != store::execution_status::completed) return false;
                return true;
            } catch (const std::exception&) {
                return false;  // the check's own connection comes back with the server
            }
        },
        std::chrono::seconds(90)));
    const auto completed_after = seconds_since(up_at);
    orch->flush();
    // New work runs as before.
    CHECK(http_request(port, "POST", "/api/chainbot/workflows/" + wf + "/execute?wait=true", "{}", auth).status == 200);

    std::vector<std::string> marker;
    {
        std::lock_guard lock(mutex);
        marker = runs;
    }
    // The last execution (after the outage) is not part of the check.
    std::vector<std::string> own;
    std::set<std::string> wanted(ids.begin(), ids.end());
    for (const auto& l : marker)
        if (wanted.count(l.substr(0, l.find(' ')))) own.push_back(l);
    const auto f = check_histories(*check_store, ids, steps, marker_runs::from_lines(own));
    for (const auto& [key, output] : committed) {
        INFO(key.first << " " << key.second);
        bool still = false;
        for (const auto& r : check_store->step_runs().list(key.first))
            if (r.step_id == key.second && r.status == store::step_status::completed) still = r.output.value_or("") == output;
        CHECK(still);
    }
    module.stop();
    report("pg-outage: executions %d x %d steps, outage %.1f s (leases 2 s), health 0 after %.2f s, back to 1 %.2f s "
           "after restart, all executions completed %.1f s after restart, %zu steps committed before the outage kept, "
           "%zu task runs during the outage, %zu in-flight steps run again with the same key",
           executions, steps, outage, noticed, recovered, completed_after, committed.size(), runs_during - runs_at_stop,
           f.reruns);
}
