#include "event_bus.hpp"
#include "host_test_support.hpp"
#include "log_sink.hpp"

#include <catch2/catch.hpp>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <sstream>
#include <thread>
#include <vector>

using namespace std::chrono_literals;
using host_test::eventually;

namespace {

// Blocks handlers until opened; tells whether one has entered.
class gate {
public:
    void wait() {
        std::unique_lock lock(mutex_);
        entered_ = true;
        changed_.notify_all();
        changed_.wait_for(lock, 10s, [&] { return open_; });
    }
    void open() {
        std::lock_guard lock(mutex_);
        open_ = true;
        changed_.notify_all();
    }
    bool entered() {
        std::lock_guard lock(mutex_);
        return entered_;
    }

private:
    std::mutex mutex_;
    std::condition_variable changed_;
    bool open_ = false;
    bool entered_ = false;
};

// Collects payloads from a handler thread.
struct recorder {
    std::mutex mutex;
    std::vector<std::string> seen;
    void add(const std::string& s) {
        std::lock_guard lock(mutex);
        seen.push_back(s);
    }
    std::size_t size() {
        std::lock_guard lock(mutex);
        return seen.size();
    }
    std::vector<std::string> copy() {
        std::lock_guard lock(mutex);
        return seen;
    }
};

}  // namespace

TEST_CASE("event_bus.delivers_matching_topics_only", "[host][event_bus]") {
    alex_os::event_bus bus;
    recorder workflow, all;
    bus.subscribe("chainbot.workflow.*", [&](const std::string& t, const std::string&) { workflow.add(t); });
    bus.subscribe("*", [&](const std::string& t, const std::string&) { all.add(t); });
    bus.publish("chainbot.workflow.step.completed", "{}");
    bus.publish("chainbot.agent.spawned", "{}");
    REQUIRE(bus.wait_idle(5s));
    CHECK(workflow.copy() == std::vector<std::string>{"chainbot.workflow.step.completed"});
    CHECK(all.copy() == std::vector<std::string>{"chainbot.workflow.step.completed", "chainbot.agent.spawned"});
    CHECK(bus.counters().published == 2);
    CHECK(bus.counters().delivered == 3);
    CHECK(bus.has_subscribers("chainbot.workflow.step.completed"));
    CHECK(bus.has_subscribers("anything"));  // "*"
    CHECK_FALSE(bus.has_subscribers(""));
    alex_os::event_bus narrow;
    narrow.subscribe("chainbot.workflow.*", [](const std::string&, const std::string&) {});
    CHECK(narrow.has_subscribers("chainbot.workflow.started"));
    CHECK_FALSE(narrow.has_subscribers("chainbot.agent.spawned"));
    CHECK_THROWS_AS(bus.subscribe("", [](const std::string&, const std::string&) {}), std::invalid_argument);
    CHECK_THROWS_AS(bus.publish("", "{}"), std::invalid_argument);
}

TEST_CASE("event_bus.order_per_subscriber.4threads", "[host][event_bus]") {
    alex_os::event_bus bus(nullptr, {4, 100000});
    constexpr int count = 2000;
    recorder a, b;
    bus.subscribe("seq.*", [&](const std::string&, const std::string& j) { a.add(j); });
    bus.subscribe("seq.?", [&](const std::string&, const std::string& j) { b.add(j); });
    for (int i = 0; i < count; ++i) bus.publish("seq.x", std::to_string(i));
    REQUIRE(bus.wait_idle(10s));
    for (auto* r : {&a, &b}) {
        const auto seen = r->copy();
        REQUIRE(seen.size() == count);
        for (int i = 0; i < count; ++i) REQUIRE(seen[static_cast<std::size_t>(i)] == std::to_string(i));
    }
    CHECK(bus.counters().delivered == 2 * count);
    CHECK(bus.counters().dropped == 0);
}

TEST_CASE("event_bus.slow_subscriber_does_not_delay_fast_one", "[host][event_bus]") {
    alex_os::event_bus bus(nullptr, {2, 1024});
    gate slow_gate;
    std::atomic<int> slow_calls{0};
    recorder fast;
    bus.subscribe("tick", [&](const std::string&, const std::string&) {
        if (slow_calls++ == 0) slow_gate.wait();
    });
    bus.subscribe("tick", [&](const std::string&, const std::string& j) { fast.add(j); });

    const auto before = std::chrono::steady_clock::now();
    for (int i = 0; i < 100; ++i) bus.publish("tick", std::to_string(i));
    const auto publish_time = std::chrono::steady_clock::now() - before;

    // The fast subscriber receives everything while the slow one is still stuck in its first event.
    CHECK(eventually([&] { return fast.size() == 100; }));
    CHECK(slow_gate.entered());
    CHECK(slow_calls == 1);
    CHECK(publish_time < 1s);
    slow_gate.open();
    REQUIRE(bus.wait_idle(5s));
    CHECK(slow_calls == 100);
}

