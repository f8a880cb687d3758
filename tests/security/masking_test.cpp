#include "audit/secret_masker.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <catch2/catch.hpp>

using chainbot::audit::masker_options;
using chainbot::audit::secret_masker;
namespace json = boost::json;

TEST_CASE("masking: values of secret-looking keys are masked at any depth", "[audit]") {
    secret_masker m;
    const auto in = json::parse(R"({
        "user": "ada",
        "password": "hunter2",
        "config": {"api_key": "k-123", "nested": [{"Authorization": "Bearer abc"}, {"X-Api-Key": 42}],
                   "client_secret": {"whole": "object"}, "refresh_token": ["a", "b"]},
        "db_password": null,
        "count": 3
    })");
    const auto out = m.mask(in);
    CHECK(out.at("user") == "ada");
    CHECK(out.at("password") == "***");
    CHECK(out.at("config").at("api_key") == "***");
    CHECK(out.at("config").at("nested").at(0).at("Authorization") == "***");
    CHECK(out.at("config").at("nested").at(1).at("X-Api-Key") == "***");
    CHECK(out.at("config").at("client_secret") == "***");
    CHECK(out.at("config").at("refresh_token") == "***");
    CHECK(out.at("db_password") == "***");
    CHECK(out.at("count") == 3);
    const auto text = json::serialize(out);
    for (auto secret : {"hunter2", "k-123", "abc", "object"}) CHECK(text.find(secret) == std::string::npos);
}

TEST_CASE("masking: configured names are masked as well", "[audit]") {
    secret_masker m(masker_options{.names = {"pin_code", "Signing-Salt"}});
    const auto out = m.mask(json::parse(R"({"pin_code": "1234", "signing_salt": "s", "pin": "ok"})"));
    CHECK(out.at("pin_code") == "***");
    CHECK(out.at("signing_salt") == "***");
    CHECK(out.at("pin") == "ok");
}

TEST_CASE("masking: secrets embedded in free text are masked", "[audit]") {
    secret_masker m(masker_options{.values = {"s3cr3t-value"}});
    CHECK(m.mask_text("sent Bearer abc.def-123 to the server") == "sent Bearer *** to the server");
    CHECK(m.mask_text("header 'Authorization: Basic dXNlcjpwYXNz' refused") == "header 'Authorization: ***' refused");
    CHECK(m.mask_text("Authorization: Bearer abc") == "Authorization: ***");
    CHECK(m.mask_text("login with password=hunter2&user=ada") == "login with password=***&user=ada");
    CHECK(m.mask_text(R"(body {"token": "abc def", "n": 1})") == R"(body {"token": "***", "n": 1})");
    CHECK(m.mask_text("api_key: k1, next") == "api_key: ***, next");
    CHECK(m.mask_text("postgresql://bot:pw123@db:5432/chainbot") == "postgresql://bot:***@db:5432/chainbot");
    CHECK(m.mask_text("use cbt_0123456789abcdef0123456789abcdef please") == "use *** please");
    CHECK(m.mask_text("value s3cr3t-value leaked") == "value *** leaked");
    // Ordinary text stays as it is.
    CHECK(m.mask_text("the token expired at 12:00") == "the token expired at 12:00");
    CHECK(m.mask_text("/api/chainbot/admin/tokens/t1") == "/api/chainbot/admin/tokens/t1");
    CHECK(m.mask_text("a basic workflow") == "a basic workflow");
}

TEST_CASE("masking: free text inside JSON values is masked and very long text is cut", "[audit]") {
    secret_masker m(masker_options{.max_text_length = 64});
    const auto out = m.mask(json::parse(R"({"error": "HTTP 401 for Bearer xyz", "list": ["password=p"]})"));
    CHECK(out.at("error") == "HTTP 401 for Bearer ***");
    CHECK(out.at("list").at(0) == "password=***");
    const auto cut = m.mask_text(std::string(1000, 'a'));
    CHECK(cut.size() < 100);
    CHECK(cut.ends_with("[truncated]"));
}
