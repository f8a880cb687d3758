#include "scratch_database.hpp"

#include "store/dialect.hpp"
#include "store/errors.hpp"
#include "store/options.hpp"
#include "config/settings.hpp"

#include <catch2/catch.hpp>
#include <sqlite3.h>

#include <atomic>
#include <mutex>
#include <thread>

using namespace chainbot;
using chainbot::test::postgresql;
using chainbot::test::scratch_database;
using chainbot::test::sqlite;

TEMPLATE_TEST_CASE("pool: many threads share a small pool without losing a write", "[store][concurrency]", sqlite,
                   postgresql) {
    scratch_database sdb(TestType::kind);
    auto options = sdb.options();
    options.pool_size = 3;
    options.max_overflow = 2;
    auto db = store::database::open(options);
    db->migrate();
    const auto shared_agent = db->agents().create({.type = "data_processor", .name = "shared"});
    const auto ent = db->entanglements().create({.name = "shared"});
    const auto wf = db->workflows().create({.name = "shared", .definition = "{}"});

    constexpr int threads_n = 8, rounds = 20;
    std::atomic<int> failures{0};
    std::mutex errors_mutex;
    std::vector<std::string> errors;  // Catch2 assertions are not thread-safe: collect, check after
    std::vector<std::thread> threads;
    for (int t = 0; t < threads_n; ++t)
        threads.emplace_back([&, t] {
            try {
                for (int i = 0; i < rounds; ++i) {
                    const auto mine = db->agents().create({.type = "assistant", .name = "agent-" + std::to_string(t) + "-" + std::to_string(i)});
                    db->agents().add_counters(shared_agent.id, {.tasks_completed = 1});
                    db->entanglements().append(
                        {.entanglement_id = ent.id, .sender_id = mine.id, .type = "result", .content = "{}"});
                    db->in_transaction([&](store::transaction& tx) {
                        const auto e = tx.executions().create({.workflow_id = wf.workflow_id}).record;
                        tx.step_runs().create({.execution_id = e.id, .step_id = "s"});
                        tx.audit().append({.action = "test", .resource = e.id});
                    });
                    if (!db->agents().get(mine.id)) ++failures;
                    db->workflows().list();
                }
            } catch (const std::exception& e) {
                std::lock_guard lock(errors_mutex);
                errors.push_back("thread " + std::to_string(t) + ": " + e.what());
                ++failures;
            }
        });
    for (auto& t : threads) t.join();

    for (const auto& e : errors) UNSCOPED_INFO(e);
    CHECK(failures == 0);
    constexpr int total = threads_n * rounds;
    CHECK(db->agents().get(shared_agent.id)->counters.tasks_completed == total);
    CHECK(db->agents().count({.type = "assistant"}) == total);
    CHECK(db->entanglements().get(ent.id)->last_sequence == total);
    CHECK(db->executions().count() == total);
    CHECK(db->audit().count() == total);
    const auto stats = db->stats();
    CHECK(stats.limit == 5);
    CHECK(stats.peak_open <= 5);
    CHECK(stats.peak_open >= 2);  // the threads really did overlap
    CHECK(stats.idle <= 3);       // overflow connections were closed when returned
    CHECK(stats.in_use == 0);
}

TEMPLATE_TEST_CASE("pool: a caller waits for a free connection and gives up clearly", "[store][concurrency]", sqlite,
                   postgresql) {
    scratch_database sdb(TestType::kind);
    auto options = sdb.options();
    options.pool_size = 1;
    options.max_overflow = 0;
    options.acquire_timeout = std::chrono::milliseconds(100);
    options.retry.max_attempts = 2;
    auto db = store::database::open(options);
    db->migrate();
    // The one connection is held by an open transaction; another call cannot get one.
    db->in_transaction([&](store::transaction& tx) {
        tx.agents().create({.type = "a", .name = "holder"});
        std::thread other([&] {
            try {
                db->agents().count();
                FAIL_CHECK("a call got a connection from an exhausted pool");
            } catch (const store::store_unavailable& e) {
                CHECK_THAT(std::string(e.what()), Catch::Contains("database connections stayed busy"));
            }
        });
        other.join();
    });
    CHECK(db->health().reachable);  // a busy pool is not a database outage
    CHECK(db->agents().count() == 1);
}

TEST_CASE("pool: a SQLite connection is set up with the configured page cache", "[store][pool]") {
    config::database_settings settings;
    CHECK(settings.sqlite_cache_kib == 512);  // the built-in default
    settings.sqlite_cache_kib = 300;
    const auto options = store::store_options::from(settings);
    CHECK(options.sqlite_cache_kib == 300);

    // The session set-up the pool runs on every new connection, on a real SQLite connection.
    scratch_database sdb(store::backend_kind::sqlite);
    sqlite3* db = nullptr;
    REQUIRE(sqlite3_open((sdb.url().substr(std::string("sqlite://").size())).c_str(), &db) == SQLITE_OK);
    const auto setup = store::detail::dialect(store::backend_kind::sqlite)
                           .session_setup({.busy_timeout = options.busy_timeout,
                                           .synchronous = options.sqlite_synchronous,
                                           .cache_kib = options.sqlite_cache_kib});
    for (const auto& sql : setup) {
        INFO(sql);
        CHECK(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr) == SQLITE_OK);
    }
    sqlite3_stmt* st = nullptr;
    REQUIRE(sqlite3_prepare_v2(db, "PRAGMA cache_size", -1, &st, nullptr) == SQLITE_OK);
    REQUIRE(sqlite3_step(st) == SQLITE_ROW);
    CHECK(sqlite3_column_int(st, 0) == -300);  // negative: KiB rather than pages
    sqlite3_finalize(st);
    sqlite3_close(db);

    // Out of range is refused when the store opens, naming the option.
    auto bad = sdb.options();
    bad.sqlite_cache_kib = 8;
    CHECK_THROWS_WITH(store::database::open(bad), Catch::Contains("sqlite_cache_kib must be 64 to 1048576, not 8"));
}
