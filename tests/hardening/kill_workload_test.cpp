// SIGKILL at random points across a thousand-step workload: 50 executions of 20 steps run in
// a real ChainBot process (tests/hardening/hardening_child.cpp) that is killed several times at
// random moments (mid-step, mid-commit, during recovery) and started again each time. In the
// end every execution completed, every step completed exactly once in the store, and the task
// itself saw each step run once, or again only while it was in flight at a kill, with the same
// idempotency key.
#include "../store/scratch_database.hpp"
#include "hardening_support.hpp"

#include "config/settings.hpp"
#include "support/child_process.hpp"

#include <catch2/catch.hpp>

#include <memory>
#include <random>
#include <thread>

using namespace chainbot;
using namespace chainbot::test;

TEMPLATE_TEST_CASE("SIGKILL at random points across a thousand-step workload loses and repeats nothing",
                   "[hardening][crash]", sqlite, postgresql) {
    scratch_database db(TestType::kind);
    temp_dir dir;
    const auto marker = dir.str() + "/marker.txt";
    const bool on_sqlite = TestType::kind == store::backend_kind::sqlite;
    const std::string url = on_sqlite ? "sqlite://" + dir.str() + "/workload.db" : db.url();
    const int executions = 50, steps = 20;
    const std::size_t total = static_cast<std::size_t>(executions * steps);
    // PostgreSQL: each restart waits out the killed process's leases (2 s), so fewer kills.
    const int wanted_kills = on_sqlite ? 10 : 5;
    std::mt19937 rng(std::random_device{}());
    const auto started = std::chrono::steady_clock::now();

    std::vector<std::string> ids;
    auto child = std::make_unique<child_process>(std::vector<std::string>{
        HARDENING_CHILD, "start", dir.str(), url, marker, std::to_string(executions), std::to_string(steps)});
    for (std::string l; (l = child->read_line()) != "started";) {
        REQUIRE(l.rfind("execution ", 0) == 0);
        ids.push_back(l.substr(10));
    }
    REQUIRE(ids.size() == static_cast<std::size_t>(executions));

    int kills = 0, kills_in_recovery = 0;
    std::vector<std::size_t> kill_points;  // steps seen by the task when each kill happened
    while (kills < wanted_kills) {
        const auto seen = lines_of(marker).size();
        if (marker_runs::from_file(marker).distinct() + 80 > total) break;  // too close to the end to kill mid-way
        if (kills > 0 && std::uniform_int_distribution<int>(0, 3)(rng) == 0) {
            // Now and then, kill while the new process is still starting and recovering.
            std::this_thread::sleep_for(std::chrono::milliseconds(std::uniform_int_distribution<int>(0, 150)(rng)));
            ++kills_in_recovery;
        } else {
            // Else after a random amount of progress, at a random moment within a step.
            const auto progress = static_cast<std::size_t>(std::uniform_int_distribution<int>(20, 140)(rng));
            const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
            while (lines_of(marker).size() < seen + progress && std::chrono::steady_clock::now() < deadline)
                std::this_thread::sleep_for(std::chrono::milliseconds(5));
            INFO("no progress within 60 s after kill " << kills);
            REQUIRE(lines_of(marker).size() >= seen + progress);  // never stuck
            std::this_thread::sleep_for(std::chrono::milliseconds(std::uniform_int_distribution<int>(0, 12)(rng)));
        }
        kill_points.push_back(lines_of(marker).size());
        child->kill_now();
        ++kills;
        child = std::make_unique<child_process>(std::vector<std::string>{HARDENING_CHILD, "resume", dir.str(), url, marker});
        REQUIRE(child->read_line() == "resumed");
    }
    // The last process finishes the work.
    CHECK(child->read_line() == "done");
    CHECK(child->wait() == 0);
    const auto elapsed = seconds_since(started);

    auto store = store::database::open(store::store_options::from([&] {
        config::database_settings s;
        s.url = url;
        return s;
    }()));
    const auto marker_seen = marker_runs::from_file(marker);
    const auto f = check_histories(*store, ids, steps, marker_seen);
    CHECK(kills == wanted_kills);
    // Each kill leaves at most one step per execution in flight (the workflow is sequential).
    CHECK(f.max_reruns_per_execution <= static_cast<std::size_t>(kills));
    std::string points;
    for (auto p : kill_points) points += (points.empty() ? "" : ",") + std::to_string(p);
    report("kill-workload %s: executions %d, steps %zu, kills %d (%d during recovery) at task runs [%s], "
           "task runs %zu, in-flight steps run again with the same key %zu, every step completed once, %.1f s",
           on_sqlite ? "sqlite" : "postgresql", executions, total, kills, kills_in_recovery, points.c_str(), f.runs,
           f.reruns, elapsed);
}
