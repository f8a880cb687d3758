#include "scratch_database.hpp"
#include "support/child_process.hpp"

#include <catch2/catch.hpp>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <sstream>


using namespace chainbot;
using chainbot::test::postgresql;
using chainbot::test::scratch_database;
using chainbot::test::sqlite;


TEMPLATE_TEST_CASE("crash: every write committed before a SIGKILL is intact afterwards", "[store][crash]", sqlite,
                   postgresql) {
    scratch_database sdb(TestType::kind);
    sdb.open_migrated();  // the schema exists before the writer starts

    std::vector<std::pair<std::string, long>> committed;
    {
        chainbot::test::child_process writer({STORE_CRASH_WRITER, sdb.url()});
        while (committed.size() < 60) {
            const auto line = writer.read_line();
            REQUIRE_FALSE(line.empty());  // the writer died on its own: see its stderr
            std::istringstream fields(line);
            std::string id;
            long round = -1;
            fields >> id >> round;
            committed.emplace_back(id, round);
        }
        CHECK(writer.kill_now() == SIGKILL);  // mid-stream: it was writing as fast as it could
        // Lines it printed before dying were committed too.
        for (auto line = writer.read_line(); !line.empty(); line = writer.read_line()) {
            std::istringstream fields(line);
            std::string id;
            long round = -1;
            fields >> id >> round;
            committed.emplace_back(id, round);
        }
    }
    INFO(committed.size() << " writes were acknowledged before the kill");

    auto db = sdb.open();
    CHECK(db->current_version() == store::database::latest_version());
    for (const auto& [id, round] : committed) {
        CAPTURE(id, round);
        const auto v = db->workflows().get_version(id);
        REQUIRE(v);
        CHECK(v->name == "crash-" + std::to_string(round));
        CHECK(v->definition == R"({"round": )" + std::to_string(round) + R"(, "steps": ["a", "b"]})");
        CHECK(db->audit().count({.resource = id}) == 1);
    }
    // Whole transactions only: every workflow stored has its audit entry and vice versa.
    CHECK(db->workflows().count() == db->audit().count({.action = "crash.write"}));
    CHECK(db->workflows().count() >= committed.size());

    // The database is usable: write and read again.
    const auto after = db->workflows().create({.name = "after the crash", .definition = R"({"ok": true})"});
    CHECK(db->workflows().get_version(after.workflow_id)->definition == R"({"ok": true})");
    CHECK(db->integrity_check() == "ok");
    if (TestType::kind == store::backend_kind::sqlite)
        CHECK(sdb.raw_scalar("PRAGMA integrity_check") == "ok");
}
