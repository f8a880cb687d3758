#include "fixture.hpp"

#include "audit/audit_routes.hpp"
#include "audit/audit_service.hpp"
#include "audit/time_text.hpp"
#include "http/router.hpp"
#include "security/admin_routes.hpp"

#include <boost/json/parse.hpp>
#include <catch2/catch.hpp>

#include <future>
#include <thread>

using namespace chainbot;
using namespace std::chrono_literals;
namespace json = boost::json;

TEST_CASE("audit: records are masked, written by the writer thread and stamped", "[audit]") {
    test::security_fixture fx;
    audit::audit_trail trail(fx.getter());
    trail.start(audit::masker_options{.names = {"pin"}});
    const auto before = store::now();
    CHECK(trail.record({.user_id = "u1",
                        .token_id = "t1",
                        .action = "workflow.create",
                        .resource = "/api/chainbot/workflows?token=abc123",
                        .metadata = json::parse(R"({"name": "etl", "auth": {"password": "p", "pin": 7},
                                                   "note": "called with Bearer abc123"})"),
                        .client = "10.0.0.1"}));
    trail.flush();
    CHECK(trail.written() == 1);
    const auto entries = fx.db->audit().list();
    REQUIRE(entries.size() == 1);
    const auto& e = entries[0];
    CHECK(e.user_id == "u1");
    CHECK(e.token_id == "t1");
    CHECK(e.action == "workflow.create");
    CHECK(e.resource == "/api/chainbot/workflows?token=***");
    CHECK(e.success);
    CHECK(e.client == "10.0.0.1");
    CHECK(e.at >= before);
    const auto meta = json::parse(*e.metadata);
    CHECK(meta.at("name") == "etl");
    CHECK(meta.at("auth").at("password") == "***");
    CHECK(meta.at("auth").at("pin") == "***");
    CHECK(meta.at("note") == "called with Bearer ***");
    CHECK(e.metadata->find("abc123") == std::string::npos);
    trail.stop();
}

TEST_CASE("audit: a full queue drops and counts instead of blocking the caller", "[audit]") {
    test::security_fixture fx;
    std::promise<void> release;
    auto gate = release.get_future().share();
    auto db = fx.db;
    audit::audit_trail trail([gate, db] {
        gate.wait();  // the writer is stuck on a slow database
        return db;
    }, {.queue_capacity = 2});
    std::vector<std::string> errors;
    trail.on_error([&errors](std::string_view e) { errors.emplace_back(e); });
    trail.start();
    int accepted = 0;
    for (int i = 0; i < 10; ++i) accepted += trail.record({.action = "x", .resource = std::to_string(i)}) ? 1 : 0;
    CHECK(accepted >= 2);
    CHECK(accepted <= 4);  // the writer may already hold what it took before it got stuck
    CHECK(trail.dropped() == static_cast<std::uint64_t>(10 - accepted));
    CHECK(errors.size() == trail.dropped());
    release.set_value();
    trail.flush();
    CHECK(fx.db->audit().count() == static_cast<std::size_t>(accepted));
    trail.stop();
}

TEST_CASE("audit: the service records state-changing domain events from the hub", "[audit]") {
    test::security_fixture fx;
    config::settings s;
    s.module.data_dir = (fx.dir.path() / "data").string();
    s.security.audit_masked_fields = {"webhook_url"};
    runtime rt(std::move(s), host_services{});
    auto svc = std::make_shared<audit::audit_service>(fx.getter());
    rt.add_service(svc);
    rt.start();
    rt.events().publish("chainbot.workflow.started", {{"workflow_id", "w1"}, {"execution_id", "e1"}});
    rt.events().publish("chainbot.workflow.step.completed", {{"workflow_id", "w1"}, {"execution_id", "e1"}});
    rt.events().publish("chainbot.workflow.cancelled", {{"workflow_id", "w1"}, {"execution_id", "e1"}});
    rt.events().publish("chainbot.workflow.failed", {{"execution_id", "e2"}, {"error", "HTTP 401 with Bearer abc1"}});
    rt.events().publish("chainbot.agent.spawned", {{"agent_id", "a1"}, {"user_id", "u7"}, {"webhook_url", "https://x"}});
    rt.events().publish("chainbot.hardware.reading", {{"cpu", 40}});
    // Ephemeral executions: starting and completing leave no rows; how else one ended does.
    rt.events().publish("chainbot.workflow.started", {{"execution_id", "m1"}, {"ephemeral", true}});
    rt.events().publish("chainbot.workflow.completed", {{"execution_id", "m1"}, {"ephemeral", true}});
    rt.events().publish("chainbot.workflow.paused", {{"execution_id", "m2"}, {"ephemeral", true}});  // an operator's act
    rt.events().publish("chainbot.workflow.timed_out", {{"execution_id", "m2"}, {"ephemeral", true}});
    svc->trail()->flush();

    const auto entries = fx.db->audit().list();
    std::vector<std::string> seen;
    for (auto it = entries.rbegin(); it != entries.rend(); ++it) seen.push_back(it->action + " " + it->resource);
    CHECK(seen == std::vector<std::string>{"workflow.started executions/e1", "workflow.cancelled executions/e1",
                                           "workflow.failed executions/e2", "agent.spawned agents/a1",
                                           "workflow.paused executions/m2", "workflow.timed_out executions/m2"});
    CHECK_FALSE(entries[0].success);  // workflow.timed_out
    CHECK(entries[1].success);        // workflow.paused
    CHECK_FALSE(entries[3].success);  // workflow.failed
    CHECK(entries[2].user_id == "u7");
    CHECK(json::parse(*entries[2].metadata).at("webhook_url") == "***");
    CHECK(entries[3].metadata->find("abc1") == std::string::npos);
    rt.stop();
    // Stopped: no longer observing.
    rt.events().publish("chainbot.workflow.started", {{"execution_id", "e9"}});
    CHECK(fx.db->audit().count() == 6);
}

