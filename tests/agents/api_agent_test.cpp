// The api agent against a real HTTP server on 127.0.0.1: authentication (with secrets,
// masked), the rate limiter, retries with backoff and Retry-After, timeouts, the response
// size limit, how bodies come back, and configuration errors naming their key.
#include "api_test_server.hpp"

#include "agents/api_agent/api_client_config.hpp"
#include "agents/api_agent/api_tasks.hpp"
#include "agents/api_agent/retry_after.hpp"
#include "agents/api_agent/token_bucket.hpp"
#include "orchestrator/task_registry.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <catch2/catch.hpp>

#include <atomic>
#include <ctime>
#include <map>

using namespace api_test;
namespace json = boost::json;
namespace orchestrator = chainbot::orchestrator;
namespace agents = chainbot::agents;
using chainbot::http::request;
using orchestrator::step_failure;

namespace {

const std::map<std::string, std::string> secrets{{"api_token", "tok-9f8e7d6c5b4a"},
                                                 {"api_password", "pw-correct-horse"},
                                                 {"api_key", "key-0123456789"}};

// The api tasks over an http_client of their own, with the secrets above.
struct api_agent_rig {
    io_threads client_io;
    chainbot::http::http_client http{client_io.get()};
    orchestrator::task_registry registry;
    std::vector<std::string> log_lines;

    api_agent_rig() { agents::register_api_agent_tasks(registry, {.http = http, .secrets = [] { return secrets; }}); }

    /// Runs task `task` of an api agent `agent_id` configured with `config` (JSON text).
    json::value run(const std::string& config, const std::string& input, const std::string& task = "request",
                    const std::string& agent_id = "agent-1") {
        auto fn = registry.find("api", task);
        REQUIRE(fn);
        orchestrator::task_call call;
        call.execution_id = "exec-1";
        call.step_id = "call";
        call.idempotency_key = "exec-1:call:1";
        call.input = json::parse(input);
        call.cancelled = std::make_shared<std::atomic<bool>>(false);
        auto agent = std::make_shared<orchestrator::agent_handle>();
        agent->id = agent_id;
        agent->type = "api";
        agent->name = agent_id;
        agent->config = json::parse(config).as_object();
        call.agent = agent;
        return (*fn)(call);
    }
};

// The kind and message of the step_failure `fn` throws (fails the test when it returns).
template <typename Fn>
std::pair<std::string, std::string> failure_of(Fn&& fn) {
    try {
        fn();
    } catch (const step_failure& e) {
        return {e.kind(), e.what()};
    }
    FAIL("no step_failure was thrown");
    return {};
}

std::string config_with(const test_server& srv, const std::string& extra) {
    return R"({"base_url": ")" + srv.url("/v1") + R"(")" + (extra.empty() ? "" : ", " + extra) + "}";
}

double seconds_between(clock_type::time_point a, clock_type::time_point b) {
    return std::chrono::duration<double>(b - a).count();
}

// Answers with what it received: method, path, query, headers, body.
chainbot::http::response echo(const request& req, std::size_t) {
    json::object headers;
    for (const auto& [k, v] : req.headers) headers[k] = v;
    json::object query;
    for (const auto& [k, v] : req.query) query[k] = v;
    return reply(200, json::serialize(json::object{
                          {"method", req.method}, {"path", req.path}, {"query", query}, {"headers", headers}, {"body", req.body}}));
}

}  // namespace

TEST_CASE("api agent: bearer auth from a secret reaches the server and is masked in results and errors",
          "[agents][api]") {
    test_server srv([](const request& req, std::size_t n) {
        if (n == 0) return echo(req, n);
        return reply(401, R"({"error": "bad token tok-9f8e7d6c5b4a"})");
    });
    api_agent_rig rig;
    const auto config = config_with(srv, R"("auth": {"type": "bearer", "token": "${api_token}"})");

    auto out = rig.run(config, R"({"path": "/items"})");
    REQUIRE(srv.seen().size() == 1);
    CHECK(srv.seen()[0].req.headers.at("authorization") == "Bearer tok-9f8e7d6c5b4a");
    CHECK(srv.seen()[0].req.path == "/v1/items");
    CHECK(out.at("status_code") == 200);
    CHECK(out.at("attempts") == 1);
    // The server echoed the credential: the result shows it masked.
    CHECK(out.at("body").at("headers").at("authorization") == "Bearer ***");
    CHECK(json::serialize(out).find("tok-9f8e7d6c5b4a") == std::string::npos);

    const auto [kind, message] = failure_of([&] { rig.run(config, R"({"path": "items"})"); });
    CHECK(kind == "http_4xx");
    CHECK_THAT(message, Catch::Contains("HTTP 401") && Catch::Contains("bad token ***"));
    CHECK(message.find("tok-9f8e7d6c5b4a") == std::string::npos);
}

