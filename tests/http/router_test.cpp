#include "http/router.hpp"
#include "http/url.hpp"

#include <boost/json/parse.hpp>
#include <catch2/catch.hpp>

#include <optional>

using namespace chainbot::http;

namespace {

struct captured_log : chainbot::log_sink {
    std::string text;
    void write(chainbot::log_level, std::string_view, std::string_view message) override {
        text.append(message).append("\n");
    }
};

/// Dispatches synchronously and returns what the handler (or the router) answered.
response call(const router& r, std::string method, std::string target, request* seen = nullptr) {
    request req;
    req.method = std::move(method);
    req.target = std::move(target);
    std::optional<response> out;
    r.dispatch(req, [&](response res) { out = std::move(res); });
    REQUIRE(out.has_value());
    if (seen) *seen = req;
    return *out;
}

std::string code_of(const response& res) {
    return std::string(boost::json::parse(res.body).at("error").at("code").as_string());
}

handler answer(std::string text) {
    return [text](request&, responder respond) { respond(response::json(200, text)); };
}

}  // namespace

TEST_CASE("router: captures are percent-decoded, the query is parsed, the path excludes it", "[http][router]") {
    router r;
    r.add("POST", "/api/chainbot/workflows/{id}/execute", answer("{}"));
    request seen;
    auto res = call(r, "POST", "/api/chainbot/workflows/my%20flow%2Fv2/execute?limit=10&q=a+b%21&flag&limit=99", &seen);
    CHECK(res.status == 200);
    CHECK(seen.params.at("id") == "my flow/v2");
    CHECK(seen.path == "/api/chainbot/workflows/my%20flow%2Fv2/execute");
    CHECK(seen.query.at("limit") == "10");  // first occurrence wins
    CHECK(seen.query.at("q") == "a b!");
    CHECK(seen.query.at("flag").empty());
}

TEST_CASE("router: a literal segment wins over a capture and a trailing slash is ignored", "[http][router]") {
    router r;
    r.add("GET", "/workflows/{id}", answer(R"("by id")"));
    r.add("GET", "/workflows/stats", answer(R"("stats")"));
    r.add("GET", "/", answer(R"("root")"));
    CHECK(call(r, "GET", "/workflows/stats").body == R"("stats")");
    CHECK(call(r, "GET", "/workflows/w1/").body == R"("by id")");
    CHECK(call(r, "GET", "/").body == R"("root")");
}

TEST_CASE("router: unknown path is a 404 JSON error", "[http][router]") {
    router r;
    r.add("GET", "/health", answer("{}"));
    auto res = call(r, "GET", "/nope");
    CHECK(res.status == 404);
    CHECK(res.content_type == "application/json");
    CHECK(code_of(res) == "not_found");
    CHECK(call(r, "GET", "/health/extra").status == 404);
}

TEST_CASE("router: known path with another method is a 405 with Allow", "[http][router]") {
    router r;
    r.add("POST", "/workflows/{id}", answer("{}"));
    r.add("GET", "/workflows/{id}", answer("{}"));
    auto res = call(r, "DELETE", "/workflows/w1");
    CHECK(res.status == 405);
    CHECK(code_of(res) == "method_not_allowed");
    REQUIRE(res.headers.size() == 1);
    CHECK(res.headers[0].first == "Allow");
    CHECK(res.headers[0].second == "GET, POST");
}

TEST_CASE("router: a handler that throws gives a 500 without the exception's text", "[http][router]") {
    auto log = std::make_shared<captured_log>();
    router r(log);
    r.add("GET", "/boom", [](request&, responder) { throw std::runtime_error("db password is hunter2"); });
    auto res = call(r, "GET", "/boom");
    CHECK(res.status == 500);
    CHECK(res.body == R"({"error":{"code":"internal_error","message":"internal error","details":null}})");
    CHECK(log->text.find("hunter2") != std::string::npos);  // logged, not sent
}

TEST_CASE("router: a thrown http_error answers with its status, code, message and details", "[http][router]") {
    router r;
    r.add("GET", "/workflows/{id}", [](request& req, responder) {
        throw http_error(409, "conflict", "workflow is running", {{"id", req.params.at("id")}});
    });
    auto res = call(r, "GET", "/workflows/w1");
    CHECK(res.status == 409);
    CHECK(res.body ==
          R"({"error":{"code":"conflict","message":"workflow is running","details":{"id":"w1"}}})");
}

TEST_CASE("router: only the first answer counts", "[http][router]") {
    router r;
    r.add("GET", "/twice", [](request&, responder respond) {
        respond(response::json(200, "1"));
        respond(response::json(201, "2"));
        throw std::runtime_error("after answering");
    });
    request req;
    req.method = "GET";
    req.target = "/twice";
    int calls = 0;
    r.dispatch(req, [&](response res) {
        ++calls;
        CHECK(res.status == 200);
    });
    CHECK(calls == 1);
}

TEST_CASE("router: malformed percent-encoding is a 400", "[http][router]") {
    router r;
    r.add("GET", "/items/{id}", answer("{}"));
    CHECK(call(r, "GET", "/items/%zz").status == 400);
    CHECK(call(r, "GET", "/items/x?a=%4").status == 400);
    CHECK(code_of(call(r, "GET", "/items/x?a=%4")) == "bad_request");
}

TEST_CASE("router: malformed and duplicate patterns are rejected", "[http][router]") {
    router r;
    r.add("GET", "/items/{id}", answer("{}"));
    CHECK_THROWS_AS(r.add("GET", "/items/{other}", answer("{}")), std::invalid_argument);
    CHECK_THROWS_AS(r.add("GET", "items", answer("{}")), std::invalid_argument);
    CHECK_THROWS_AS(r.add("GET", "/items/{id}.json", answer("{}")), std::invalid_argument);
    CHECK_THROWS_AS(r.add("GET", "/items/{}", answer("{}")), std::invalid_argument);
    CHECK_THROWS_AS(r.add("GET", "/a/{x}/{x}", answer("{}")), std::invalid_argument);
    CHECK_NOTHROW(r.add("PUT", "/items/{id}", answer("{}")));
}

TEST_CASE("url: percent_decode", "[http][router]") {
    CHECK(percent_decode("a%20b%2fc") == "a b/c");
    CHECK(percent_decode("a+b") == "a+b");
    CHECK(percent_decode("a+b", true) == "a b");
    CHECK_FALSE(percent_decode("%").has_value());
    CHECK_FALSE(percent_decode("%2").has_value());
    CHECK_FALSE(percent_decode("%g0").has_value());
}

TEST_CASE("response::error has the uniform shape", "[http][router]") {
    auto res = response::error(404, "not_found", "no workflow \"w1\"");
    CHECK(res.status == 404);
    CHECK(res.content_type == "application/json");
    CHECK(res.body == R"({"error":{"code":"not_found","message":"no workflow \"w1\"","details":null}})");
}
