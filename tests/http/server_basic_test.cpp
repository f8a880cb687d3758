// Requests and responses over real sockets: fields seen by handlers, keep-alive,
// asynchronous handlers.
#include "test_support.hpp"

#include <catch2/catch.hpp>

#include <chrono>

using namespace chainbot::http;
using namespace chainbot::http::testing;

TEST_CASE("server: a GET is answered with JSON", "[http][server]") {
    router routes;
    request seen;
    routes.add("GET", "/api/chainbot/workflows/{id}", [&](request& req, responder respond) {
        seen = req;
        respond(response::json(200, R"({"id": ")" + req.params.at("id") + R"("})"));
    });
    running_server srv(routes);
    client c(srv.port());
    auto res = c.send(bhttp::verb::get, "/api/chainbot/workflows/w%201?verbose=true", {}, {{"X-Trace-Id", "t1"}});

    CHECK(res.result_int() == 200);
    CHECK(res[bhttp::field::content_type] == "application/json");
    CHECK(res[bhttp::field::server] == "chainbot");
    CHECK(res[bhttp::field::content_length] == std::to_string(res.body().size()));
    CHECK(json_of(res).at("id").as_string() == "w 1");
    CHECK(seen.method == "GET");
    CHECK(seen.path == "/api/chainbot/workflows/w%201");
    CHECK(seen.query.at("verbose") == "true");
    CHECK(seen.headers.at("x-trace-id") == "t1");
    CHECK(seen.headers.at("host") == "127.0.0.1");
    CHECK(seen.remote_address == "127.0.0.1");
}

TEST_CASE("server: a POST body reaches the handler and extra headers reach the client", "[http][server]") {
    router routes;
    routes.add("POST", "/echo", [](request& req, responder respond) {
        response res;
        res.status = 201;
        res.content_type = "text/plain";
        res.body = req.body;
        res.headers.emplace_back("Location", "/echo/1");
        respond(std::move(res));
    });
    running_server srv(routes);
    client c(srv.port());
    auto res = c.send(bhttp::verb::post, "/echo", R"({"x": 1})", {{"Content-Type", "application/json"}});
    CHECK(res.result_int() == 201);
    CHECK(res.body() == R"({"x": 1})");
    CHECK(res[bhttp::field::content_type] == "text/plain");
    CHECK(res[bhttp::field::location] == "/echo/1");
}

TEST_CASE("server: Expect: 100-continue gets an interim response before the body is sent", "[http][server]") {
    router routes;
    routes.add("PUT", "/blob", [](request& req, responder respond) {
        respond(response::json(200, std::to_string(req.body.size())));
    });
    running_server srv(routes);
    client c(srv.port());
    c.write_raw("PUT /blob HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\nExpect: 100-continue\r\n\r\n");
    CHECK(c.receive().result_int() == 100);
    c.write_raw(std::string(5000, 'b'));
    auto res = c.receive();
    CHECK(res.result_int() == 200);
    CHECK(res.body() == "5000");
}

TEST_CASE("server: several requests on one keep-alive connection", "[http][server]") {
    router routes;
    int served = 0;
    routes.add("GET", "/count", [&](request&, responder respond) {
        respond(response::json(200, std::to_string(++served)));
    });
    running_server srv(routes);
    client c(srv.port());
    for (int i = 1; i <= 5; ++i) {
        auto res = c.get("/count");
        CHECK(res.result_int() == 200);
        CHECK(res.keep_alive());
        CHECK(res.body() == std::to_string(i));
    }
    CHECK(srv.get().active_sessions() == 1);

    // Pipelined: two requests in one write, two responses in order.
    c.write_raw("GET /count HTTP/1.1\r\nHost: x\r\n\r\nGET /count HTTP/1.1\r\nHost: x\r\n\r\n");
    CHECK(c.receive().body() == "6");
    CHECK(c.receive().body() == "7");
}

TEST_CASE("server: Connection: close is honoured", "[http][server]") {
    router routes;
    routes.add("GET", "/", [](request&, responder respond) { respond(response::json(200, "{}")); });
    running_server srv(routes);
    client c(srv.port());
    auto res = c.send(bhttp::verb::get, "/", {}, {{"Connection", "close"}});
    CHECK(res.result_int() == 200);
    CHECK_FALSE(res.keep_alive());
    CHECK(c.read_until_closed().empty());
}

TEST_CASE("server: an asynchronous handler answers later from another thread", "[http][server]") {
    router routes;
    thread_bag workers;
    routes.add("GET", "/later/{n}", [&](request& req, responder respond) {
        workers.spawn([respond, n = req.params.at("n")] {
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
            respond(response::json(200, R"({"n": )" + n + "}"));
        });
    });
    running_server srv(routes);
    const auto joined = workers.joined_before_exit();
    client c(srv.port());
    auto started = std::chrono::steady_clock::now();
    CHECK(json_of(c.get("/later/1")).at("n").as_int64() == 1);
    CHECK(json_of(c.get("/later/2")).at("n").as_int64() == 2);  // same connection, next request
    CHECK(std::chrono::steady_clock::now() - started >= std::chrono::milliseconds(100));
}

TEST_CASE("server: a handler that drops its responder still gets the client a 500", "[http][server]") {
    router routes;
    routes.add("GET", "/forgetful", [](request&, responder) {});
    running_server srv(routes);
    client c(srv.port());
    auto res = c.get("/forgetful");
    CHECK(res.result_int() == 500);
    CHECK(error_code_of(res) == "internal_error");
}

TEST_CASE("server: router errors reach the client as JSON", "[http][server]") {
    router routes;
    routes.add("GET", "/items/{id}", [](request& req, responder) {
        throw http_error(404, "not_found", "no item " + req.params.at("id"));
    });
    running_server srv(routes);
    client c(srv.port());
    auto missing = c.get("/items/7");
    CHECK(missing.result_int() == 404);
    CHECK(json_of(missing).at("error").at("message").as_string() == "no item 7");
    auto wrong_method = c.send(bhttp::verb::delete_, "/items/7");
    CHECK(wrong_method.result_int() == 405);
    CHECK(wrong_method[bhttp::field::allow] == "GET");
    CHECK(c.get("/nowhere").result_int() == 404);
}
