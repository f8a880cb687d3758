// The upgrade request passes the same authorization as every REST route: 401 without a
// valid token, 403 without chainbot:read, before any WebSocket handshake. The token may
// come as ?access_token= (what a browser can send), and never reaches the audit trail.
#include "ws_fixture.hpp"

using namespace chainbot::test;

TEST_CASE("ws upgrade without a valid token is refused with 401", "[ws][security]") {
    ws_module m;
    ws_client anonymous(m.port(), "/api/chainbot/ws");
    CHECK_FALSE(anonymous.upgraded());
    CHECK(anonymous.refused_status() == 401);
    CHECK(anonymous.refused_body().find("unauthorized") != std::string::npos);

    ws_client wrong(m.port(), "/api/chainbot/ws", {.headers = {{"Authorization", "Bearer not-a-token"}}});
    CHECK(wrong.refused_status() == 401);
    ws_client wrong_query(m.port(), "/api/chainbot/ws?access_token=not-a-token");
    CHECK(wrong_query.refused_status() == 401);
}

TEST_CASE("ws upgrade with a token lacking chainbot:read is refused with 403", "[ws][security]") {
    ws_module m;
    const auto nobody = m.token_with_roles("nobody", "[]");
    ws_client c(m.port(), "/api/chainbot/ws", {.headers = {{"Authorization", "Bearer " + nobody}}});
    CHECK_FALSE(c.upgraded());
    CHECK(c.refused_status() == 403);
    CHECK(c.refused_body().find("chainbot:read") != std::string::npos);
    ws_client by_query(m.port(), "/api/chainbot/ws?access_token=" + nobody);
    CHECK(by_query.refused_status() == 403);
}

TEST_CASE("ws accepts the token from the Authorization header and from the access_token parameter", "[ws][security]") {
    ws_module m;
    const auto viewer = m.token_with_roles("watcher", R"(["viewer"])");
    ws_client by_header(m.port(), "/api/chainbot/ws", {.headers = {{"Authorization", "Bearer " + viewer}}});
    REQUIRE(by_header.upgraded());
    ws_client by_query(m.port(), "/api/chainbot/ws?topics=chainbot.test.*&access_token=" + viewer);
    REQUIRE(by_query.upgraded());
    // Both are live clients of the feed.
    auto subscribed = by_query.next_of("subscribed");
    REQUIRE(subscribed);
    by_header.send(R"({"action": "subscribe", "topics": ["chainbot.test.*"]})");
    REQUIRE(by_header.next_of("subscribed"));
    m.publish("chainbot.test.hello", {{"n", 1}});
    for (auto* c : {&by_header, &by_query}) {
        auto e = c->next_of("event");
        REQUIRE(e);
        CHECK(topic_of(*e) == "chainbot.test.hello");
    }
}

TEST_CASE("the access_token parameter works for GET routes only and stays out of the audit trail", "[ws][security]") {
    ws_module m;
    CHECK(m.call("GET", "/api/chainbot/workflows?access_token=" + m.admin).status == 200);
    CHECK(m.call("POST", "/api/chainbot/workflows?access_token=" + m.admin, "", R"({"name": "x", "steps": []})").status ==
          401);
    // The header wins over the parameter.
    CHECK(m.call("GET", "/api/chainbot/workflows?access_token=" + m.admin, "not-a-token").status == 401);
    // A plain GET of the WebSocket route (no upgrade) is answered 426.
    auto plain = m.call("GET", "/api/chainbot/ws", m.admin);
    CHECK(plain.status == 426);
    CHECK(plain.header("upgrade") == "websocket");

    const std::string secret = "wrong-secret-token-abc123";
    ws_client refused(m.port(), "/api/chainbot/ws?access_token=" + secret);
    CHECK(refused.refused_status() == 401);
    bool denial_recorded = eventually([&] {
        auto audit = m.call("GET", "/api/chainbot/audit?limit=200", m.admin);
        return audit.status == 200 && audit.body.find("/api/chainbot/ws") != std::string::npos &&
               audit.body.find("auth.denied") != std::string::npos;
    }, 5s);
    CHECK(denial_recorded);
    auto audit = m.call("GET", "/api/chainbot/audit?limit=200", m.admin);
    CHECK(audit.body.find(secret) == std::string::npos);
    CHECK(audit.body.find(m.admin) == std::string::npos);
}

TEST_CASE("ws rejects a bad topics parameter with 400 before upgrading", "[ws]") {
    ws_module m;
    ws_client c(m.port(), "/api/chainbot/ws?topics=chainbot.ok,bad%20pattern",
                {.headers = {{"Authorization", "Bearer " + m.admin}}});
    CHECK(c.refused_status() == 400);
    CHECK(c.refused_body().find("invalid_parameter") != std::string::npos);
}
