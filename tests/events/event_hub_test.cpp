#include "events/event_hub.hpp"
#include "events/host_bus_forwarder.hpp"

#include <catch2/catch.hpp>

#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

using namespace chainbot::events;

namespace {
struct recorder final : observer {
    std::mutex mutex;
    std::vector<event> seen;
    void on_event(const event& e) override {
        std::lock_guard lock(mutex);
        seen.push_back(e);
    }
};
struct thrower final : observer {
    void on_event(const event&) override { throw std::runtime_error("observer bug"); }
};
}  // namespace

TEST_CASE("event hub stamps timestamp and module_id and fans out to every observer", "[events]") {
    event_hub hub("chainbot");
    auto a = std::make_shared<recorder>();
    auto b = std::make_shared<recorder>();
    hub.add_observer(a);
    const auto id_b = hub.add_observer(b);
    hub.publish("chainbot.workflow.started", {{"workflow_id", "w1"}});
    REQUIRE(a->seen.size() == 1);
    CHECK(a->seen[0].topic == "chainbot.workflow.started");
    CHECK(a->seen[0].payload.at("workflow_id").as_string() == "w1");
    CHECK(a->seen[0].payload.at("module_id").as_string() == "chainbot");
    const auto ts = std::string(a->seen[0].payload.at("timestamp").as_string());
    CHECK(ts.size() == 24);
    CHECK(ts.back() == 'Z');
    hub.remove_observer(id_b);
    hub.publish("chainbot.workflow.completed");
    CHECK(a->seen.size() == 2);
    CHECK(b->seen.size() == 1);
}

TEST_CASE("event hub: a throwing observer is counted and reported and the others still get the event", "[events]") {
    event_hub hub;
    std::vector<std::string> errors;
    hub.on_observer_error([&](std::string_view e) { errors.emplace_back(e); });
    hub.add_observer(std::make_shared<thrower>());
    auto r = std::make_shared<recorder>();
    hub.add_observer(r);
    hub.publish("chainbot.agent.spawned");
    CHECK(r->seen.size() == 1);
    CHECK(hub.observer_failures() == 1);
    REQUIRE(errors.size() == 1);
    CHECK(errors[0].find("observer bug") != std::string::npos);
}

TEST_CASE("event hub: publishing from several threads while observers come and go", "[events][concurrency]") {
    event_hub hub;
    auto r = std::make_shared<recorder>();
    hub.add_observer(r);
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t)
        threads.emplace_back([&] {
            for (int i = 0; i < 500; ++i) hub.publish("chainbot.test.event");
        });
    threads.emplace_back([&] {
        for (int i = 0; i < 200; ++i) hub.remove_observer(hub.add_observer(std::make_shared<recorder>()));
    });
    for (auto& t : threads) t.join();
    CHECK(r->seen.size() == 2000);
    CHECK(hub.published() == 2000);
}

namespace {
// The host's bus, as a test double: says nobody listens to chainbot.agent.*.
struct listening_sink final : chainbot::event_sink {
    std::vector<std::string> asked, published;
    void publish(std::string_view topic, std::string_view json) override {
        published.push_back(std::string(topic) + " " + std::string(json.substr(0, 1)));
    }
    bool has_subscribers(std::string_view topic) override {
        asked.emplace_back(topic);
        return !topic.starts_with("chainbot.agent.");
    }
    std::uint64_t subscribe(std::string_view, std::function<void(std::string_view, std::string_view)>) override {
        return 0;
    }
    void unsubscribe(std::uint64_t) override {}
};
}  // namespace

TEST_CASE("the host bus forwarder publishes only what the host says someone hears", "[events]") {
    event_hub hub("chainbot");
    auto sink = std::make_shared<listening_sink>();
    hub.add_observer(std::make_shared<host_bus_forwarder>(sink));
    hub.publish("chainbot.workflow.started", {{"workflow_id", "w1"}});
    hub.publish("chainbot.agent.spawned", {{"agent_id", "a1"}});
    CHECK(sink->asked == std::vector<std::string>{"chainbot.workflow.started", "chainbot.agent.spawned"});
    CHECK(sink->published == std::vector<std::string>{"chainbot.workflow.started {"});
}
