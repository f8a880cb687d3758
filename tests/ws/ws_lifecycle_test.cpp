// Keep-alive and shutdown: the server pings idle clients and cuts off one that never
// answers; stopping the module closes every client with 1001 (going away), promptly even
// when a client does not answer its close frame; the feed works again after a restart.
#include "ws_fixture.hpp"

#include <chrono>

using namespace chainbot::test;

TEST_CASE("ws pings idle clients and closes one that never answers", "[ws][lifecycle]") {
    ws_module m(R"("ws_ping_interval_seconds": 1)");
    auto alive = m.connect("?topics=chainbot.test.*");
    auto dead = m.connect("", {.reading = false});  // never reads, so never answers a ping
    REQUIRE(eventually([&] { return m.metric("clients") == 2; }, 5s));
    CHECK(eventually([&] { return alive->pings() >= 2; }, 6s));
    REQUIRE(eventually([&] { return m.metric("clients") == 1; }, 8s));
    // The one left is the one that answers.
    CHECK_FALSE(alive->closed());
    m.publish("chainbot.test.still_here");
    auto e = alive->next_of("event");
    REQUIRE(e);
    CHECK(topic_of(*e) == "chainbot.test.still_here");
    dead->resume_reading();
    CHECK(dead->wait_closed().has_value());
}

TEST_CASE("ws clients are closed with 1001 when the module stops", "[ws][lifecycle]") {
    ws_module m;
    auto c = m.connect("?topics=chainbot.module.*");
    REQUIRE(c->next_of("subscribed"));
    auto silent = m.connect("", {.reading = false});  // will not answer the close frame
    REQUIRE(eventually([&] { return m.metric("clients") == 2; }, 5s));
    const auto started = std::chrono::steady_clock::now();
    m.module.stop();
    CHECK(std::chrono::steady_clock::now() - started < std::chrono::seconds(8));
    auto code = c->wait_closed();
    REQUIRE(code);
    CHECK(*code == 1001);
    // The module said so before closing.
    bool stopping_seen = false;
    for (const auto& f : c->frames()) stopping_seen = stopping_seen || topic_of(f) == "chainbot.module.stopping";
    CHECK(stopping_seen);
    silent->resume_reading();
    CHECK(silent->wait_closed().has_value());

    // Started again, the feed accepts clients again.
    m.module.start();
    auto again = m.connect("?topics=chainbot.test.*");
    REQUIRE(again->next_of("subscribed"));
    REQUIRE(eventually([&] { return m.metric("clients") == 1; }, 5s));
    m.publish("chainbot.test.after_restart");
    auto e = again->next_of("event");
    REQUIRE(e);
    CHECK(topic_of(*e) == "chainbot.test.after_restart");
}
