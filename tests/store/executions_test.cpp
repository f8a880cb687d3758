#include "scratch_database.hpp"

#include "store/errors.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <map>
#include <mutex>
#include <set>
#include <thread>

using namespace chainbot;
using chainbot::test::postgresql;
using chainbot::test::scratch_database;
using chainbot::test::sqlite;
using store::execution_status;
using store::step_status;

TEMPLATE_TEST_CASE("executions: an idempotency key returns the existing execution", "[store][executions]", sqlite,
                   postgresql) {
    scratch_database sdb(TestType::kind);
    auto db = sdb.open_migrated();
    const auto w = db->workflows().create({.name = "w", .definition = "{}"}).workflow_id;
    const auto other = db->workflows().create({.name = "other", .definition = "{}"}).workflow_id;

    const auto first = db->executions().create({.workflow_id = w, .input = R"({"a": 1})", .idempotency_key = "k-1"});
    CHECK(first.created);
    const auto again = db->executions().create({.workflow_id = w, .input = R"({"a": 2})", .idempotency_key = "k-1"});
    CHECK_FALSE(again.created);
    CHECK(again.record.id == first.record.id);
    CHECK(again.record.input == R"({"a": 1})");
    // The key is unique per workflow, and executions without one never collide.
    CHECK(db->executions().create({.workflow_id = other, .idempotency_key = "k-1"}).created);
    CHECK(db->executions().create({.workflow_id = w}).created);
    CHECK(db->executions().create({.workflow_id = w}).created);
    CHECK(db->executions().find_by_idempotency_key(w, "k-1")->id == first.record.id);
    CHECK(db->executions().count({.workflow_id = w}) == 3);
    // The database itself holds the rule, whoever writes.
    CHECK_THROWS(sdb.raw_exec("INSERT INTO executions (id, workflow_id, workflow_version, status, input, "
                              "idempotency_key, created_at, updated_at) VALUES ('x', '" +
                              w + "', 1, 'queued', '{}', 'k-1', 0, 0)"));
}

TEMPLATE_TEST_CASE("executions: concurrent creates with one idempotency key make one execution",
                   "[store][executions][concurrency]", sqlite, postgresql) {
    scratch_database sdb(TestType::kind);
    auto db = sdb.open_migrated();
    const auto w = db->workflows().create({.name = "w", .definition = "{}"}).workflow_id;
    std::atomic<int> created{0};
    std::mutex mutex;
    std::set<std::string> ids;
    std::vector<std::thread> threads;
    for (int t = 0; t < 6; ++t)
        threads.emplace_back([&] {
            for (int i = 0; i < 5; ++i) {
                const auto r = db->executions().create({.workflow_id = w, .idempotency_key = "same"});
                if (r.created) ++created;
                std::lock_guard lock(mutex);
                ids.insert(r.record.id);
            }
        });
    for (auto& t : threads) t.join();
    CHECK(created == 1);
    CHECK(ids.size() == 1);
    CHECK(db->executions().count() == 1);
}

TEMPLATE_TEST_CASE("executions: a status change without output or error keeps the stored ones and stamps once",
                   "[store][executions]", sqlite, postgresql) {
    scratch_database sdb(TestType::kind);
    auto db = sdb.open_migrated();
    const auto w = db->workflows().create({.name = "w", .definition = "{}"}).workflow_id;
    const auto e = db->executions().create({.workflow_id = w}).record;
    const auto failed = db->executions().set_status(e.id, {.status = execution_status::failed, .output = "[1]", .error = "boom"});
    REQUIRE(failed.finished_at);
    CHECK_FALSE(failed.started_at);  // it never ran
    const auto again = db->executions().set_status(e.id, {.status = execution_status::cancelled});
    CHECK(again.status == execution_status::cancelled);
    CHECK(again.output == "[1]");
    CHECK(again.error == "boom");
    CHECK(again.finished_at == failed.finished_at);
    CHECK(again.input == e.input);
    CHECK(again.workflow_id == w);
}

