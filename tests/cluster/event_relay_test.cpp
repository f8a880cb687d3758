// Scale-out: events published on one instance reach the event hub (so the host bus and the
// WebSocket clients) of every other instance on the same PostgreSQL, once, and never echo back.
#include <chainbot/module.hpp>

#include "../store/scratch_database.hpp"
#include "orchestrator/event_relay.hpp"
#include "orchestrator/orchestrator.hpp"
#include "runtime/runtime.hpp"
#include "store/database.hpp"
#include "support/temp_dir.hpp"
#include "support/eventually.hpp"

#include <catch2/catch.hpp>

#include <boost/json/parse.hpp>

#include <chrono>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

using namespace chainbot;
using namespace chainbot::test;
namespace json = boost::json;

namespace {


struct recorder final : events::observer {
    std::mutex mutex;
    std::vector<events::event> seen;
    void on_event(const events::event& e) override {
        if (!e.topic.starts_with("test.relay.") && !e.topic.starts_with("chainbot.workflow.")) return;
        std::lock_guard lock(mutex);
        seen.push_back(e);
    }
    std::vector<events::event> of(const std::string& topic) {
        std::lock_guard lock(mutex);
        std::vector<events::event> out;
        for (const auto& e : seen)
            if (e.topic == topic) out.push_back(e);
        return out;
    }
};

struct instance {
    temp_dir data{"chainbot-relay"};
    chainbot_module module;
    std::shared_ptr<recorder> rec = std::make_shared<recorder>();
    std::string id;

    instance(const std::string& url, bool relay = true) {
        const std::string config = R"({"api": {"port": 0}, "module": {"data_dir": ")" + data.path().string() +
                                   R"("}, "database": {"url": ")" + url +
                                   R"("}, "raspberry_pi": {"enable_hardware_monitoring": false},
                                      "cluster": {"heartbeat_seconds": 0.3, "lease_seconds": 3.0, "poll_seconds": 0.5,
                                                  "relay_events": )" + (relay ? "true" : "false") + "}}";
        module.initialize({}, config);
        module.get_orchestrator()->tasks().add("data_processor", "noop", [](const orchestrator::task_call&) -> json::value {
            return json::object{{"ok", true}};
        });
        module.get_runtime()->events().add_observer(rec);
        module.start();
        id = module.get_orchestrator()->instance_id();
    }
    ~instance() { module.stop(); }
    void publish(const std::string& topic, json::object fields) { module.get_runtime()->events().publish(topic, std::move(fields)); }
    bool listening() { return module.get_orchestrator()->cluster_figures().listening; }
};

}  // namespace

TEST_CASE("event relay: an oversized event is shortened and marked truncated", "[cluster]") {
    events::event e{"test.relay.big", {{"timestamp", "2026-01-01T00:00:00.000Z"}, {"module_id", "chainbot"},
                                       {"small", 1}, {"text", std::string(20000, 'x')}}};
    const auto text = orchestrator::event_relay::encode("i1", e);
    CHECK(text.size() <= orchestrator::event_relay::max_notify_bytes);
    const auto v = json::parse(text);
    CHECK(v.at("instance") == "i1");
    CHECK(v.at("topic") == "test.relay.big");
    const auto& p = v.at("payload").as_object();
    CHECK(p.at("truncated") == true);
    CHECK(p.at("small") == 1);
    CHECK(p.at("timestamp") == "2026-01-01T00:00:00.000Z");
    CHECK(p.at("text").as_string().ends_with("..."));

    // Too many fields even when shortened: the identifying ones stay.
    events::event many{"test.relay.many", {{"timestamp", "t"}, {"module_id", "chainbot"}}};
    json::array list;
    for (int i = 0; i < 5000; ++i) list.push_back(i);
    many.payload["list"] = list;
    const auto small = json::parse(orchestrator::event_relay::encode("i1", many));
    CHECK(small.at("payload").at("truncated") == true);
    CHECK(small.at("payload").at("timestamp") == "t");
    CHECK_FALSE(small.at("payload").as_object().contains("list"));

    // Small events pass unchanged.
    events::event plain{"test.relay.plain", {{"a", "b"}}};
    CHECK_FALSE(json::parse(orchestrator::event_relay::encode("i1", plain)).at("payload").as_object().contains("truncated"));
}

