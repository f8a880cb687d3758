#include "security/authenticator.hpp"

#include <catch2/catch.hpp>

using chainbot::security::constant_time_equal;
using chainbot::security::parse_bearer;

TEST_CASE("bearer: a well-formed header yields its token", "[security]") {
    CHECK(parse_bearer("Bearer cbt_abc123") == std::optional<std::string_view>("cbt_abc123"));
    CHECK(parse_bearer("bearer cbt_abc") == std::optional<std::string_view>("cbt_abc"));
    CHECK(parse_bearer("BEARER cbt_abc") == std::optional<std::string_view>("cbt_abc"));
    CHECK(parse_bearer("Bearer    cbt_abc") == std::optional<std::string_view>("cbt_abc"));  // extra spaces between
    CHECK(parse_bearer("  Bearer cbt_abc  ") == std::optional<std::string_view>("cbt_abc"));  // surrounding whitespace
    CHECK(parse_bearer("Bearer\tabc") == std::optional<std::string_view>("abc"));
    CHECK(parse_bearer("Bearer a-b.c_d~e+f/g==") == std::optional<std::string_view>("a-b.c_d~e+f/g=="));
}

TEST_CASE("bearer: missing, empty, other schemes and inner spaces are refused", "[security]") {
    CHECK_FALSE(parse_bearer(""));
    CHECK_FALSE(parse_bearer("   "));
    CHECK_FALSE(parse_bearer("Bearer"));
    CHECK_FALSE(parse_bearer("Bearer "));
    CHECK_FALSE(parse_bearer("Bearer    "));
    CHECK_FALSE(parse_bearer("Basic dXNlcjpwYXNz"));
    CHECK_FALSE(parse_bearer("Token abc"));
    CHECK_FALSE(parse_bearer("Bearerabc"));
    CHECK_FALSE(parse_bearer("cbt_abc"));
    CHECK_FALSE(parse_bearer("Bearer abc def"));
    CHECK_FALSE(parse_bearer("Bearer abc,def"));
    CHECK_FALSE(parse_bearer("Bearer =abc"));
    CHECK_FALSE(parse_bearer("Bearer ab=c"));
    CHECK_FALSE(parse_bearer("Bearer " + std::string(2000, 'a')));
}

TEST_CASE("bearer: secrets compare equal only when identical", "[security]") {
    CHECK(constant_time_equal("cbt_0123", "cbt_0123"));
    CHECK_FALSE(constant_time_equal("cbt_0123", "cbt_0124"));
    CHECK_FALSE(constant_time_equal("xbt_0123", "cbt_0123"));
    CHECK_FALSE(constant_time_equal("cbt_012", "cbt_0123"));
    CHECK(constant_time_equal("", ""));
}