TEST_CASE("api agent: basic and custom-header auth, and auth goes only to base_url's origin", "[agents][api]") {
    test_server srv(echo);
    test_server elsewhere(echo);
    api_agent_rig rig;

    auto basic = rig.run(config_with(srv, R"("auth": {"type": "basic", "username": "ada", "password": "${api_password}"})"),
                         R"({"path": "/items"})");
    // base64("ada:pw-correct-horse")
    CHECK(srv.seen().at(0).req.headers.at("authorization") == "Basic YWRhOnB3LWNvcnJlY3QtaG9yc2U=");
    CHECK(basic.at("body").at("headers").at("authorization") == "Basic ***");

    const auto header_config =
        config_with(srv, R"("auth": {"type": "header", "name": "X-Api-Key", "value": "${api_key}"},
                            "headers": {"Accept": "application/json", "X-Team": "data"})");
    auto custom = rig.run(header_config, R"({"path": "/items"})", "get", "agent-2");
    CHECK(srv.seen().at(1).req.headers.at("x-api-key") == "key-0123456789");
    CHECK(srv.seen().at(1).req.headers.at("x-team") == "data");
    CHECK(custom.at("body").at("headers").at("x-api-key") == "***");

    // Another origin gets neither the auth nor the configured headers.
    rig.run(header_config, R"({"url": ")" + elsewhere.url("/other") + R"("})", "request", "agent-2");
    REQUIRE(elsewhere.seen().size() == 1);
    CHECK(elsewhere.seen()[0].req.headers.count("x-api-key") == 0);
    CHECK(elsewhere.seen()[0].req.headers.count("x-team") == 0);
}