TEST_CASE("audit: GET /audit filters and paginates, and there is no route to change the trail", "[audit]") {
    test::security_fixture fx;
    audit::audit_trail trail(fx.getter());  // not started: writes at once
    const auto t0 = store::now();
    for (int i = 0; i < 5; ++i) trail.record({.user_id = "u1", .action = "workflow.create", .resource = "w" + std::to_string(i)});
    trail.record({.user_id = "u2", .action = "auth.denied", .resource = "/x", .success = false});
    const auto later = store::now() + 1h;

    auto get = [&](std::map<std::string, std::string> query) {
        http::request req;
        req.method = "GET";
        req.query = std::move(query);
        try {
            return audit::list_audit(trail, req);
        } catch (const http::http_error& e) {
            return e.to_response();
        }
    };
    auto body = json::parse(get({}).body).as_object();
    CHECK(body.at("total") == 6);
    CHECK(body.at("items").as_array().size() == 6);
    CHECK(body.at("items").at(0).at("action") == "auth.denied");  // newest first
    CHECK(body.at("items").at(0).at("timestamp").as_string().ends_with("Z"));

    body = json::parse(get({{"user", "u1"}, {"limit", "2"}, {"offset", "1"}}).body).as_object();
    CHECK(body.at("total") == 5);
    CHECK(body.at("items").as_array().size() == 2);
    CHECK(body.at("items").at(0).at("resource") == "w3");
    CHECK(json::parse(get({{"success", "false"}}).body).at("total") == 1);
    CHECK(json::parse(get({{"action", "workflow.create"}}).body).at("total") == 5);
    CHECK(json::parse(get({{"since", audit::to_iso8601(t0 - 1s)}}).body).at("total") == 6);
    CHECK(json::parse(get({{"since", audit::to_iso8601(later)}}).body).at("total") == 0);
    CHECK(json::parse(get({{"until", std::to_string((t0 - 1s).time_since_epoch().count())}}).body).at("total") == 0);

    CHECK(get({{"since", "yesterday"}}).status == 400);
    CHECK(get({{"success", "maybe"}}).status == 400);
    CHECK(get({{"limit", "0"}}).status == 400);
    CHECK(get({{"limit", "5000"}}).status == 400);

    for (const auto& r : security::admin_routes({fx.getter(), nullptr, nullptr}))
        if (r.pattern.find("/audit") != std::string::npos) CHECK(r.method == "GET");
}

TEST_CASE("audit: the writer lingers for a batch, yet GET /audit answers with what was just recorded", "[audit]") {
    test::security_fixture fx;
    audit::audit_trail trail(fx.getter());
    trail.start();
    for (int round = 1; round <= 5; ++round) {
        trail.record({.user_id = "u1", .action = "workflow.create", .resource = "w" + std::to_string(round)});
        http::request req;
        req.method = "GET";
        const auto body = json::parse(audit::list_audit(trail, req).body);
        CHECK(body.at("total") == round);
        CHECK(body.at("items").at(0).at("resource").as_string() == "w" + std::to_string(round));
    }
    // Without a reader, an entry still reaches the store once the linger is over.
    trail.record({.user_id = "u2", .action = "auth.denied", .resource = "/x", .success = false});
    bool written = false;
    for (int i = 0; i < 200 && !written; ++i) {
        written = fx.db->audit().count() == 6;
        if (!written) std::this_thread::sleep_for(10ms);
    }
    CHECK(written);
    trail.stop();
}

TEST_CASE("audit: times read and print as ISO 8601 UTC", "[audit]") {
    const auto t = audit::parse_time("2026-11-25T12:00:00.123Z");
    REQUIRE(t);
    CHECK(audit::to_iso8601(*t) == "2026-11-25T12:00:00.123Z");
    CHECK(audit::parse_time("2026-11-25T14:00:00.123+02:00") == t);
    CHECK(audit::parse_time("2026-11-25") == audit::parse_time("2026-11-25T00:00:00Z"));
    CHECK(audit::parse_time(std::to_string(t->time_since_epoch().count())) == t);
    CHECK_FALSE(audit::parse_time("2026-13-01"));
    CHECK_FALSE(audit::parse_time("2026-11-25T12:00"));
    CHECK_FALSE(audit::parse_time("soon"));
}