TEST_CASE("event_bus.throwing_subscriber_harms_no_other", "[host][event_bus]") {
    std::ostringstream log_text;
    alex_os::log_sink log(log_text);
    alex_os::event_bus bus(&log);
    std::atomic<int> thrower_calls{0};
    recorder good;
    bus.subscribe("x.*", [&](const std::string&, const std::string&) {
        ++thrower_calls;
        throw std::runtime_error("subscriber exploded");
    });
    bus.subscribe("x.*", [&](const std::string&, const std::string& j) { good.add(j); });
    for (int i = 0; i < 50; ++i) bus.publish("x.y", std::to_string(i));
    REQUIRE(bus.wait_idle(5s));
    CHECK(good.size() == 50);
    CHECK(thrower_calls == 50);  // it keeps its subscription and its order
    CHECK(bus.counters().handler_errors == 50);
    CHECK(log_text.str().find("subscriber exploded") != std::string::npos);
}

TEST_CASE("event_bus.unsubscribe_from_inside_its_handler", "[host][event_bus]") {
    alex_os::event_bus bus;
    std::atomic<int> calls{0};
    std::atomic<bool> unsubscribed{false};
    uint64_t id = 0;
    std::mutex id_mutex;
    {
        std::lock_guard lock(id_mutex);
        id = bus.subscribe("e", [&](const std::string&, const std::string&) {
            ++calls;
            std::lock_guard lock2(id_mutex);
            unsubscribed = bus.unsubscribe(id);  // would deadlock if it waited for itself
        });
    }
    for (int i = 0; i < 20; ++i) bus.publish("e", "{}");
    REQUIRE(bus.wait_idle(5s));
    CHECK(calls == 1);
    CHECK(unsubscribed);
    CHECK(bus.subscriber_count() == 0);
    CHECK_FALSE(bus.unsubscribe(id));
}

TEST_CASE("event_bus.unsubscribe_from_another_handler", "[host][event_bus]") {
    alex_os::event_bus bus;
    std::atomic<int> victim_calls{0};
    const uint64_t victim = bus.subscribe("v", [&](const std::string&, const std::string&) { ++victim_calls; });
    bus.subscribe("kill", [&](const std::string&, const std::string&) { bus.unsubscribe(victim); });
    bus.publish("kill", "{}");
    REQUIRE(bus.wait_idle(5s));
    bus.publish("v", "{}");
    REQUIRE(bus.wait_idle(5s));
    CHECK(victim_calls == 0);
}

TEST_CASE("event_bus.no_handler_call_starts_after_unsubscribe.2threads", "[host][event_bus]") {
    alex_os::event_bus bus(nullptr, {2, 100000});
    std::atomic<bool> returned{false};
    std::atomic<int> late_calls{0};
    std::atomic<int> calls{0};
    const uint64_t id = bus.subscribe("n", [&](const std::string&, const std::string&) {
        if (returned) ++late_calls;
        ++calls;
        std::this_thread::sleep_for(50us);
    });
    for (int i = 0; i < 5000; ++i) bus.publish("n", "{}");
    REQUIRE(eventually([&] { return calls > 10; }));
    REQUIRE(bus.unsubscribe(id));
    returned = true;
    REQUIRE(bus.wait_idle(5s));
    CHECK(late_calls == 0);
    CHECK(calls < 5000);  // the queued rest was dropped
}

TEST_CASE("event_bus.unsubscribe_waits_for_running_handler", "[host][event_bus]") {
    alex_os::event_bus bus;
    gate handler_gate;
    std::atomic<bool> handler_done{false};
    const uint64_t id = bus.subscribe("w", [&](const std::string&, const std::string&) {
        handler_gate.wait();
        handler_done = true;
    });
    bus.publish("w", "{}");
    REQUIRE(eventually([&] { return handler_gate.entered(); }));
    std::atomic<bool> unsubscribe_returned{false};
    std::thread t([&] {
        bus.unsubscribe(id);
        unsubscribe_returned = true;
    });
    std::this_thread::sleep_for(50ms);
    CHECK_FALSE(unsubscribe_returned);  // the handler still runs
    handler_gate.open();
    t.join();
    CHECK(handler_done);
}

TEST_CASE("event_bus.bounded_queue_drops_oldest_and_counts", "[host][event_bus]") {
    alex_os::event_bus bus(nullptr, {2, 4});
    gate g;
    recorder seen;
    const uint64_t id = bus.subscribe("q", [&](const std::string&, const std::string& j) {
        if (j == "0") g.wait();
        seen.add(j);
    });
    bus.publish("q", "0");
    REQUIRE(eventually([&] { return g.entered(); }));
    for (int i = 1; i < 20; ++i) bus.publish("q", std::to_string(i));  // 19 behind a queue of 4
    CHECK(bus.counters().dropped == 15);
    CHECK(bus.dropped(id) == 15);
    g.open();
    REQUIRE(bus.wait_idle(5s));
    CHECK(seen.copy() == std::vector<std::string>{"0", "16", "17", "18", "19"});
    CHECK(bus.counters().published == 20);
    CHECK(bus.counters().delivered == 5);
}