TEST_CASE("api agent: method, query, headers and body reach the server as given", "[agents][api]") {
    test_server srv(echo);
    api_agent_rig rig;
    const auto config = config_with(srv, R"("headers": {"X-Default": "d", "X-Override": "from-config"})");
    auto out = rig.run(config, R"({"method": "PUT", "path": "/items/42",
                                   "query": {"q": "a b&c", "n": 3, "tags": ["x", "y"], "skip": null},
                                   "headers": {"x-override": "from-input"},
                                   "body": {"name": "widget", "count": 2}})");
    REQUIRE(srv.seen().size() == 1);
    const auto seen = srv.seen()[0].req;
    CHECK(seen.method == "PUT");
    CHECK(seen.path == "/v1/items/42");
    CHECK(seen.target == "/v1/items/42?q=a%20b%26c&n=3&tags=x&tags=y");
    CHECK(seen.query.at("q") == "a b&c");
    CHECK(seen.headers.at("x-default") == "d");
    CHECK(seen.headers.at("x-override") == "from-input");
    CHECK(seen.headers.at("content-type") == "application/json");
    CHECK(seen.headers.at("idempotency-key") == "exec-1:call:1");
    CHECK(json::parse(seen.body) == json::parse(R"({"name": "widget", "count": 2})"));
    CHECK(out.at("headers").at("content-type") == "application/json");

    rig.run(config, R"({"path": "/items", "body": "plain text"})", "post");
    CHECK(srv.seen().at(1).req.method == "POST");
    CHECK(srv.seen().at(1).req.body == "plain text");
    CHECK(srv.seen().at(1).req.headers.at("content-type") == "text/plain; charset=utf-8");

    const auto [kind, message] = failure_of([&] { rig.run(config, R"({"method": "DELETE", "path": "/items"})", "get"); });
    CHECK(kind == "validation");
    CHECK_THAT(message, Catch::Contains("input.method"));
    CHECK(failure_of([&] { rig.run(config, R"({"path": "http://evil.example/x"})"); }).first == "validation");
    CHECK(failure_of([&] { rig.run(config, R"({"query": {"a": 1}})"); }).first == "validation");
    CHECK(srv.seen().size() == 2);
}

TEST_CASE("api agent: JSON bodies are parsed, others kept as text, 4xx fails with the start of the body",
          "[agents][api]") {
    const std::string long_text(3000, 'z');
    test_server srv([&](const request& req, std::size_t) {
        if (req.query.count("text")) return reply(200, "hello {not json", {}, "text/plain");
        if (req.query.count("problem")) return reply(200, R"({"detail": "x"})", {}, "application/problem+json");
        if (req.query.count("empty")) return reply(204, "", {}, "");
        if (req.query.count("missing")) return reply(404, "no such item " + long_text, {}, "text/plain");
        return reply(200, R"({"items": [1, 2]})");
    });
    api_agent_rig rig;
    const auto config = config_with(srv, "");
    CHECK(rig.run(config, R"({"path": "/items"})").at("body") == json::parse(R"({"items": [1, 2]})"));
    CHECK(rig.run(config, R"({"path": "/items", "query": {"text": 1}})").at("body") == "hello {not json");
    CHECK(rig.run(config, R"({"path": "/items", "query": {"problem": 1}})").at("body").at("detail") == "x");
    auto empty = rig.run(config, R"({"path": "/items", "query": {"empty": 1}})");
    CHECK(empty.at("status_code") == 204);
    CHECK(empty.at("body").is_null());

    const auto [kind, message] = failure_of([&] { rig.run(config, R"({"path": "/items", "query": {"missing": 1}})"); });
    CHECK(kind == "http_4xx");
    CHECK_THAT(message, Catch::Contains("HTTP 404") && Catch::Contains("no such item zzz"));
    CHECK(message.size() < 1000);  // the body is cut
    CHECK(srv.seen().size() == 5);  // 4xx is not retried
}

TEST_CASE("api agent: the token bucket spaces requests and each agent has its own", "[agents][api]") {
    test_server srv(echo);
    api_agent_rig rig;
    // 5 per second, burst 1: six requests need at least 5 refills, 1 s.
    const auto config = config_with(srv, R"("rate_limit": {"requests_per_second": 5, "burst": 1})");
    const auto started = clock_type::now();
    for (int i = 0; i < 6; ++i) rig.run(config, R"({"path": "/items"})");
    auto seen = srv.seen();
    REQUIRE(seen.size() == 6);
    CHECK(seconds_between(seen.front().at, seen.back().at) >= 0.9);
    CHECK(seconds_between(started, clock_type::now()) < 5.0);

    // Another agent with the same config starts with a full bucket of its own.
    const auto before = clock_type::now();
    rig.run(config, R"({"path": "/items"})", "request", "agent-other");
    CHECK(seconds_between(before, clock_type::now()) < 0.15);

    // A burst of 3 passes at once, then the rate applies; from two threads at once.
    const auto burst_config = config_with(srv, R"("rate_limit": {"requests_per_second": 4, "burst": 3})");
    const auto burst_start = srv.seen().size();
    std::thread other([&] {
        for (int i = 0; i < 3; ++i) rig.run(burst_config, R"({"path": "/items"})", "request", "agent-burst");
    });
    for (int i = 0; i < 3; ++i) rig.run(burst_config, R"({"path": "/items"})", "request", "agent-burst");
    other.join();
    seen = srv.seen();
    REQUIRE(seen.size() == burst_start + 6);
    CHECK(seconds_between(seen[burst_start].at, seen[burst_start + 2].at) < 0.2);
    CHECK(seconds_between(seen[burst_start].at, seen.back().at) >= 0.65);  // 3 more at 4/s: 0.75 s
}

TEST_CASE("api agent: no rate-limit token within the timeout fails with rate_limited", "[agents][api]") {
    test_server srv(echo);
    api_agent_rig rig;
    const auto config =
        config_with(srv, R"("rate_limit": {"requests_per_second": 0.5, "burst": 1}, "timeout_seconds": 1)");
    rig.run(config, R"({"path": "/items"})");
    const auto before = clock_type::now();
    const auto [kind, message] = failure_of([&] { rig.run(config, R"({"path": "/items"})"); });
    CHECK(kind == "rate_limited");
    CHECK_THAT(message, Catch::Contains("rate limit"));
    CHECK(seconds_between(before, clock_type::now()) < 0.5);  // refused at once: the wait would be 2 s
    CHECK(srv.seen().size() == 1);
}

TEST_CASE("api agent: 503 is retried with backoff until it succeeds", "[agents][api]") {
    test_server srv([](const request& req, std::size_t n) { return n < 2 ? reply(503, R"({"busy": true})") : echo(req, n); });
    api_agent_rig rig;
    auto out = rig.run(config_with(srv, R"("max_retries": 3, "backoff_ms": 100)"), R"({"path": "/items"})");
    CHECK(out.at("status_code") == 200);
    CHECK(out.at("attempts") == 3);
    const auto seen = srv.seen();
    REQUIRE(seen.size() == 3);
    // Backoff 100 ms then 200 ms, each with jitter down to half.
    CHECK(seconds_between(seen[0].at, seen[1].at) >= 0.045);
    CHECK(seconds_between(seen[1].at, seen[2].at) >= 0.095);
    // Every attempt carries the same idempotency key.
    for (const auto& s : seen) CHECK(s.req.headers.at("idempotency-key") == "exec-1:call:1");
}

TEST_CASE("api agent: 429 with Retry-After is honoured, in seconds and as an HTTP date", "[agents][api]") {
    SECTION("delta-seconds") {
        test_server srv([](const request& req, std::size_t n) {
            return n == 0 ? reply(429, "{}", {{"Retry-After", "1"}}) : echo(req, n);
        });
        api_agent_rig rig;
        auto out = rig.run(config_with(srv, R"("max_retries": 2, "backoff_ms": 10)"), R"({"path": "/items"})");
        CHECK(out.at("attempts") == 2);
        const auto seen = srv.seen();
        REQUIRE(seen.size() == 2);
        CHECK(seconds_between(seen[0].at, seen[1].at) >= 0.95);
        CHECK(seconds_between(seen[0].at, seen[1].at) < 3.0);
    }
    SECTION("an HTTP date, cut to max_retry_after_seconds") {
        test_server srv([](const request& req, std::size_t n) {
            if (n > 0) return echo(req, n);
            const std::time_t later = std::time(nullptr) + 30;
            std::tm tm{};
            gmtime_r(&later, &tm);
            char date[64];
            std::strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S GMT", &tm);
            return reply(503, "{}", {{"Retry-After", date}});
        });
        api_agent_rig rig;
        auto out = rig.run(config_with(srv, R"("max_retries": 1, "backoff_ms": 10, "max_retry_after_seconds": 1)"),
                           R"({"path": "/items"})");
        CHECK(out.at("attempts") == 2);
        const auto seen = srv.seen();
        REQUIRE(seen.size() == 2);
        CHECK(seconds_between(seen[0].at, seen[1].at) >= 0.95);  // the date was read (not the 10 ms backoff)...
        CHECK(seconds_between(seen[0].at, seen[1].at) < 3.0);    // ...and cut to 1 s (not 30)
    }
}

TEST_CASE("api agent: retries exhausted fail with http_5xx, a server 429 with http_429", "[agents][api]") {
    test_server srv([](const request& req, std::size_t) {
        return req.query.count("limited") ? reply(429, "slow down") : reply(502, R"({"upstream": "down"})");
    });
    api_agent_rig rig;
    const auto config = config_with(srv, R"("max_retries": 2, "backoff_ms": 10)");
    const auto [kind, message] = failure_of([&] { rig.run(config, R"({"path": "/items"})"); });
    CHECK(kind == "http_5xx");
    CHECK_THAT(message, Catch::Contains("HTTP 502") && Catch::Contains("after 3 attempts") && Catch::Contains("upstream"));
    CHECK(srv.seen().size() == 3);

    const auto limited = failure_of([&] { rig.run(config, R"({"path": "/items", "query": {"limited": 1}})"); });
    CHECK(limited.first == "http_429");
    CHECK(srv.seen().size() == 6);

    // max_retries 0: one attempt only.
    CHECK(failure_of([&] { rig.run(config_with(srv, R"("max_retries": 0)"), R"({"path": "/items"})", "request", "a0"); })
              .first == "http_5xx");
    CHECK(srv.seen().size() == 7);
}

TEST_CASE("api agent: a server slower than timeout_seconds fails with timeout", "[agents][api]") {
    test_server srv(echo, std::chrono::milliseconds(1500));
    api_agent_rig rig;
    const auto before = clock_type::now();
    const auto [kind, message] = failure_of(
        [&] { rig.run(config_with(srv, R"("timeout_seconds": 0.3, "max_retries": 0)"), R"({"path": "/items"})"); });
    CHECK(kind == "timeout");
    CHECK(seconds_between(before, clock_type::now()) < 1.2);
}

TEST_CASE("api agent: a response over max_response_bytes is refused and not retried", "[agents][api]") {
    test_server srv([](const request&, std::size_t) { return reply(200, std::string(5000, 'x'), {}, "text/plain"); });
    api_agent_rig rig;
    const auto [kind, message] = failure_of(
        [&] { rig.run(config_with(srv, R"("max_response_bytes": 1000, "max_retries": 2)"), R"({"path": "/items"})"); });
    CHECK(kind == "response_too_large");
    CHECK(srv.seen().size() == 1);
    // The same response within the limit comes back whole.
    auto out = rig.run(config_with(srv, R"("max_response_bytes": 6000)"), R"({"path": "/items"})", "request", "roomy");
    CHECK(out.at("body").as_string().size() == 5000);
}

TEST_CASE("api agent: a changed config replaces the agent's client", "[agents][api]") {
    test_server first(echo);
    test_server second(echo);
    api_agent_rig rig;
    rig.run(config_with(first, ""), R"({"path": "/items"})");
    rig.run(config_with(second, ""), R"({"path": "/items"})");
    CHECK(first.seen().size() == 1);
    CHECK(second.seen().size() == 1);
}

TEST_CASE("api agent: an invalid config fails with kind configuration naming the key", "[agents][api]") {
    const std::vector<std::pair<std::string, std::string>> cases{
        {R"({"base_url": "ftp://example.com"})", "base_url"},
        {R"({"base_url": 7})", "base_url"},
        {R"({"base_url": "http://h", "auth": {"type": "oauth"}})", "auth.type"},
        {R"({"base_url": "http://h", "auth": {"type": "bearer"}})", "auth.token"},
        {R"({"base_url": "http://h", "auth": {"type": "bearer", "token": "x", "tokn": "y"}})", "auth.tokn"},
        {R"({"base_url": "http://h", "auth": {"type": "basic", "username": "u"}})", "auth.password"},
        {R"({"base_url": "http://h", "auth": {"type": "header", "name": "Bad Name", "value": "v"}})", "auth.name"},
        {R"({"base_url": "http://h", "auth": {"type": "bearer", "token": "${nope}"}})", "auth.token"},
        {R"({"base_url": "http://h", "headers": {"X-A": 1}})", "headers.X-A"},
        {R"({"base_url": "http://h", "headers": {"X-A": "a\nb"}})", "headers.X-A"},
        {R"({"base_url": "http://h", "rate_limit": {"requests_per_second": 0}})", "rate_limit.requests_per_second"},
        {R"({"base_url": "http://h", "rate_limit": {"burst": 2}})", "rate_limit.requests_per_second"},
        {R"({"base_url": "http://h", "rate_limit": {"requests_per_second": 2, "burst": 0.5}})", "rate_limit.burst"},
        {R"({"base_url": "http://h", "timeout_seconds": -1})", "timeout_seconds"},
        {R"({"base_url": "http://h", "max_retries": 11})", "max_retries"},
        {R"({"base_url": "http://h", "backoff_ms": 1.5})", "backoff_ms"},
        {R"({"base_url": "http://h", "backoff_ms": 500, "max_backoff_ms": 100})", "max_backoff_ms"},
        {R"({"base_url": "http://h", "max_retry_after_seconds": "soon"})", "max_retry_after_seconds"},
        {R"({"base_url": "http://h", "max_response_bytes": 0})", "max_response_bytes"},
    };
    for (const auto& [config, key] : cases) {
        CAPTURE(config);
        try {
            agents::parse_api_client_config(json::parse(config).as_object(), secrets);
            FAIL("accepted");
        } catch (const step_failure& e) {
            CHECK(e.kind() == "configuration");
            CHECK_THAT(std::string(e.what()), Catch::StartsWith("api agent config: " + key + ":"));
        }
    }
    // An unknown secret is named; a known one's value never appears in any message.
    try {
        agents::parse_api_client_config(
            json::parse(R"({"auth": {"type": "bearer", "token": "${api_tokn}"}, "base_url": "http://h"})").as_object(), secrets);
        FAIL("accepted");
    } catch (const step_failure& e) {
        CHECK_THAT(std::string(e.what()), Catch::Contains("'api_tokn'") && Catch::Contains("not configured"));
    }
    // Through the task: the agent's bad config is the step's configuration error.
    api_agent_rig rig;
    const auto [kind, message] = failure_of([&] { rig.run(R"({"base_url": "http://h", "max_retries": -1})", R"({"path": "/"})"); });
    CHECK(kind == "configuration");
    CHECK_THAT(message, Catch::Contains("max_retries"));
    // A path needs base_url.
    CHECK(failure_of([&] { rig.run("{}", R"({"path": "/"})", "request", "no-base"); }).first == "configuration");
}

TEST_CASE("api agent: the config's defaults and secret values", "[agents][api]") {
    const auto c = agents::parse_api_client_config(
        json::parse(R"({"base_url": "https://api.example.com/v2/", "auth": {"type": "bearer", "token": "t-${api_token}"},
                        "rate_limit": {"requests_per_second": 2.5}})").as_object(),
        secrets);
    CHECK(c.base_url == "https://api.example.com/v2");
    CHECK(c.auth_header == "Authorization");
    CHECK(c.auth_value == "Bearer t-tok-9f8e7d6c5b4a");
    CHECK(c.burst == 2.0);
    CHECK(c.timeout == std::chrono::seconds(30));
    CHECK(c.max_retries == 2);
    CHECK(std::find(c.secret_values.begin(), c.secret_values.end(), "tok-9f8e7d6c5b4a") != c.secret_values.end());
    CHECK(std::find(c.secret_values.begin(), c.secret_values.end(), "t-tok-9f8e7d6c5b4a") != c.secret_values.end());
}

TEST_CASE("api agent: Retry-After parsing", "[agents][api]") {
    const auto now = std::chrono::system_clock::from_time_t(784111777);  // Sun, 06 Nov 1994 08:49:37 GMT
    CHECK(agents::parse_retry_after("120", now) == std::chrono::seconds(120));
    CHECK(agents::parse_retry_after(" 0 ", now) == std::chrono::seconds(0));
    CHECK(agents::parse_retry_after("Sun, 06 Nov 1994 08:49:47 GMT", now) == std::chrono::seconds(10));
    CHECK(agents::parse_retry_after("Sun, 06 Nov 1994 08:49:00 GMT", now) == std::chrono::seconds(0));  // past
    CHECK_FALSE(agents::parse_retry_after("soon", now));
    CHECK_FALSE(agents::parse_retry_after("-5", now));
    CHECK_FALSE(agents::parse_retry_after("Sunday, 06-Nov-94 08:49:37 GMT", now));
    CHECK_FALSE(agents::parse_retry_after("", now));
}

TEST_CASE("api agent: token bucket reservations", "[agents][api]") {
    agents::token_bucket unlimited(0, 1);
    for (int i = 0; i < 100; ++i) CHECK(unlimited.reserve(std::chrono::seconds(0)) == std::chrono::seconds(0));

    agents::token_bucket bucket(10, 2);  // a token every 100 ms
    CHECK(bucket.reserve(std::chrono::seconds(0)) == std::chrono::seconds(0));
    CHECK(bucket.reserve(std::chrono::seconds(0)) == std::chrono::seconds(0));
    CHECK_FALSE(bucket.reserve(std::chrono::milliseconds(50)));  // the next is ~100 ms away: nothing taken
    const auto first = bucket.reserve(std::chrono::seconds(1));
    REQUIRE(first);
    CHECK(*first > std::chrono::milliseconds(50));
    CHECK(*first <= std::chrono::milliseconds(100));
    const auto second = bucket.reserve(std::chrono::seconds(1));  // queued behind the first
    REQUIRE(second);
    CHECK(*second > std::chrono::milliseconds(150));
    bucket.refund();
    bucket.refund();
    const auto again = bucket.reserve(std::chrono::seconds(1));
    REQUIRE(again);
    CHECK(*again <= std::chrono::milliseconds(100));
}
