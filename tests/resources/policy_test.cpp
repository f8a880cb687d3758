// The pressure rules, without clocks: memory pressure with hysteresis, the CPU cap stepping
// down one per sample (never below one) and back up.
#include "resources/lru_cache.hpp"
#include "resources/pressure_policy.hpp"
#include "resources/process_usage.hpp"

#include <catch2/catch.hpp>

#include <string>

using namespace chainbot::resources;

namespace {
constexpr std::uint64_t mb = 1024 * 1024;
}

TEST_CASE("memory pressure begins above the limit and ends only below the limit minus the margin",
          "[resources][policy]") {
    pressure_limits l{.max_memory_mb = 100, .resume_margin_percent = 10};
    bool pressure = false;
    CHECK(next_memory_state(pressure, 100 * mb, l) == transition::none);  // at the limit: not above it
    CHECK_FALSE(pressure);
    CHECK(next_memory_state(pressure, 101 * mb, l) == transition::entered);
    CHECK(pressure);
    CHECK(next_memory_state(pressure, 120 * mb, l) == transition::none);
    CHECK(next_memory_state(pressure, 95 * mb, l) == transition::none);  // below the limit, above 90
    CHECK(next_memory_state(pressure, 90 * mb, l) == transition::none);
    CHECK(pressure);
    CHECK(next_memory_state(pressure, std::nullopt, l) == transition::none);  // unreadable: unchanged
    CHECK(next_memory_state(pressure, 89 * mb, l) == transition::left);
    CHECK_FALSE(pressure);
    // Lifting the limit ends pressure at once.
    CHECK(next_memory_state(pressure, 200 * mb, l) == transition::entered);
    l.max_memory_mb = 0;
    CHECK(next_memory_state(pressure, 200 * mb, l) == transition::left);
    CHECK(next_memory_state(pressure, 200 * mb, l) == transition::none);
}

TEST_CASE("the CPU cap steps down one per sample above the limit, never below one, and back up",
          "[resources][policy]") {
    const pressure_limits l{.max_cpu_percent = 50, .resume_margin_percent = 10, .max_concurrent = 4};
    auto step = next_cpu_cap(std::nullopt, 80.0, l);
    CHECK(step.cap == std::optional<std::size_t>(3));
    CHECK(step.change == transition::entered);
    step = next_cpu_cap(step.cap, 80.0, l);
    CHECK(step.cap == std::optional<std::size_t>(2));
    CHECK(step.change == transition::none);
    step = next_cpu_cap(step.cap, 80.0, l);
    CHECK(step.cap == std::optional<std::size_t>(1));
    step = next_cpu_cap(step.cap, 99.0, l);
    CHECK(step.cap == std::optional<std::size_t>(1));  // never below one
    step = next_cpu_cap(step.cap, 47.0, l);             // below the limit but not below 45: holds
    CHECK(step.cap == std::optional<std::size_t>(1));
    step = next_cpu_cap(step.cap, 20.0, l);
    CHECK(step.cap == std::optional<std::size_t>(2));
    step = next_cpu_cap(step.cap, 20.0, l);
    CHECK(step.cap == std::optional<std::size_t>(3));
    step = next_cpu_cap(step.cap, 20.0, l);
    CHECK_FALSE(step.cap);
    CHECK(step.change == transition::left);
    // One slot configured: nothing to lower.
    const pressure_limits one{.max_cpu_percent = 50, .max_concurrent = 1};
    CHECK_FALSE(next_cpu_cap(std::nullopt, 90.0, one).cap);
    // No limit: any cap is lifted.
    const pressure_limits none{.max_concurrent = 4};
    CHECK(next_cpu_cap(2, 90.0, none).change == transition::left);
}

TEST_CASE("VmRSS is read from /proc/<pid>/status text", "[resources][policy]") {
    CHECK(parse_vm_rss("Name:\tx\nVmPeak:\t 9 kB\nVmRSS:\t    2048 kB\nVmData: 1 kB\n") == 2048u * 1024);
    CHECK_FALSE(parse_vm_rss("Name:\tx\n"));
    CHECK_FALSE(parse_vm_rss("VmRSS:\tlots\n"));
    const auto own = read_rss_bytes();
    REQUIRE(own);
    CHECK(*own > mb);  // this test process holds more than a megabyte
    process_sampler sampler;
    CHECK_FALSE(sampler.sample().cpu_percent);  // the first sample is the baseline
    volatile double x = 0;
    for (int i = 0; i < 2000000; ++i) x = x + i * 0.5;
    const auto second = sampler.sample();
    REQUIRE(second.cpu_percent);
    CHECK(*second.cpu_percent >= 0.0);
    CHECK(*second.cpu_percent <= 100.0);
}

TEST_CASE("the LRU cache is bounded, evicts the least recently used and counts hits and misses",
          "[resources][cache]") {
    lru_cache<std::string, int> c(2);
    CHECK_FALSE(c.get("a"));
    c.put("a", 1);
    c.put("b", 2);
    CHECK(c.get("a") == 1);  // a is now the most recently used
    c.put("c", 3);           // evicts b
    CHECK_FALSE(c.get("b"));
    CHECK(c.get("c") == 3);
    auto s = c.stats();
    CHECK(s.entries == 2);
    CHECK(s.capacity == 2);
    CHECK(s.hits == 2);
    CHECK(s.misses == 2);
    CHECK(s.evictions == 1);
    c.set_capacity(1);
    CHECK(c.stats().entries == 1);
    CHECK(c.erase_if([](const std::string&) { return true; }) == 1);
    CHECK(c.stats().invalidations == 1);
    // A value read before an invalidation is not stored after it.
    c.set_capacity(4);
    const auto g = c.generation();
    c.clear();
    CHECK_FALSE(c.put_if_current("x", 9, g));
    CHECK_FALSE(c.get("x"));
    CHECK(c.put_if_current("x", 9, c.generation()));
    CHECK(c.get("x") == 9);
    lru_cache<std::string, int> off(0);
    off.put("a", 1);
    CHECK_FALSE(off.get("a"));
}
