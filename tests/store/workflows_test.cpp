#include "scratch_database.hpp"

#include "store/errors.hpp"

#include <catch2/catch.hpp>

using namespace chainbot;
using chainbot::test::postgresql;
using chainbot::test::scratch_database;
using chainbot::test::sqlite;
using store::execution_status;

TEMPLATE_TEST_CASE("workflows: create makes version 1 and update the next version", "[store][workflows]", sqlite,
                   postgresql) {
    scratch_database sdb(TestType::kind);
    auto db = sdb.open_migrated();
    auto repo = db->workflows();

    const auto v1 = repo.create({.name = "etl", .description = "first", .definition = R"({"steps": [1]})"});
    CHECK(v1.version == 1);
    CHECK(v1.workflow_id.size() == 36);
    const auto v2 = repo.update(v1.workflow_id, {"etl v2", "second", R"({"steps": [1, 2]})"});
    CHECK(v2.version == 2);
    const auto v3 = repo.update(v1.workflow_id, {"etl v3", "third", R"({"steps": [1, 2, 3]})"});
    CHECK(v3.version == 3);

    const auto w = repo.get(v1.workflow_id);
    REQUIRE(w);
    CHECK(w->latest_version == 3);
    CHECK(w->name == "etl v3");
    CHECK(w->description == "third");
    CHECK(repo.get_version(v1.workflow_id)->definition == R"({"steps": [1, 2, 3]})");
    CHECK(repo.get_version(v1.workflow_id, 1)->definition == R"({"steps": [1]})");
    CHECK(repo.get_version(v1.workflow_id, 2)->name == "etl v2");
    CHECK_FALSE(repo.get_version(v1.workflow_id, 4));
    const auto all = repo.versions(v1.workflow_id);
    REQUIRE(all.size() == 3);
    CHECK(all[0].version == 1);
    CHECK(all[2].version == 3);

    CHECK_THROWS_AS(repo.update("no-such-workflow", {"x", "", "{}"}), store::store_not_found);
    CHECK_FALSE(repo.get("no-such-workflow"));
    CHECK_THROWS_AS(repo.create({.name = "dup", .definition = "{}", .id = v1.workflow_id}), store::store_conflict);
}

TEMPLATE_TEST_CASE("workflows: list pages by name and count counts", "[store][workflows]", sqlite, postgresql) {
    scratch_database sdb(TestType::kind);
    auto db = sdb.open_migrated();
    auto repo = db->workflows();
    for (const char* name : {"charlie", "alpha", "bravo", "delta"}) repo.create({.name = name, .definition = "{}"});
    CHECK(repo.count() == 4);
    const auto first = repo.list({.limit = 2, .offset = 0});
    REQUIRE(first.size() == 2);
    CHECK(first[0].name == "alpha");
    CHECK(first[1].name == "bravo");
    const auto rest = repo.list({.limit = 10, .offset = 2});
    REQUIRE(rest.size() == 2);
    CHECK(rest[0].name == "charlie");
    CHECK(rest[1].name == "delta");
}

TEMPLATE_TEST_CASE("workflows: an execution keeps the version it started with", "[store][workflows]", sqlite,
                   postgresql) {
    scratch_database sdb(TestType::kind);
    auto db = sdb.open_migrated();
    const auto v1 = db->workflows().create({.name = "pinned", .definition = R"({"v": 1})"});
    const auto first = db->executions().create({.workflow_id = v1.workflow_id, .input = R"({"n": 1})"}).record;
    CHECK(first.workflow_version == 1);

    db->workflows().update(v1.workflow_id, {"pinned", "", R"({"v": 2})"});
    const auto second = db->executions().create({.workflow_id = v1.workflow_id}).record;
    CHECK(second.workflow_version == 2);

    const auto reread = db->executions().get(first.id);
    REQUIRE(reread);
    CHECK(reread->workflow_version == 1);
    // What the first execution runs is still there, unchanged.
    CHECK(db->workflows().get_version(v1.workflow_id, reread->workflow_version)->definition == R"({"v": 1})");

    // An explicit older version can be pinned; a missing one cannot.
    CHECK(db->executions().create({.workflow_id = v1.workflow_id, .workflow_version = 1}).record.workflow_version == 1);
    CHECK_THROWS_AS(db->executions().create({.workflow_id = v1.workflow_id, .workflow_version = 3}),
                    store::store_not_found);
    CHECK_THROWS_AS(db->executions().create({.workflow_id = "missing"}), store::store_not_found);
}

