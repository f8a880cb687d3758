#include "fixture.hpp"

#include "security/access_guard.hpp"

#include <boost/json/parse.hpp>
#include <catch2/catch.hpp>

using namespace chainbot;
using namespace chainbot::security;
using namespace std::chrono_literals;
namespace json = boost::json;

namespace {

struct guard_fixture : test::security_fixture {
    test::manual_clock clock;
    std::shared_ptr<authenticator> auth;
    std::shared_ptr<audit::audit_trail> trail = std::make_shared<audit::audit_trail>(getter());
    std::shared_ptr<access_guard> guard;

    guard_fixture() {
        authenticator_options o;
        o.clock = clock.fn();
        auth = std::make_shared<authenticator>(getter(), o);
        guard = std::make_shared<access_guard>(auth, trail);
    }
    std::vector<store::audit_entry> denials() { return db->audit().list({.action = "auth.denied"}); }
};

std::string header_of(const http::response& r, const std::string& name) {
    for (const auto& [k, v] : r.headers)
        if (k == name) return v;
    return {};
}

std::string error_code(const http::response& r) { return std::string(json::parse(r.body).at("error").at("code").as_string()); }

}  // namespace

TEST_CASE("guard: public routes pass without a token and record nothing", "[security]") {
    guard_fixture fx;
    auto req = test::request_with("");
    CHECK_FALSE(fx.guard->authorize(req, "public"));
    auto bad = test::request_with("Bearer nonsense");
    CHECK_FALSE(fx.guard->authorize(bad, "public"));
    CHECK(fx.denials().empty());
}

TEST_CASE("guard: no or a bad token is answered 401 with a Bearer challenge and audited", "[security][audit]") {
    guard_fixture fx;
    auto none = test::request_with("", "192.0.2.7");
    auto res = fx.guard->authorize(none, permission::read);
    REQUIRE(res);
    CHECK(res->status == 401);
    CHECK(error_code(*res) == "unauthorized");
    CHECK(header_of(*res, "WWW-Authenticate") == R"(Bearer realm="chainbot")");

    auto bad = test::request_with("Bearer cbt_" + std::string(64, '1'), "192.0.2.7");
    res = fx.guard->authorize(bad, permission::read);
    REQUIRE(res);
    CHECK(res->status == 401);
    CHECK(header_of(*res, "WWW-Authenticate") == R"(Bearer realm="chainbot", error="invalid_token")");

    auto basic = test::request_with("Basic dXNlcjpwYXNz", "192.0.2.7");
    res = fx.guard->authorize(basic, permission::read);
    CHECK(header_of(*res, "WWW-Authenticate") == R"(Bearer realm="chainbot", error="invalid_request")");

    const auto d = fx.denials();
    REQUIRE(d.size() == 3);
    for (const auto& e : d) {
        CHECK_FALSE(e.success);
        CHECK(e.client == "192.0.2.7");
        CHECK(e.resource == "/api/chainbot/workflows");
        CHECK_FALSE(e.user_id);
    }
    const auto meta = json::parse(*d.front().metadata).as_object();
    CHECK(meta.at("status") == 401);
    CHECK(meta.at("permission") == "chainbot:read");
    // The presented credentials never reach the trail.
    for (const auto& e : d) CHECK(e.metadata->find("dXNlcjpwYXNz") == std::string::npos);
}

TEST_CASE("guard: a token lacking the permission is answered 403 naming it, and audited with the user", "[security][audit]") {
    guard_fixture fx;
    const auto [user, secret] = fx.user_with_token("viewer1", {"viewer"});
    auto req = test::request_with("Bearer " + secret);
    CHECK_FALSE(fx.guard->authorize(req, permission::read));

    auto denied = test::request_with("Bearer " + secret);
    const auto res = fx.guard->authorize(denied, permission::workflow_execute);
    REQUIRE(res);
    CHECK(res->status == 403);
    const auto body = json::parse(res->body);
    CHECK(body.at("error").at("code") == "forbidden");
    CHECK(body.at("error").at("details").at("permission") == "chainbot:workflow:execute");
    CHECK(std::string(body.at("error").at("message").as_string()).find("chainbot:workflow:execute") != std::string::npos);

    const auto d = fx.denials();
    REQUIRE(d.size() == 1);
    CHECK(d[0].user_id == user);
    CHECK(d[0].token_id == fx.db->tokens().find_by_secret(secret)->id);
    CHECK(json::parse(*d[0].metadata).at("status") == 403);
}

