// Secrets: masked in to_json and never echoed by error messages.

#include "config/loader.hpp"
#include "config/schema.hpp"
#include "config_test_support.hpp"

#include <boost/json.hpp>

using namespace chainbot::config;
using Catch::Contains;
namespace json = boost::json;

TEST_CASE("mask_url replaces only the password", "[config][secrets]") {
    CHECK(mask_url("postgresql://user:pass@host:5432/db") == "postgresql://user:***@host:5432/db");
    CHECK(mask_url("postgres://u:p@ss/w@rd@host/db") == "postgres://u:***@host/db");
    CHECK(mask_url("postgresql://user@host/db") == "postgresql://user@host/db");
    CHECK(mask_url("postgresql://host:5432/db") == "postgresql://host:5432/db");
    CHECK(mask_url("sqlite:///var/lib/chainbot/chainbot.db") == "sqlite:///var/lib/chainbot/chainbot.db");
    CHECK(mask_url("user:pass@host/db") == "user:***@host/db");
    CHECK(mask_url("") == "");
}

TEST_CASE("to_json masks the database password unless asked not to", "[config][secrets]") {
    settings s = load({.inline_layer = {{"database", {{"url", "postgresql://bot:hunter2@db:5432/chainbot"}}}}});
    json::object masked = to_json(s);
    CHECK(masked.at("database").at("url") == json::value("postgresql://bot:***@db:5432/chainbot"));
    CHECK(json::serialize(masked).find("hunter2") == std::string::npos);

    json::object plain = to_json(s, false);
    CHECK(plain.at("database").at("url") == json::value("postgresql://bot:hunter2@db:5432/chainbot"));
    CHECK(plain.at("workflow").at("retry_attempts") == json::value(3));
    CHECK(plain.at("raspberry_pi").at("gpio_pins").at("status_led") == json::value(18));
    CHECK(plain.at("logging").at("level") == json::value("INFO"));
}

TEST_CASE("keys named like secrets are secret, whatever their section", "[config][secrets]") {
    for (const char* key : {"assistant.api_key", "secrets.github_token", "database.password", "oauth.client_secret",
                            "webhooks.signing_key", "a.b.DB_PASSWORD"}) {
        INFO(key);
        CHECK(is_secret_key_name(key));
    }
    for (const char* key : {"workflow.retry_attempts", "api.host", "database.url", "logging.file"}) {
        INFO(key);
        CHECK_FALSE(is_secret_key_name(key));
    }
    for (const auto& spec : schema()) {
        INFO(spec.key);
        const auto expected = spec.key == "database.url"              ? secrecy::url_password
                              : spec.key == "agents.assistant.api_key" ? secrecy::whole_value
                                                                       : secrecy::none;
        CHECK(secrecy_of(spec) == expected);
    }
}

TEST_CASE("a secret key's value never appears in its error message", "[config][secrets]") {
    // A key as later issues add it; the general name rule makes it secret.
    key_spec api_key{.key = "assistant.api_key", .type = value_type::string, .default_json = R"("")",
                     .allowed = {"sk-allowed"}, .field = +[](settings& s) -> auto& { return s.logging.file; }};
    REQUIRE(secrecy_of(api_key) == secrecy::whole_value);
    checked_value checked = check_value(api_key, json::value("sk-live-123456"));
    REQUIRE_FALSE(checked.value);
    CHECK_THAT(checked.problem, Catch::StartsWith("expected one of"));
    CHECK_THAT(checked.problem, !Contains("sk-live-123456"));
    CHECK(shown_value(api_key, json::value("sk-live-123456")).find("sk-live") == std::string::npos);
}

TEST_CASE("a database URL of the wrong type is described, not printed", "[config][secrets]") {
    auto layer = json::parse(R"({"database": {"url": ["postgresql://bot:hunter2@db/chainbot"]}})").as_object();
    std::string message = test::load_error({.inline_layer = layer});
    CHECK_THAT(message, Catch::StartsWith("initialize config: database.url: expected "));
    CHECK_THAT(message, Catch::EndsWith("got a list"));
    CHECK_THAT(message, !Contains("hunter2"));
}