TEMPLATE_TEST_CASE("workflows: delete is refused while executions are queued or running or paused",
                   "[store][workflows]", sqlite, postgresql) {
    scratch_database sdb(TestType::kind);
    auto db = sdb.open_migrated();
    const auto w = db->workflows().create({.name = "busy", .definition = "{}"});
    const auto e = db->executions().create({.workflow_id = w.workflow_id}).record;
    const auto done = db->executions().create({.workflow_id = w.workflow_id}).record;
    db->executions().set_status(done.id, {.status = execution_status::completed, .output = "{}"});
    db->step_runs().create({.execution_id = done.id, .step_id = "s1"});

    for (auto status : {execution_status::queued, execution_status::running, execution_status::paused}) {
        db->executions().set_status(e.id, {.status = status});
        try {
            db->workflows().remove(w.workflow_id);
            FAIL("deleting a workflow with an active execution succeeded");
        } catch (const store::store_conflict& ex) {
            CHECK_THAT(std::string(ex.what()), Catch::Contains("1 execution queued, running or paused"));
        }
        CHECK(db->workflows().get(w.workflow_id));
    }

    db->executions().set_status(e.id, {.status = execution_status::cancelled});
    CHECK(db->executions().count_active(w.workflow_id) == 0);
    db->workflows().remove(w.workflow_id);
    CHECK_FALSE(db->workflows().get(w.workflow_id));
    CHECK_FALSE(db->workflows().get_version(w.workflow_id, 1));
    CHECK_FALSE(db->executions().get(done.id));
    CHECK(db->step_runs().list(done.id).empty());
    CHECK_THROWS_AS(db->workflows().remove(w.workflow_id), store::store_not_found);
}

TEMPLATE_TEST_CASE("workflows: a webhook name binds one workflow and follows its latest version",
                   "[store][workflows][webhooks]", sqlite, postgresql) {
    scratch_database sdb(TestType::kind);
    auto db = sdb.open_migrated();
    auto repo = db->workflows();

    const auto a = repo.create({.name = "orders", .definition = "{}", .webhook = "orders.created"});
    const auto plain = repo.create({.name = "plain", .definition = "{}"});
    CHECK(repo.get(a.workflow_id)->webhook == "orders.created");
    CHECK_FALSE(repo.get(plain.workflow_id)->webhook);
    REQUIRE(repo.find_by_webhook("orders.created"));
    CHECK(repo.find_by_webhook("orders.created")->id == a.workflow_id);
    CHECK_FALSE(repo.find_by_webhook("orders"));
    CHECK_FALSE(repo.find_by_webhook(""));

    // A second workflow may not take the name, by create or by update; the message names the holder.
    try {
        repo.create({.name = "thief", .definition = "{}", .webhook = "orders.created"});
        FAIL("a second workflow bound the same webhook name");
    } catch (const store::store_conflict& e) {
        CHECK_THAT(std::string(e.what()), Catch::Contains("'orders.created'") && Catch::Contains("'orders'") &&
                                              Catch::Contains(a.workflow_id));
    }
    CHECK(repo.count() == 2);
    CHECK_THROWS_AS(repo.update(plain.workflow_id, {"plain", "", "{}", "orders.created"}), store::store_conflict);
    CHECK(repo.get(plain.workflow_id)->latest_version == 1);  // the refused update left nothing behind

    // The holder keeps its name across updates, can rename it, and unbinding frees it.
    repo.update(a.workflow_id, {"orders", "v2", "{}", "orders.created"});
    CHECK(repo.find_by_webhook("orders.created")->latest_version == 2);
    repo.update(a.workflow_id, {"orders", "v3", "{}", "orders.v3"});
    CHECK_FALSE(repo.find_by_webhook("orders.created"));
    CHECK(repo.find_by_webhook("orders.v3")->id == a.workflow_id);
    repo.update(plain.workflow_id, {"plain", "", "{}", "orders.created"});
    CHECK(repo.find_by_webhook("orders.created")->id == plain.workflow_id);
    repo.update(a.workflow_id, {"orders", "v4", "{}", std::nullopt});
    CHECK_FALSE(repo.find_by_webhook("orders.v3"));
    CHECK(repo.list().size() == 2);

    // Deleting the workflow frees its name.
    repo.remove(plain.workflow_id);
    CHECK_FALSE(repo.find_by_webhook("orders.created"));
    repo.create({.name = "again", .definition = "{}", .webhook = "orders.created"});
    CHECK(repo.find_by_webhook("orders.created")->name == "again");
}

TEMPLATE_TEST_CASE("workflows: the database itself refuses a duplicate webhook name", "[store][workflows][webhooks]",
                   sqlite, postgresql) {
    scratch_database sdb(TestType::kind);
    auto db = sdb.open_migrated();
    db->workflows().create({.name = "one", .definition = "{}", .webhook = "hook"});
    db->workflows().create({.name = "two", .definition = "{}"});
    db->workflows().create({.name = "three", .definition = "{}"});  // many unbound workflows: NULLs never collide
    CHECK_THROWS(sdb.raw_exec("UPDATE workflows SET webhook = 'hook' WHERE name = 'two'"));
    CHECK(sdb.raw_scalar("SELECT count(*) FROM workflows WHERE webhook = 'hook'") == "1");
}
