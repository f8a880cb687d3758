// Durability: a real ChainBot process is killed with SIGKILL in the middle of its
// executions; a second process resumes them. Completed steps never run again; a step that
// was in flight runs again with the same idempotency key; every history is whole.
#include "../store/scratch_database.hpp"

#include "config/settings.hpp"
#include "store/database.hpp"
#include "support/child_process.hpp"

#include <catch2/catch.hpp>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <thread>


using namespace chainbot;
using chainbot::test::postgresql;
using chainbot::test::scratch_database;
using chainbot::test::sqlite;

namespace {

std::vector<std::string> lines_of(const std::string& path) {
    std::ifstream in(path);
    std::vector<std::string> out;
    for (std::string l; std::getline(in, l);)
        if (!l.empty()) out.push_back(l);
    return out;
}

}  // namespace

TEMPLATE_TEST_CASE("SIGKILL mid-workflow: the restarted process resumes from the last committed step",
                   "[orchestrator][crash]", sqlite, postgresql) {
    scratch_database db(TestType::kind);
    chainbot::test::temp_dir dir;
    const auto marker = dir.str() + "/marker.txt";
    const std::string url = TestType::kind == store::backend_kind::sqlite ? "sqlite://" + dir.str() + "/crash.db" : db.url();
    const int executions = 3, steps = 8;

    std::vector<std::string> ids;
    {
        chainbot::test::child_process child({CRASH_CHILD, "run", dir.str(), url, marker, std::to_string(executions)});
        for (std::string l; (l = child.read_line()) != "started";) {
            REQUIRE_FALSE(l.empty());
            ids.push_back(l.substr(10));
        }
        // Let some steps of every execution run, then kill in the middle.
        for (int i = 0; i < 500 && lines_of(marker).size() < 10; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
        REQUIRE(lines_of(marker).size() >= 10);
    }  // SIGKILL
    const auto before = lines_of(marker).size();
    REQUIRE(before < static_cast<std::size_t>(executions * steps));  // killed before the end

    chainbot::test::child_process resumed({CRASH_CHILD, "resume", dir.str(), url, marker});
    CHECK(resumed.read_line() == "done");
    CHECK(resumed.wait() == 0);

    // Every execution completed with every step completed exactly once in the history.
    auto store = store::database::open(store::store_options::from([&] {
        config::database_settings s;
        s.url = url;
        return s;
    }()));
    for (const auto& id : ids) {
        auto e = store->executions().get(id);
        REQUIRE(e);
        CHECK(e->status == store::execution_status::completed);
        std::map<std::string, int> completed;
        for (const auto& r : store->step_runs().list(id))
            if (r.status == store::step_status::completed) ++completed[r.step_id];
        CHECK(completed.size() == static_cast<std::size_t>(steps));
        for (auto& [step, n] : completed) CHECK(n == 1);
    }
    // From the task's side: a step ran twice only if it was in flight at the kill, and then
    // with the same idempotency key; at most one step per execution was in flight.
    std::map<std::pair<std::string, std::string>, std::set<std::string>> keys;
    std::map<std::pair<std::string, std::string>, int> runs;
    for (const auto& l : lines_of(marker)) {
        std::istringstream in(l);
        std::string exec, step, attempt, key;
        in >> exec >> step >> attempt >> key;
        keys[{exec, step}].insert(key);
        ++runs[{exec, step}];
    }
    CHECK(runs.size() == static_cast<std::size_t>(executions * steps));
    std::map<std::string, int> reran;
    for (auto& [k, n] : runs) {
        CHECK(n <= 2);
        CHECK(keys[k].size() == 1);
        if (n == 2) ++reran[k.first];
    }
    for (auto& [exec, n] : reran) CHECK(n <= 1);
}
