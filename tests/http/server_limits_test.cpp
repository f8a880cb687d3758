// What a misbehaving client gets: oversized bodies and headers, malformed HTTP, slowloris.
#include "test_support.hpp"

#include <catch2/catch.hpp>

#include <chrono>

using namespace chainbot::http;
using namespace chainbot::http::testing;

namespace {

router echo_router() {
    router routes;
    routes.add("POST", "/echo", [](request& req, responder respond) { respond(response::json(200, req.body)); });
    routes.add("GET", "/", [](request&, responder respond) { respond(response::json(200, "{}")); });
    return routes;
}

}  // namespace

TEST_CASE("limits: a body over max_body_bytes is a 413 and the connection closes", "[http][limits]") {
    auto routes = echo_router();
    server_options options;
    options.max_body_bytes = 1024;
    running_server srv(routes, options);

    client ok(srv.port());
    CHECK(ok.send(bhttp::verb::post, "/echo", std::string(1024, 'a')).result_int() == 200);

    client big(srv.port());
    auto res = big.send(bhttp::verb::post, "/echo", std::string(64 * 1024, 'a'));
    CHECK(res.result_int() == 413);
    CHECK(error_code_of(res) == "payload_too_large");
    CHECK_FALSE(res.keep_alive());
}

TEST_CASE("limits: a chunked body over the limit is a 413 too", "[http][limits]") {
    auto routes = echo_router();
    server_options options;
    options.max_body_bytes = 16;
    running_server srv(routes, options);
    client c(srv.port());
    c.write_raw("POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                "10\r\n0123456789abcdef\r\n10\r\n0123456789abcdef\r\n0\r\n\r\n");
    CHECK(c.receive().result_int() == 413);
}

TEST_CASE("limits: a header over max_header_bytes is refused", "[http][limits]") {
    auto routes = echo_router();
    running_server srv(routes);  // 8 KiB
    client c(srv.port());
    auto res = c.send(bhttp::verb::get, "/", {}, {{"X-Big", std::string(16 * 1024, 'h')}});
    CHECK(res.result_int() == 431);
    CHECK(error_code_of(res) == "headers_too_large");
}

TEST_CASE("limits: a malformed request line is a 400 and the connection closes", "[http][limits]") {
    auto routes = echo_router();
    running_server srv(routes);
    client c(srv.port());
    c.write_raw("GARBAGE\r\n\r\n");
    auto res = c.receive();
    CHECK(res.result_int() == 400);
    CHECK(error_code_of(res) == "bad_request");
    CHECK_FALSE(res.keep_alive());
    CHECK(c.read_until_closed().empty());
}

TEST_CASE("limits: a slowloris client is cut off after read_timeout", "[http][limits]") {
    auto routes = echo_router();
    server_options options;
    options.read_timeout = std::chrono::seconds(1);
    running_server srv(routes, options);
    client c(srv.port());
    auto started = std::chrono::steady_clock::now();
    c.write_raw("GET / HTTP/1.1\r\nHost: x\r\nX-Slow: ");  // half a header, then nothing
    c.read_until_closed();                                 // blocks until the server hangs up
    auto waited = std::chrono::steady_clock::now() - started;
    CHECK(waited >= std::chrono::milliseconds(900));
    CHECK(waited < std::chrono::seconds(5));
}

TEST_CASE("limits: a connection that never sends is closed after read_timeout", "[http][limits]") {
    auto routes = echo_router();
    server_options options;
    options.read_timeout = std::chrono::seconds(1);
    running_server srv(routes, options);
    client c(srv.port());
    auto started = std::chrono::steady_clock::now();
    c.read_until_closed();
    CHECK(std::chrono::steady_clock::now() - started < std::chrono::seconds(5));
}

TEST_CASE("limits: an idle keep-alive connection is closed after idle_timeout", "[http][limits]") {
    auto routes = echo_router();
    server_options options;
    options.idle_timeout = std::chrono::seconds(1);
    running_server srv(routes, options);
    client c(srv.port());
    CHECK(c.get("/").result_int() == 200);
    auto started = std::chrono::steady_clock::now();
    c.read_until_closed();
    auto waited = std::chrono::steady_clock::now() - started;
    CHECK(waited >= std::chrono::milliseconds(900));
    CHECK(waited < std::chrono::seconds(5));
}
