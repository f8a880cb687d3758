// The governor: holds close admission and their end reopens it (listeners told), the
// concurrency cap never goes below one, refusals name the hold, caches are trimmed.
#include "resources/governor.hpp"
#include "runtime/service_error.hpp"

#include <catch2/catch.hpp>

#include <atomic>

using namespace chainbot;
using namespace chainbot::resources;

TEST_CASE("governor: a pushed hold closes admission until it is cleared, and listeners hear the end",
          "[resources][governor]") {
    governor g;
    int told = 0;
    const auto id = g.on_change([&] { ++told; });
    CHECK(g.admits());
    g.set_hold("memory", "resident memory 120.0 MB is above resources.max_memory_mb = 100");
    REQUIRE_FALSE(g.admits());
    CHECK(g.closed()->source == "memory");
    CHECK(told == 0);
    g.clear_hold("memory");
    CHECK(g.admits());
    CHECK(told == 1);
    g.clear_hold("memory");  // nothing was held: nobody is told
    CHECK(told == 1);
    g.remove_listener(id);
    g.set_hold("memory", "x");
    g.clear_hold("memory");
    CHECK(told == 1);
}

TEST_CASE("governor: a hold check is asked each time", "[resources][governor]") {
    governor g;
    std::atomic<bool> hot{false};
    g.set_hold_check("temperature", [&]() -> std::optional<std::string> {
        if (hot) return std::string("the CPU is hot");
        return std::nullopt;
    });
    CHECK(g.admits());
    hot = true;
    REQUIRE(g.closed());
    CHECK(g.closed()->reason == "the CPU is hot");
    CHECK(g.to_json(4).at("state") == "closed");
    hot = false;
    CHECK(g.admits());
    g.set_hold_check("temperature", {});
    hot = true;
    CHECK(g.admits());  // removed
}

TEST_CASE("governor: refusals are 503 resource_limit naming the hold, and counted", "[resources][governor]") {
    governor g;
    g.set_retry_after_seconds(3);
    CHECK_NOTHROW(g.require_open("spawn"));
    g.set_hold("memory", "resident memory 120.0 MB is above resources.max_memory_mb = 100");
    try {
        g.require_open("spawn");
        FAIL("not refused");
    } catch (const service_error& e) {
        CHECK(e.status() == 503);
        CHECK(e.code() == "resource_limit");
        CHECK(std::string(e.what()).find("resources.max_memory_mb = 100") != std::string::npos);
        CHECK(e.retry_after_seconds() == 3);
    }
    g.count_refusal("queue_full");
    const auto j = g.to_json(5);
    CHECK(j.at("refused").at("spawn") == 1);
    CHECK(j.at("refused").at("queue_full") == 1);
    CHECK(j.at("holds").as_array().size() == 1);
}

TEST_CASE("governor: the concurrency cap lowers the limit, never below one, and rising tells listeners",
          "[resources][governor]") {
    governor g;
    int told = 0;
    g.on_change([&] { ++told; });
    CHECK(g.max_concurrent(5) == 5);
    g.set_concurrency_cap(3);
    CHECK(g.max_concurrent(5) == 3);
    CHECK(g.max_concurrent(2) == 2);  // a configured limit below the cap wins
    CHECK(g.to_json(5).at("state") == "throttled");
    CHECK(told == 0);
    g.set_concurrency_cap(0);
    CHECK(g.max_concurrent(5) == 1);  // never below one
    CHECK(told == 0);
    g.set_concurrency_cap(2);
    CHECK(told == 1);
    g.set_concurrency_cap(std::nullopt);
    CHECK(told == 2);
    CHECK(g.max_concurrent(5) == 5);
    CHECK(g.to_json(5).at("state") == "open");
}

TEST_CASE("governor: trimming empties every registered cache and metrics list them", "[resources][governor]") {
    governor g;
    int trimmed = 0;
    g.add_cache("one", [] { return cache_stats{3, 10, 7, 2, 0, 0}; }, [&] { ++trimmed; });
    g.add_cache("two", [] { return cache_stats{}; });  // not trimmable
    CHECK(g.trim_caches() == 1);
    CHECK(trimmed == 1);
    CHECK(g.trims() == 1);
    const auto j = g.caches_json();
    CHECK(j.at("one").at("hits") == 7);
    CHECK(j.at("one").at("entries") == 3);
    CHECK(j.contains("two"));
    g.remove_cache("one");
    CHECK_FALSE(g.caches_json().contains("one"));
}
