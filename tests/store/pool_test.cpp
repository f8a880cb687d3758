#include "scratch_database.hpp"

#include "store/errors.hpp"

#include <catch2/catch.hpp>

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
