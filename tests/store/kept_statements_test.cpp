// The statements every durable step writes are kept prepared per SQLite connection and run
// again with new values (store/sql.hpp, exec_kept / query_row_kept). These tests pin one
// connection (pool of one) so that every call reuses the same kept statements.

#include "scratch_database.hpp"

#include "store/errors.hpp"

#include <sqlite3.h>

#include <catch2/catch.hpp>

#include <optional>
#include <string>

using namespace chainbot;
using chainbot::test::postgresql;
using chainbot::test::scratch_database;
using chainbot::test::sqlite;

namespace {

std::shared_ptr<store::database> one_connection(const scratch_database& sdb) {
    auto options = sdb.options();
    options.pool_size = 1;
    options.max_overflow = 0;
    auto db = store::database::open(options);
    db->migrate();
    return db;
}

std::optional<std::string> every_third(int i, const std::string& text) {
    return i % 3 == 0 ? std::nullopt : std::optional<std::string>(text + std::to_string(i));
}

}  // namespace

TEMPLATE_TEST_CASE("kept statements: one connection writes steps again and again with changing values and NULLs",
                   "[store][kept]", sqlite, postgresql) {
    scratch_database sdb(TestType::kind);
    auto db = one_connection(sdb);
    const auto w = db->workflows().create({.name = "w", .definition = "{}"}).workflow_id;
    const auto e = db->executions().create({.workflow_id = w}).record;
    for (int i = 0; i < 30; ++i) {
        const std::string step = "s" + std::to_string(i);
        const auto input = every_third(i, "in");
        const auto output = every_third(i + 1, "out");
        const auto error = every_third(i + 2, "err");
        const auto status = i % 2 == 0 ? store::step_status::completed : store::step_status::failed;
        REQUIRE(db->step_runs().record_finished(
            {.execution_id = e.id, .step_id = step, .attempt = 1 + i % 4, .input = input, .id = "run-" + step},
            {.status = status, .output = output, .error = error}));
        const auto run = db->step_runs().get("run-" + step);
        REQUIRE(run);
        CHECK(run->step_id == step);
        CHECK(run->attempt == 1 + i % 4);
        CHECK(run->status == status);
        CHECK(run->input == input);
        CHECK(run->output == output);
        CHECK(run->error == error);
        // A change without output or error keeps the stored ones (COALESCE of a NULL bound again).
        const auto kept = db->step_runs().set_status("run-" + step, {.status = store::step_status::cancelled});
        CHECK(kept.output == output);
        CHECK(kept.error == error);
        // The execution's own status, alternately with and without an output.
        const auto exec = db->executions().set_status(
            e.id, {.status = store::execution_status::running, .output = every_third(i, "exec-out")});
        CHECK(exec.output == (i % 3 == 0 && i > 0 ? std::optional<std::string>("exec-out" + std::to_string(i - 1))
                                                   : every_third(i, "exec-out")));
    }
    CHECK(db->step_runs().list(e.id).size() == 30);
}

TEMPLATE_TEST_CASE("kept statements: a statement that failed is prepared again and the connection goes on",
                   "[store][kept]", sqlite, postgresql) {
    scratch_database sdb(TestType::kind);
    auto db = one_connection(sdb);
    const auto w = db->workflows().create({.name = "w", .definition = "{}"}).workflow_id;
    const auto e = db->executions().create({.workflow_id = w}).record;
    const store::step_run_change done{.status = store::step_status::completed, .output = "1"};
    REQUIRE(db->step_runs().record_finished({.execution_id = e.id, .step_id = "a", .id = "run-a"}, done));
    // Another run id for the same attempt of the same step breaks UNIQUE (execution, step, attempt).
    CHECK_THROWS(db->step_runs().record_finished({.execution_id = e.id, .step_id = "a", .id = "run-a2"}, done));
    CHECK_FALSE(db->step_runs().get("run-a2"));
    // The same statement, on the same connection, works again afterwards.
    REQUIRE(db->step_runs().record_finished({.execution_id = e.id, .step_id = "b", .id = "run-b"},
                                            {.status = store::step_status::failed, .error = "boom"}));
    const auto b = db->step_runs().get("run-b");
    REQUIRE(b);
    CHECK(b->error == "boom");
    CHECK_FALSE(b->output);
    // A transaction that wrote through kept statements and then failed leaves nothing behind.
    CHECK_THROWS_AS(db->in_transaction([&](store::transaction& tx) {
        tx.step_runs().record_finished({.execution_id = e.id, .step_id = "c", .id = "run-c"}, done);
        tx.executions().set_status(e.id, {.status = store::execution_status::failed, .error = "rolled back"});
        throw store::store_conflict("the caller gives up");
    }),
                    store::store_conflict);
    CHECK_FALSE(db->step_runs().get("run-c"));
    CHECK(db->executions().get(e.id)->status == store::execution_status::queued);
    REQUIRE(db->step_runs().record_finished({.execution_id = e.id, .step_id = "c", .id = "run-c"}, done));
    CHECK(db->step_runs().list(e.id).size() == 3);
}

TEMPLATE_TEST_CASE("kept statements: a kept query sees what another connection committed since its last use",
                   "[store][kept]", sqlite, postgresql) {
    // A kept SQLite statement left unfinished would keep its connection's snapshot: the next
    // create would read an old workflow version (or fail to start its write).
    scratch_database sdb(TestType::kind);
    auto db = one_connection(sdb);
    auto other = sdb.open_migrated();
    const auto w = db->workflows().create({.name = "w", .definition = "{}"}).workflow_id;
    CHECK(db->executions().create({.workflow_id = w}).record.workflow_version == 1);
    for (int version = 2; version <= 4; ++version) {
        other->workflows().update(w, {.name = "w", .definition = "{\"v\": " + std::to_string(version) + "}"});
        const auto e = db->executions().create({.workflow_id = w}).record;
        CHECK(e.workflow_version == version);
        CHECK(db->executions().get(e.id)->workflow_version == version);
    }
}

// SQLite's memory statistics take one process-wide mutex around every allocation of every
// connection; the store turns them off before SQLite first initializes (connection_pool.cpp).
// CTest runs each test case in its own process, so the store's pool is the first to use SQLite
// here. With the statistics on, sqlite3_memory_used() counts the connection's page cache and
// statements (hundreds of KB); off, nothing is counted.
TEST_CASE("kept statements: SQLite keeps no process-wide memory statistics once the store opened it",
          "[store][kept]") {
    scratch_database sdb(sqlite::kind);
    auto db = one_connection(sdb);
    const auto w = db->workflows().create({.name = "w", .definition = "{}"}).workflow_id;
    for (int i = 0; i < 20; ++i) db->executions().create({.workflow_id = w});
    CHECK(db->executions().count({}) == 20);
    CHECK(sqlite3_memory_used() == 0);
}
