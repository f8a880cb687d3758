#include "store/crypto.hpp"
#include "store/database_url.hpp"
#include "store/errors.hpp"

#include <catch2/catch.hpp>

#include <chrono>
#include <regex>
#include <set>

using namespace chainbot::store;

TEST_CASE("database url: sqlite paths", "[store][url]") {
    const auto t = parse_database_url("sqlite:///var/lib/chainbot/chainbot.db");
    CHECK(t.backend == backend_kind::sqlite);
    CHECK(t.sqlite_path == "/var/lib/chainbot/chainbot.db");
    CHECK(t.connect_string == R"(db="/var/lib/chainbot/chainbot.db")");
    CHECK(parse_database_url("sqlite://data/x%20y.db").sqlite_path == "data/x y.db");
    CHECK_THROWS_AS(parse_database_url("sqlite://"), store_error);
    CHECK_THROWS_AS(parse_database_url("sqlite://:memory:"), store_error);
}

TEST_CASE("database url: postgresql becomes libpq key-value pairs", "[store][url]") {
    const auto t = parse_database_url("postgresql://bob:p%40ss'w\\rd@db.local:6543/chain_bot?sslmode=require",
                                      std::chrono::seconds(3));
    CHECK(t.backend == backend_kind::postgresql);
    CHECK(t.connect_string ==
          R"(user='bob' password='p@ss\'w\\rd' host='db.local' port='6543' dbname='chain_bot' sslmode='require' )"
          R"(connect_timeout='3' application_name='chainbot')");
    CHECK(t.masked_url == "postgresql://bob:***@db.local:6543/chain_bot?sslmode=require");
    const auto v6 = parse_database_url("postgres://[::1]:5432/x");
    CHECK(v6.connect_string.starts_with("host='::1' port='5432' dbname='x'"));
    CHECK(parse_database_url("postgresql://u@h/d?connect_timeout=9").connect_string.find("connect_timeout='5'") ==
          std::string::npos);
    CHECK_THROWS_AS(parse_database_url("postgresql://host-only"), store_error);
    CHECK_THROWS_AS(parse_database_url("mysql://x/y"), store_error);
    CHECK_THROWS_AS(parse_database_url(""), store_error);
    CHECK_THROWS_AS(parse_database_url("postgresql://u:%zz@h/d"), store_error);
}

TEST_CASE("ids: version 7 UUIDs, in the order they were made, unique and random in their tail", "[store][ids]") {
    const std::regex uuid_v7("^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$");
    const auto ms_of = [](const std::string& id) { return std::stoull(id.substr(0, 8) + id.substr(9, 4), nullptr, 16); };
    const auto before = static_cast<unsigned long long>(
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count());
    std::set<std::string> seen, tails;
    std::string previous;
    for (int i = 0; i < 1000; ++i) {
        const auto id = new_uuid();
        CHECK(std::regex_match(id, uuid_v7));
        // The first 48 bits are the Unix time in milliseconds: ids sort by the time they were made.
        CHECK(ms_of(id) >= before);
        if (!previous.empty()) CHECK(ms_of(id) >= ms_of(previous));
        previous = id;
        seen.insert(id);
        tails.insert(id.substr(28));  // what names and short ids show: random
    }
    const auto after = static_cast<unsigned long long>(
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count());
    CHECK(ms_of(previous) <= after);
    CHECK(seen.size() == 1000);
    CHECK(tails.size() >= 999);  // 32 random bits: a collision among 1000 is about 1 in 10,000
}

TEST_CASE("token hashes: SHA-256 hex", "[store][ids]") {
    CHECK(sha256_hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    CHECK(sha256_hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    const auto secret = new_token_secret();
    CHECK(secret.size() == 68);
    CHECK(secret != new_token_secret());
    CHECK(hash_token(secret) == sha256_hex(secret));
}