TEST_CASE("guard: an admin passes every permission and the handler learns who it is", "[security]") {
    guard_fixture fx;
    const auto [user, secret] = fx.user_with_token("boss", {"admin"});
    for (auto p : permission::all) {
        auto req = test::request_with("Bearer " + secret);
        CHECK_FALSE(fx.guard->authorize(req, p));
        const auto who = identity_of(req);
        REQUIRE(who);
        CHECK(who->user_id == user);
        CHECK(who->user_name == "boss");
    }
}

TEST_CASE("guard: identity headers sent by a client are removed, on public routes too", "[security]") {
    guard_fixture fx;
    auto req = test::request_with("");
    req.headers[std::string(user_id_header)] = "forged";
    req.headers[std::string(token_id_header)] = "forged";
    CHECK_FALSE(fx.guard->authorize(req, "public"));
    CHECK_FALSE(identity_of(req));

    const auto [user, secret] = fx.user_with_token("op", {"operator"});
    auto real = test::request_with("Bearer " + secret);
    real.headers[std::string(user_id_header)] = "forged";
    CHECK_FALSE(fx.guard->authorize(real, permission::read));
    CHECK(identity_of(real)->user_id == user);
}

TEST_CASE("guard: repeated failures from an address are answered 429 with Retry-After, audited once", "[security][audit]") {
    guard_fixture fx;
    const auto bad = "Bearer cbt_" + std::string(64, '2');
    for (int i = 0; i < 10; ++i) {
        auto req = test::request_with(bad, "198.51.100.1");
        CHECK(fx.guard->authorize(req, permission::read)->status == 401);
    }
    for (int i = 0; i < 5; ++i) {
        auto req = test::request_with(bad, "198.51.100.1");
        const auto res = fx.guard->authorize(req, permission::read);
        REQUIRE(res);
        CHECK(res->status == 429);
        CHECK(error_code(*res) == "rate_limited");
        CHECK(header_of(*res, "Retry-After") == "60");
    }
    const auto d = fx.denials();
    CHECK(d.size() == 11);  // ten 401s and the first 429 of the window
    CHECK(json::parse(*d.front().metadata).at("status") == 429);

    fx.clock.advance(61s);
    auto later = test::request_with(bad, "198.51.100.1");
    CHECK(fx.guard->authorize(later, permission::read)->status == 401);
}

TEST_CASE("guard: authorize_async answers cached tokens inline and looks up others on the blocking pool", "[security]") {
    guard_fixture fx;
    const auto [user, secret] = fx.user_with_token("op", {"operator"});
    std::vector<std::function<void()>> pool;
    auto poster = [&pool](std::function<void()> job) {
        pool.push_back(std::move(job));
        return true;
    };
    std::optional<std::optional<http::response>> answer;
    auto done = [&answer](std::optional<http::response> r) { answer = std::move(r); };

    auto req = test::request_with("Bearer " + secret);
    fx.guard->authorize_async(req, permission::agent_spawn, poster, done);
    CHECK_FALSE(answer);  // a cache miss waits for the pool
    REQUIRE(pool.size() == 1);
    pool.front()();
    REQUIRE(answer);
    CHECK_FALSE(*answer);
    CHECK(identity_of(req)->user_id == user);

    answer.reset();
    auto again = test::request_with("Bearer " + secret);
    fx.guard->authorize_async(again, permission::workflow_delete, poster, done);
    REQUIRE(answer);  // cached: decided inline
    CHECK((*answer)->status == 403);
    CHECK(pool.size() == 1);

    answer.reset();
    auto other = test::request_with("Bearer cbt_" + std::string(64, '3'));
    fx.guard->authorize_async(other, permission::read, [](std::function<void()>) { return false; }, done);
    REQUIRE(answer);
    CHECK((*answer)->status == 503);
}