TEST_CASE("event relay: events of one instance reach the other once, with origin_instance, and never echo",
          "[cluster][postgresql]") {
    scratch_database sdb(store::backend_kind::postgresql);
    auto db = sdb.open_migrated();
    instance a(sdb.url()), b(sdb.url());
    REQUIRE(a.id != b.id);
    REQUIRE(eventually([&] { return a.listening() && b.listening(); }, std::chrono::seconds(10)));
    REQUIRE(a.module.get_orchestrator()->relay());

    a.publish("test.relay.ping", {{"n", 1}, {"text", "hello"}});
    REQUIRE(eventually([&] { return b.rec->of("test.relay.ping").size() == 1; }, std::chrono::seconds(5)));
    const auto on_a = a.rec->of("test.relay.ping");
    REQUIRE(on_a.size() == 1);
    CHECK_FALSE(on_a[0].payload.contains("origin_instance"));
    const auto got = b.rec->of("test.relay.ping")[0];
    CHECK(got.payload.at("origin_instance") == a.id.c_str());
    CHECK(got.payload.at("n") == 1);
    CHECK(got.payload.at("text") == "hello");
    CHECK(got.payload.at("timestamp") == on_a[0].payload.at("timestamp"));  // the original's
    CHECK(got.payload.at("module_id") == on_a[0].payload.at("module_id"));

    b.publish("test.relay.pong", {{"n", 2}});
    REQUIRE(eventually([&] { return a.rec->of("test.relay.pong").size() == 1; }, std::chrono::seconds(5)));
    CHECK(a.rec->of("test.relay.pong")[0].payload.at("origin_instance") == b.id.c_str());

    // Large payloads arrive shortened.
    a.publish("test.relay.big", {{"text", std::string(20000, 'y')}});
    REQUIRE(eventually([&] { return b.rec->of("test.relay.big").size() == 1; }, std::chrono::seconds(5)));
    CHECK(b.rec->of("test.relay.big")[0].payload.at("truncated") == true);

    // A workflow run on whichever instance claims it: its completion is seen once on each.
    const auto wf = db->workflows()
                        .create({.name = "relay",
                                 .definition = R"({"name": "relay", "steps": [{"id": "s1", "type": "agent_task",
                                                  "agent_type": "data_processor", "task": "noop"}]})"})
                        .workflow_id;
    const auto exec = db->executions().create({.workflow_id = wf}).record.id;
    db->notify("chainbot_work", "");
    auto completions = [&](instance& i) {
        std::vector<events::event> out;
        for (const auto& e : i.rec->of("chainbot.workflow.completed"))
            if (auto* x = e.payload.if_contains("execution_id"); x && *x == exec.c_str()) out.push_back(e);
        return out;
    };
    REQUIRE(eventually([&] { return completions(a).size() == 1 && completions(b).size() == 1; }, std::chrono::seconds(15)));

    std::this_thread::sleep_for(std::chrono::milliseconds(700));  // anything echoed would have come back by now
    CHECK(a.rec->of("test.relay.ping").size() == 1);
    CHECK(b.rec->of("test.relay.ping").size() == 1);
    CHECK(a.rec->of("test.relay.pong").size() == 1);
    CHECK(b.rec->of("test.relay.pong").size() == 1);
    CHECK(a.rec->of("test.relay.big").size() == 1);
    CHECK(b.rec->of("test.relay.big").size() == 1);
    const auto ca = completions(a), cb = completions(b);
    REQUIRE(ca.size() == 1);
    REQUIRE(cb.size() == 1);
    // Exactly one of them ran it; the other saw it relayed from that one.
    CHECK(ca[0].payload.contains("origin_instance") != cb[0].payload.contains("origin_instance"));
    const auto& relayed = ca[0].payload.contains("origin_instance") ? ca[0] : cb[0];
    CHECK(relayed.payload.at("origin_instance") == (ca[0].payload.contains("origin_instance") ? b.id : a.id).c_str());
    CHECK(a.module.get_orchestrator()->relay()->dropped() == 0);
    CHECK(a.module.get_orchestrator()->relay()->failed() == 0);
}

TEST_CASE("event relay: off with cluster.relay_events false", "[cluster][postgresql]") {
    scratch_database sdb(store::backend_kind::postgresql);
    auto db = sdb.open_migrated();
    instance a(sdb.url(), false), b(sdb.url(), false);
    REQUIRE(eventually([&] { return a.listening() && b.listening(); }, std::chrono::seconds(10)));
    CHECK_FALSE(a.module.get_orchestrator()->relay());
    a.publish("test.relay.ping", {{"n", 1}});
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    CHECK(b.rec->of("test.relay.ping").empty());
}
