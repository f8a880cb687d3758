#include "fixture.hpp"

#include "security/authenticator.hpp"

#include <catch2/catch.hpp>

#include <stdexcept>

using namespace chainbot;
using namespace chainbot::security;
using namespace std::chrono_literals;

namespace {
authenticator_options with_clock(const test::manual_clock& c, int limit = 10) {
    authenticator_options o;
    o.clock = c.fn();
    o.limiter.max_failures = limit;
    return o;
}
}  // namespace

TEST_CASE("authenticator: a valid token yields its user's principal", "[security]") {
    test::security_fixture fx;
    const auto [user, secret] = fx.user_with_token("ada", {"operator"});
    authenticator auth(fx.getter());

    const auto r = auth.authenticate(test::request_with("Bearer " + secret));
    REQUIRE(r.status == auth_status::ok);
    CHECK(r.who->user_id == user);
    CHECK(r.who->user_name == "ada");
    CHECK(r.who->token_id == fx.db->tokens().find_by_secret(secret)->id);
    CHECK(r.who->roles == std::vector<std::string>{"operator"});
    CHECK(r.who->has(permission::workflow_execute));
    CHECK_FALSE(r.who->has(permission::workflow_create));
    CHECK(fx.db->tokens().find_by_secret(secret)->last_used_at);
}

TEST_CASE("authenticator: unknown, revoked and expired tokens and disabled users are refused", "[security]") {
    test::security_fixture fx;
    authenticator auth(fx.getter());
    const auto [user, secret] = fx.user_with_token("ada", {"viewer"});

    CHECK(auth.authenticate(test::request_with("")).status == auth_status::missing);
    CHECK(auth.authenticate(test::request_with("Basic abc")).status == auth_status::malformed);
    CHECK(auth.authenticate(test::request_with("Bearer cbt_" + std::string(64, '0'))).status == auth_status::invalid);
    // One character off: still refused (the hashes differ).
    auto off = secret;
    off.back() = off.back() == '0' ? '1' : '0';
    CHECK(auth.authenticate(test::request_with("Bearer " + off)).status == auth_status::invalid);

    const auto expired = fx.db->tokens().issue(user, "old", store::now() - 1s);
    const auto r = auth.authenticate(test::request_with("Bearer " + expired.secret));
    CHECK(r.status == auth_status::invalid);
    CHECK(r.reason == "token expired");

    const auto revoked = fx.db->tokens().issue(user, "gone");
    fx.db->tokens().revoke(revoked.token.id);
    CHECK(auth.authenticate(test::request_with("Bearer " + revoked.secret)).reason == "token revoked");

    fx.db->users().set_disabled(user, true);
    CHECK(auth.authenticate(test::request_with("Bearer " + secret)).reason == "user disabled");
}

TEST_CASE("authenticator: lookups are cached briefly and invalidated on revoke", "[security]") {
    test::security_fixture fx;
    test::manual_clock clock;
    authenticator auth(fx.getter(), with_clock(clock));
    const auto [user, secret] = fx.user_with_token("ada", {"viewer"});
    const auto req = test::request_with("Bearer " + secret);
    const auto token_id = fx.db->tokens().find_by_secret(secret)->id;

    CHECK_FALSE(auth.try_cached(req));  // the store must be asked
    REQUIRE(auth.authenticate(req));
    REQUIRE(auth.try_cached(req));  // now answered without the store
    CHECK(auth.try_cached(req)->who->user_id == user);

    // A revocation behind the authenticator's back is seen once the entry is stale...
    fx.db->tokens().revoke(token_id);
    CHECK(auth.authenticate(req));
    clock.advance(6s);
    CHECK(auth.authenticate(req).status == auth_status::invalid);

    // ...and at once when it goes through invalidate_token (as the admin API does).
    const auto fresh = fx.db->tokens().issue(user, "again");
    const auto req2 = test::request_with("Bearer " + fresh.secret);
    REQUIRE(auth.authenticate(req2));
    fx.db->tokens().revoke(fresh.token.id);
    auth.invalidate_token(fresh.token.id);
    CHECK(auth.authenticate(req2).status == auth_status::invalid);
}

TEST_CASE("authenticator: the cache holds at most its capacity", "[security]") {
    test::security_fixture fx;
    authenticator_options o;
    o.cache_capacity = 3;
    authenticator auth(fx.getter(), o);
    const auto user = fx.db->users().create({.name = "many"}).id;
    fx.db->users().assign_role(user, "viewer");
    for (int i = 0; i < 10; ++i)
        CHECK(auth.authenticate(test::request_with("Bearer " + fx.db->tokens().issue(user, "t").secret)));
    CHECK(auth.cached() == 3);
}

TEST_CASE("authenticator: failed attempts are limited per address and recover after the window", "[security]") {
    test::security_fixture fx;
    test::manual_clock clock;
    authenticator auth(fx.getter(), with_clock(clock, 10));
    const auto [user, secret] = fx.user_with_token("ada", {"viewer"});
    const std::string bad = "Bearer cbt_" + std::string(64, 'f');

    // Requests without any token are not guesses and are not counted.
    for (int i = 0; i < 20; ++i) CHECK(auth.authenticate(test::request_with("", "10.0.0.9")).status == auth_status::missing);
    for (int i = 0; i < 10; ++i) CHECK(auth.authenticate(test::request_with(bad, "10.0.0.9")).status == auth_status::invalid);

    auto r = auth.authenticate(test::request_with(bad, "10.0.0.9"));
    REQUIRE(r.status == auth_status::rate_limited);
    CHECK(r.first_refusal);
    CHECK(r.retry_after == 60s);
    // While refused, even the right token is refused: a guess must not be confirmed.
    clock.advance(20s);
    r = auth.authenticate(test::request_with("Bearer " + secret, "10.0.0.9"));
    CHECK(r.status == auth_status::rate_limited);
    CHECK_FALSE(r.first_refusal);
    CHECK(r.retry_after == 40s);
    // Another address is not affected.
    CHECK(auth.authenticate(test::request_with("Bearer " + secret, "10.0.0.10")));

    clock.advance(41s);
    CHECK(auth.authenticate(test::request_with("Bearer " + secret, "10.0.0.9")));
    CHECK(auth.authenticate(test::request_with(bad, "10.0.0.9")).status == auth_status::invalid);
}

TEST_CASE("authenticator: the failure limiter tracks a bounded number of addresses", "[security]") {
    test::manual_clock clock;
    failure_limiter limiter({.max_failures = 2, .window = 60s, .max_addresses = 100}, clock.fn());
    for (int i = 0; i < 1000; ++i) {
        limiter.record_failure("10.1." + std::to_string(i / 250) + "." + std::to_string(i % 250));
        clock.advance(1ms);
    }
    CHECK(limiter.tracked() == 100);
    // The newest addresses are the ones kept.
    limiter.record_failure("10.1.3.249");
    CHECK(limiter.check("10.1.3.249"));
    CHECK_FALSE(limiter.check("10.1.0.0"));
}

TEST_CASE("authenticator: a store that is not open answers unavailable, not invalid", "[security]") {
    authenticator auth([]() -> std::shared_ptr<store::database> { throw std::logic_error("store not started"); });
    const auto r = auth.authenticate(test::request_with("Bearer cbt_abc"));
    CHECK(r.status == auth_status::unavailable);
    // An outage is not the client's fault: it does not count towards the limit.
    CHECK(auth.limiter().tracked() == 0);
}