TEMPLATE_TEST_CASE("executions: created already claimed holds a lease on the database clock, generation 1",
                   "[store][executions]", sqlite, postgresql) {
    scratch_database sdb(TestType::kind);
    auto db = sdb.open_migrated();
    const auto w = db->workflows().create({.name = "w", .definition = "{}"}).workflow_id;
    const auto before = store::now();
    const auto e = db->executions()
                       .create({.workflow_id = w, .owner_instance = "pi-1", .lease_ms = 30'000,
                                .status = execution_status::running})
                       .record;
    CHECK(e.lease_generation == 1);
    REQUIRE(e.started_at);
    const auto stored = db->executions().get(e.id);
    REQUIRE(stored);
    CHECK(stored->status == execution_status::running);
    CHECK(stored->owner_instance == "pi-1");
    CHECK(stored->lease_generation == 1);
    REQUIRE(stored->lease_expires_at);
    CHECK(*stored->lease_expires_at >= before + std::chrono::seconds(29));
    CHECK(*stored->lease_expires_at <= store::now() + std::chrono::seconds(31));
    // Held: no other instance claims it, and its owner's fenced writes go through.
    CHECK(db->executions().claim("pi-2", 10, 30'000).empty());
    CHECK_NOTHROW(db->executions().fence(e.id, 1));
    CHECK(db->executions().renew("pi-1", {{e.id, 1}}, 30'000).empty());
    // Without a lease length, an owner alone holds no lease (as before).
    const auto plain = db->executions().create({.workflow_id = w, .owner_instance = "pi-1"}).record;
    CHECK(plain.lease_generation == 0);
    CHECK_FALSE(db->executions().get(plain.id)->lease_expires_at);
}

TEMPLATE_TEST_CASE("executions: status changes stamp the timings and keep output and error",
                   "[store][executions]", sqlite, postgresql) {
    scratch_database sdb(TestType::kind);
    auto db = sdb.open_migrated();
    const auto w = db->workflows().create({.name = "w", .definition = "{}"}).workflow_id;
    const auto e = db->executions().create({.workflow_id = w, .owner_instance = "pi-1"}).record;
    CHECK(e.status == execution_status::queued);
    CHECK_FALSE(e.started_at);
    CHECK(e.owner_instance == "pi-1");

    const auto running = db->executions().set_status(e.id, {.status = execution_status::running});
    REQUIRE(running.started_at);
    const auto paused = db->executions().set_status(e.id, {.status = execution_status::paused});
    CHECK(paused.started_at == running.started_at);
    CHECK_FALSE(paused.finished_at);
    db->executions().set_status(e.id, {.status = execution_status::running});
    const auto failed =
        db->executions().set_status(e.id, {.status = execution_status::failed, .output = R"({"partial": true})",
                                           .error = "step2: timeout"});
    REQUIRE(failed.finished_at);
    CHECK(*failed.finished_at >= *failed.started_at);

    const auto reread = db->executions().get(e.id);
    REQUIRE(reread);
    CHECK(reread->status == execution_status::failed);
    CHECK(reread->output == R"({"partial": true})");
    CHECK(reread->error == "step2: timeout");
    CHECK(reread->started_at == running.started_at);
    CHECK(db->executions().list({.status = execution_status::failed}).size() == 1);
    CHECK(db->executions().list({.owner_instance = "pi-1"}).size() == 1);
    CHECK_THROWS_AS(db->executions().set_status("missing", {}), store::store_not_found);

    db->executions().set_owner(e.id, "pi-2", store::now() + std::chrono::seconds(30));
    const auto owned = db->executions().get(e.id);
    CHECK(owned->owner_instance == "pi-2");
    CHECK(owned->lease_generation == 1);
    REQUIRE(owned->lease_expires_at);
}

TEMPLATE_TEST_CASE("executions: listed newest first with the id breaking ties and counted per status in one read",
                   "[store][executions]", sqlite, postgresql) {
    scratch_database sdb(TestType::kind);
    auto db = sdb.open_migrated();
    const auto w1 = db->workflows().create({.name = "w1", .definition = "{}"}).workflow_id;
    const auto w2 = db->workflows().create({.name = "w2", .definition = "{}"}).workflow_id;
    std::vector<std::string> ids;
    for (int i = 0; i < 6; ++i) ids.push_back(db->executions().create({.workflow_id = i % 2 ? w2 : w1}).record.id);
    // Three moments, two executions each: the order within a moment is by id, descending.
    for (int i = 0; i < 6; ++i)
        sdb.raw_exec("UPDATE executions SET created_at = " + std::to_string(1000 + i / 2) + " WHERE id = '" +
                     ids[static_cast<std::size_t>(i)] + "'");
    db->executions().set_status(ids[0], {.status = execution_status::running});
    db->executions().set_status(ids[1], {.status = execution_status::completed});
    db->executions().set_status(ids[2], {.status = execution_status::completed});
    db->executions().set_status(ids[3], {.status = execution_status::failed});

    const auto order = [&](std::vector<std::size_t> picks) {
        std::vector<std::string> out;
        for (auto k : picks) out.push_back(ids[k]);
        return out;
    };
    const auto newest_first = [&](std::vector<std::size_t> picks) {  // by created_at, then id, descending
        std::sort(picks.begin(), picks.end(), [&](std::size_t a, std::size_t b) {
            return a / 2 != b / 2 ? a / 2 > b / 2 : ids[a] > ids[b];
        });
        return order(picks);
    };
    const auto listed = [](const std::vector<store::execution>& v) {
        std::vector<std::string> out;
        for (const auto& e : v) out.push_back(e.id);
        return out;
    };
    const auto all = newest_first({0, 1, 2, 3, 4, 5});
    CHECK(listed(db->executions().list()) == all);
    CHECK(listed(db->executions().list({}, {.limit = 2, .offset = 1})) == std::vector<std::string>(all.begin() + 1, all.begin() + 3));
    CHECK(listed(db->executions().list({.workflow_id = w2})) == newest_first({1, 3, 5}));
    CHECK(listed(db->executions().list({.status = execution_status::completed})) == newest_first({1, 2}));
    CHECK(listed(db->executions().list({.workflow_id = w1, .status = execution_status::queued})) ==
          newest_first({4}));

    const auto by_status = db->executions().count_by_status();
    CHECK(by_status == std::map<execution_status, std::size_t>{{execution_status::queued, 2},
                                                               {execution_status::running, 1},
                                                               {execution_status::completed, 2},
                                                               {execution_status::failed, 1}});
    CHECK(db->executions().count() == 6);

    if constexpr (TestType::kind == store::backend_kind::sqlite) {
        // The first page comes from an index in order, not from sorting every execution.
        for (const std::string where : {"", "WHERE workflow_id = 'w' ", "WHERE status = 'completed' "}) {
            const auto plan = sdb.sqlite_query_plan("SELECT * FROM executions " + where +
                                                    "ORDER BY created_at DESC, id DESC LIMIT 20 OFFSET 0");
            INFO(where << "-> " << plan);
            CHECK_THAT(plan, Catch::Contains("USING INDEX"));
            CHECK_THAT(plan, !Catch::Contains("TEMP B-TREE"));
        }
    }
}

TEMPLATE_TEST_CASE("step runs: one row per attempt in creation order", "[store][executions]", sqlite, postgresql) {
    scratch_database sdb(TestType::kind);
    auto db = sdb.open_migrated();
    const auto w = db->workflows().create({.name = "w", .definition = "{}"}).workflow_id;
    const auto e = db->executions().create({.workflow_id = w}).record;

    const auto a1 = db->step_runs().create({.execution_id = e.id, .step_id = "fetch", .input = R"({"url": "x"})"});
    CHECK(a1.idempotency_key == e.id + ":fetch:1");
    db->step_runs().set_status(a1.id, {.status = step_status::running});
    const auto f1 = db->step_runs().set_status(a1.id, {.status = step_status::failed, .error = "503"});
    CHECK(f1.finished_at);
    const auto a2 = db->step_runs().create(
        {.execution_id = e.id, .step_id = "fetch", .attempt = 2, .status = step_status::running});
    CHECK(a2.started_at);
    db->step_runs().set_status(a2.id, {.status = step_status::completed, .output = R"({"ok": 1})"});
    db->step_runs().create({.execution_id = e.id, .step_id = "store", .status = step_status::skipped});

    CHECK_THROWS_AS(db->step_runs().create({.execution_id = e.id, .step_id = "fetch", .attempt = 2}),
                    store::store_conflict);
    // The same run again (a retried write whose first commit did land): no error, no change.
    CHECK_NOTHROW(db->step_runs().create(
        {.execution_id = e.id, .step_id = "fetch", .attempt = 2, .status = step_status::running, .id = a2.id}));
    CHECK(db->step_runs().get(a2.id)->status == step_status::completed);
    CHECK_THROWS_AS(db->step_runs().create({.execution_id = "missing", .step_id = "x"}), store::store_not_found);

    const auto runs = db->step_runs().list(e.id);
    REQUIRE(runs.size() == 3);
    CHECK(runs[0].id == a1.id);
    CHECK(runs[0].status == step_status::failed);
    CHECK(runs[0].error == "503");
    CHECK(runs[0].input == R"({"url": "x"})");
    CHECK(runs[1].attempt == 2);
    CHECK(runs[1].output == R"({"ok": 1})");
    CHECK(runs[1].idempotency_key == e.id + ":fetch:2");
    CHECK(runs[1].started_at == a2.started_at);  // stamped by create, as stored
    CHECK(runs[1].created_at == a2.created_at);
    CHECK(runs[2].step_id == "store");
    CHECK_FALSE(runs[2].started_at);  // created skipped: never started
}

TEMPLATE_TEST_CASE("step runs: set_status keeps what it is not given, and a run recorded only when it ended",
                   "[store][executions]", sqlite, postgresql) {
    scratch_database sdb(TestType::kind);
    auto db = sdb.open_migrated();
    const auto w = db->workflows().create({.name = "w", .definition = "{}"}).workflow_id;
    const auto e = db->executions().create({.workflow_id = w}).record;

    const auto run = db->step_runs().create({.execution_id = e.id, .step_id = "a", .status = step_status::running});
    const auto started = run.started_at;
    REQUIRE(started);
    const auto failed = db->step_runs().set_status(run.id, {.status = step_status::failed, .output = "{}", .error = "boom"});
    CHECK(failed.started_at == started);  // stamped once
    REQUIRE(failed.finished_at);
    const auto again = db->step_runs().set_status(run.id, {.status = step_status::completed});
    CHECK(again.output == "{}");  // kept: not given
    CHECK(again.error == "boom");
    CHECK(again.finished_at == failed.finished_at);
    CHECK(db->step_runs().get(run.id)->status == step_status::completed);
    CHECK_THROWS_AS(db->step_runs().set_status("missing", {.status = step_status::completed}), store::store_not_found);

    store::new_step_run pure{.execution_id = e.id, .step_id = "b", .idempotency_key = "k", .id = e.id + "/b/1"};
    CHECK(db->step_runs().record_finished(pure, {.status = step_status::completed, .output = R"({"result": true})"}));
    // Once only: a retried write after a commit whose outcome was unknown changes nothing.
    CHECK_FALSE(db->step_runs().record_finished(pure, {.status = step_status::failed, .error = "late"}));
    const auto b = db->step_runs().get(e.id + "/b/1");
    REQUIRE(b);
    CHECK(b->status == step_status::completed);
    CHECK(b->output == R"({"result": true})");
    CHECK_FALSE(b->error);
    CHECK(b->idempotency_key == "k");
    CHECK(b->started_at);
    CHECK(b->finished_at);
    CHECK_THROWS_AS(db->step_runs().record_finished({.execution_id = e.id, .step_id = "c"}, {.status = step_status::running}),
                    store::store_error);
    CHECK(db->step_runs().list(e.id).size() == 2);
}

TEMPLATE_TEST_CASE("transactions: all of it commits or none of it", "[store][transactions]", sqlite, postgresql) {
    scratch_database sdb(TestType::kind);
    auto db = sdb.open_migrated();
    const auto w = db->workflows().create({.name = "w", .definition = "{}"}).workflow_id;
    const auto e = db->executions().create({.workflow_id = w}).record;
    const auto run = db->step_runs().create({.execution_id = e.id, .step_id = "s", .status = step_status::running});

    CHECK_THROWS_WITH(db->in_transaction([&](store::transaction& tx) {
        tx.step_runs().set_status(run.id, {.status = step_status::completed, .output = "{}"});
        tx.executions().set_status(e.id, {.status = execution_status::completed});
        throw std::runtime_error("the orchestrator changed its mind");
    }),
                      "the orchestrator changed its mind");
    CHECK(db->step_runs().get(run.id)->status == step_status::running);
    CHECK(db->executions().get(e.id)->status == execution_status::queued);

    // A store error inside also undoes the earlier calls.
    CHECK_THROWS_AS(db->in_transaction([&](store::transaction& tx) {
        tx.executions().set_status(e.id, {.status = execution_status::running});
        tx.step_runs().create({.execution_id = e.id, .step_id = "s"});  // attempt 1 exists
    }),
                    store::store_conflict);
    CHECK(db->executions().get(e.id)->status == execution_status::queued);

    const auto status = db->in_transaction([&](store::transaction& tx) {
        tx.step_runs().set_status(run.id, {.status = step_status::completed});
        return tx.executions().set_status(e.id, {.status = execution_status::completed}).status;
    });
    CHECK(status == execution_status::completed);
    CHECK(db->step_runs().get(run.id)->status == step_status::completed);
}
