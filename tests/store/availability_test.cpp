#include "scratch_database.hpp"

#include "store/availability.hpp"
#include "store/errors.hpp"

#include <catch2/catch.hpp>

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <string>
#include <thread>
#include <vector>

using namespace chainbot;
using chainbot::test::scratch_database;

namespace {
/// A TCP port on 127.0.0.1 that nothing listens on (bound, read, closed).
int closed_port() {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    socklen_t len = sizeof addr;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
    ::close(fd);
    return ntohs(addr.sin_port);
}
}  // namespace

TEST_CASE("availability: an unusable SQLite file gives store_unavailable and health 0 until it is usable",
          "[store][availability]") {
    chainbot::test::temp_dir dir("chainbot-store");
    const auto folder = dir.path() / "not" / "yet";
    store::store_options options;
    options.url = "sqlite://" + (folder / "chainbot.db").string();
    options.retry.initial_delay = std::chrono::milliseconds(1);
    std::vector<std::string> log;
    options.log = [&](log_level, std::string_view m) { log.emplace_back(m); };
    auto db = store::database::open(options);  // opening is lazy: no error yet
    CHECK(db->health().reachable);

    CHECK_THROWS_AS(db->workflows().list(), store::store_unavailable);
    CHECK_THROWS_AS(db->migrate(), store::store_unavailable);
    CHECK_FALSE(db->ping());
    const auto down = db->health();
    CHECK_FALSE(down.reachable);
    CHECK(down.score == 0.0);
    CHECK_THAT(down.detail, Catch::Contains("unreachable"));
    CHECK(down.since);
    REQUIRE(log.size() == 1);
    CHECK_THAT(log[0], Catch::Contains("is unreachable"));

    std::filesystem::create_directories(folder);
    CHECK(db->ping());
    CHECK(db->health().reachable);
    CHECK(db->health().score == 1.0);
    CHECK_THAT(log.back(), Catch::Contains("reachable again"));
    db->migrate();
    CHECK(db->workflows().create({.name = "back", .definition = "{}"}).version == 1);
}

TEST_CASE("availability: a PostgreSQL server that does not answer gives store_unavailable and health 0",
          "[store][availability]") {
    store::store_options options;
    options.url = "postgresql://postgres:secret-pw@127.0.0.1:" + std::to_string(closed_port()) + "/chainbot";
    options.retry.initial_delay = std::chrono::milliseconds(1);
    auto db = store::database::open(options);
    CHECK(db->masked_url().find("secret-pw") == std::string::npos);
    try {
        db->agents().count();
        FAIL("no error from a server that is not there");
    } catch (const store::store_unavailable& e) {
        CHECK_THAT(std::string(e.what()), Catch::Contains("unavailable"));
        CHECK(std::string(e.what()).find("secret-pw") == std::string::npos);
    }
    CHECK_FALSE(db->ping());
    CHECK(db->health().score == 0.0);
    CHECK(db->health().detail.find("secret-pw") == std::string::npos);
    // While it is down, calls fail fast (one attempt) instead of retrying each time.
    const auto start = std::chrono::steady_clock::now();
    CHECK_THROWS_AS(db->workflows().get("x"), store::store_unavailable);
    CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(2));
}

TEST_CASE("availability: PostgreSQL connections killed by the server are replaced transparently",
          "[store][availability][postgresql]") {
    scratch_database sdb(store::backend_kind::postgresql);
    auto db = sdb.open_migrated();
    const auto w = db->workflows().create({.name = "survives", .definition = "{}"});
    // Fill the pool with several idle connections.
    std::vector<std::thread> threads;
    for (int i = 0; i < 4; ++i) threads.emplace_back([&] { db->workflows().list(); });
    for (auto& t : threads) t.join();
    REQUIRE(db->stats().idle >= 1);

    // The server ends every session of this database (as a failover or an admin would).
    const auto name = sdb.url().substr(sdb.url().rfind('/') + 1);
    sdb.raw_exec("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '" + name +
                 "' AND pid <> pg_backend_pid()");

    CHECK(db->workflows().get(w.workflow_id));
    CHECK(db->workflows().create({.name = "after", .definition = "{}"}).version == 1);
    CHECK(db->health().reachable);
}

TEST_CASE("availability: a full disk stays reported as full until the filesystem has room, whatever small writes succeed",
          "[store][availability]") {
    bool room = false;
    std::vector<std::string> logged;
    store::detail::availability a([&](log_level, std::string_view m) { logged.emplace_back(m); }, "sqlite:///x.db",
                                  [&] { return room; });
    REQUIRE(a.writable());
    a.write_failed("database or disk is full");
    CHECK_FALSE(a.writable());
    CHECK(a.health().score == 0.0);
    REQUIRE(logged.size() == 1);
    CHECK(logged.back().find("the disk is full") != std::string::npos);
    // A small write fitted into space the database already held: still full.
    a.write_succeeded();
    CHECK_FALSE(a.writable());
    CHECK(a.health().score == 0.0);
    CHECK(a.health().detail.find("database or disk is full") != std::string::npos);
    CHECK(logged.size() == 1);
    // Space returned, and a write succeeds: writable again, said once.
    room = true;
    a.write_succeeded();
    CHECK(a.writable());
    CHECK(a.health().score == 1.0);
    REQUIRE(logged.size() == 2);
    CHECK(logged.back().find("accepts writes again") != std::string::npos);
    // Room alone is not enough: only a write that succeeds clears the state.
    a.write_failed("database or disk is full");
    CHECK(a.health().score == 0.0);
    a.succeeded();  // a read
    CHECK(a.health().score == 0.0);
}

TEST_CASE("availability: without a way to see the disk (PostgreSQL), a successful write clears the full state",
          "[store][availability]") {
    store::detail::availability a({}, "postgresql://***@db/chainbot");
    a.write_failed("could not extend file: No space left on device");
    CHECK(a.health().score == 0.0);
    a.write_succeeded();
    CHECK(a.health().score == 1.0);
}
