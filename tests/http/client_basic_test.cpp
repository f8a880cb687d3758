// The client against real servers on 127.0.0.1: what the server receives, what comes
// back (statuses, fields, chunked and close-delimited bodies), redirects not followed.
#include "client_support.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cctype>

using namespace chainbot::http;
using namespace chainbot::http::testing;

namespace {

// Records the request it serves and answers with `reply`.
struct recording_route {
    std::mutex mutex;
    request seen;
    response reply;

    handler get() {
        return [this](request& req, responder respond) {
            std::lock_guard lock(mutex);
            seen = req;
            respond(reply);
        };
    }
};

}  // namespace

TEST_CASE("client: a GET reaches the server with Host and User-Agent", "[http][client]") {
    router routes;
    recording_route route;
    route.reply = response::json(200, R"({"ok": true})");
    routes.add("GET", "/api/items", route.get());
    running_server srv(routes);
    client_io io;
    http_client client(io.get());

    auto result = client.send_sync({.url = url_of(srv.port(), "/api/items?limit=10")});
    INFO(result.message);
    REQUIRE(result.ok());
    CHECK(result.message.empty());
    CHECK(result.response.status == 200);
    CHECK(result.response.body == R"({"ok": true})");
    CHECK(result.response.header("Content-Type") == "application/json");
    CHECK(result.response.header("server") == "chainbot");
    CHECK(result.response.header("x-absent").empty());
    for (const auto& [name, value] : result.response.headers)
        CHECK(std::none_of(name.begin(), name.end(), [](unsigned char c) { return std::isupper(c); }));

    CHECK(route.seen.method == "GET");
    CHECK(route.seen.path == "/api/items");
    CHECK(route.seen.query.at("limit") == "10");
    CHECK(route.seen.headers.at("host") == "127.0.0.1:" + std::to_string(srv.port()));
    CHECK(route.seen.headers.at("user-agent") == "chainbot/" CHAINBOT_VERSION);
    CHECK(route.seen.headers.count("content-length") == 0);
    CHECK(route.seen.body.empty());
}

TEST_CASE("client: a POST carries its JSON body, Content-Length and the caller's fields", "[http][client]") {
    router routes;
    recording_route route;
    route.reply = response::json(201, R"({"id": "w1"})");
    routes.add("POST", "/api/workflows", route.get());
    running_server srv(routes);
    client_io io;
    http_client client(io.get());

    const std::string body = R"({"name": "pipeline", "steps": [1, 2, 3]})";
    auto result = client.send_sync({.method = "POST",
                                    .url = url_of(srv.port(), "/api/workflows"),
                                    .headers = {{"Content-Type", "application/json"},
                                                {"Authorization", "Bearer t0k3n"},
                                                {"User-Agent", "custom/1"},
                                                {"Content-Length", "999"}},
                                    .body = body});
    INFO(result.message);
    REQUIRE(result.ok());
    CHECK(result.response.status == 201);
    CHECK(result.response.body == R"({"id": "w1"})");

    CHECK(route.seen.method == "POST");
    CHECK(route.seen.body == body);
    CHECK(route.seen.headers.at("content-type") == "application/json");
    CHECK(route.seen.headers.at("content-length") == std::to_string(body.size()));  // computed, never the caller's
    CHECK(route.seen.headers.at("authorization") == "Bearer t0k3n");
    CHECK(route.seen.headers.at("user-agent") == "custom/1");  // replaced, not doubled
}

TEST_CASE("client: user-info in the URL becomes Basic authorization", "[http][client]") {
    router routes;
    recording_route route;
    route.reply = response::json(200, "{}");
    routes.add("GET", "/auth", route.get());
    running_server srv(routes);
    client_io io;
    http_client client(io.get());

    auto result = client.send_sync({.url = "http://alice:s%3Acret@127.0.0.1:" + std::to_string(srv.port()) + "/auth"});
    REQUIRE(result.ok());
    CHECK(route.seen.headers.at("authorization") == "Basic YWxpY2U6czpjcmV0");  // alice:s:cret
}

TEST_CASE("client: error statuses are responses, with their fields", "[http][client]") {
    router routes;
    routes.add("GET", "/boom", [](request&, responder respond) {
        respond(response::error(500, "internal", "it broke"));
    });
    routes.add("GET", "/busy", [](request&, responder respond) {
        auto res = response::error(429, "rate_limited", "slow down");
        res.headers.emplace_back("Retry-After", "7");
        respond(std::move(res));
    });
    routes.add("GET", "/moved", [](request&, responder respond) {
        response res;
        res.status = 302;
        res.headers.emplace_back("Location", "/elsewhere");
        respond(std::move(res));
    });
    running_server srv(routes);
    client_io io;
    http_client client(io.get());

    auto missing = client.send_sync({.url = url_of(srv.port(), "/nope")});
    REQUIRE(missing.ok());
    CHECK(missing.response.status == 404);
    CHECK(missing.response.body.find("not_found") != std::string::npos);

    auto boom = client.send_sync({.url = url_of(srv.port(), "/boom")});
    REQUIRE(boom.ok());
    CHECK(boom.response.status == 500);

    auto busy = client.send_sync({.url = url_of(srv.port(), "/busy")});
    REQUIRE(busy.ok());
    CHECK(busy.response.status == 429);
    CHECK(busy.response.header("Retry-After") == "7");
    CHECK(busy.response.header("retry-after") == "7");

    auto moved = client.send_sync({.url = url_of(srv.port(), "/moved")});  // not followed
    REQUIRE(moved.ok());
    CHECK(moved.response.status == 302);
    CHECK(moved.response.header("location") == "/elsewhere");
}

TEST_CASE("client: a chunked response is decoded", "[http][client]") {
    raw_server srv("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n"
                   "5\r\nhello\r\n6\r\n world\r\n0\r\nX-Trailer: t\r\n\r\n");
    client_io io;
    http_client client(io.get());
    auto result = client.send_sync({.url = srv.url("/stream")});
    INFO(result.message);
    REQUIRE(result.ok());
    CHECK(result.response.status == 200);
    CHECK(result.response.body == "hello world");
    CHECK(srv.last_request().rfind("GET /stream HTTP/1.1\r\n", 0) == 0);
    CHECK(srv.last_request().find("Connection: close\r\n") != std::string::npos);
}

TEST_CASE("client: a body delimited by the end of the connection", "[http][client]") {
    raw_server srv("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\nuntil the end");
    client_io io;
    http_client client(io.get());
    auto result = client.send_sync({.url = srv.url()});
    INFO(result.message);
    REQUIRE(result.ok());
    CHECK(result.response.body == "until the end");
}

TEST_CASE("client: an interim 100 Continue is skipped and HEAD has no body", "[http][client]") {
    raw_server interim("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
    raw_server head("HTTP/1.1 200 OK\r\nContent-Length: 1234\r\n\r\n");
    client_io io;
    http_client client(io.get());

    auto first = client.send_sync({.method = "POST", .url = interim.url(), .body = "x"});
    REQUIRE(first.ok());
    CHECK(first.response.status == 200);
    CHECK(first.response.body == "ok");

    auto second = client.send_sync({.method = "HEAD", .url = head.url()});
    INFO(second.message);
    REQUIRE(second.ok());
    CHECK(second.response.header("content-length") == "1234");
    CHECK(second.response.body.empty());
}
