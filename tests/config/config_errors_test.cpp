// Bad configuration: every problem names its source, the key and what was expected,
// and all problems of all layers are reported together.

#include "config/loader.hpp"
#include "config_test_support.hpp"

#include <boost/json.hpp>

using namespace chainbot::config;
using chainbot::config::test::load_error;
using chainbot::config::test::temp_dir;
using Catch::Contains;
namespace json = boost::json;

namespace {

/// The error of loading one file with `text`.
std::string file_error(const temp_dir& dir, const std::string& name, const std::string& text) {
    return load_error({.files = {dir.write(name, text)}});
}

}  // namespace

TEST_CASE("unparsable files are reported with the path, line and column", "[config][errors]") {
    temp_dir dir;
    auto path = [&](const char* name) { return (dir.path() / name).string(); };

    std::string json_error = file_error(dir, "bad.json", "{\n  \"workflow\": {\"retry_attempts\": 3,}\n}\n");
    CHECK_THAT(json_error, Catch::StartsWith(path("bad.json") + ": line 2, column"));
    CHECK_THAT(json_error, Contains("invalid JSON"));

    std::string yaml_error = file_error(dir, "bad.yaml", "workflow:\n  retry_attempts: [1, 2\napi: {}\n");
    CHECK_THAT(yaml_error, Catch::StartsWith(path("bad.yaml") + ": line "));
    CHECK_THAT(yaml_error, Contains("invalid YAML"));

    std::string toml_error = file_error(dir, "bad.toml", "[workflow]\nretry_attempts = \n");
    CHECK_THAT(toml_error, Catch::StartsWith(path("bad.toml") + ": line 2, column"));
    CHECK_THAT(toml_error, Contains("invalid TOML"));

    std::string not_sections = file_error(dir, "list.yaml", "- 1\n- 2\n");
    CHECK_THAT(not_sections, Catch::StartsWith(path("list.yaml") + ": expected a mapping of sections"));
}

TEST_CASE("unknown sections and keys are named with their dotted path", "[config][errors]") {
    temp_dir dir;
    auto file = dir.write("config.yaml", "workflows:\n  retry_attempts: 1\nworkflow:\n  retry_atempts: 1\n"
                                         "raspberry_pi:\n  gpio_pins:\n    blue_led: 4\n");
    std::string message = load_error({.files = {file}});
    CHECK_THAT(message, Contains(file.string() + ": workflows: unknown section (expected one of database, workflow"));
    CHECK_THAT(message, Contains(file.string() + ": workflow.retry_atempts: unknown key (workflow has "
                                                 "max_concurrent_executions, max_queued_executions, default_timeout_hours, "
                                                 "retry_attempts, credentials_file)"));
    CHECK_THAT(message, Contains(file.string() + ": raspberry_pi.gpio_pins.blue_led: unknown key"));
    CHECK(test::line_count(message) == 3);
}

TEST_CASE("wrong types and out-of-range values say what was expected", "[config][errors]") {
    temp_dir dir;
    auto file = dir.write("config.yaml", "workflow:\n  max_concurrent_executions: -3\n");
    CHECK(load_error({.files = {file}}) ==
          file.string() + ": workflow.max_concurrent_executions: expected an integer >= 1, got -3");

    auto check_inline = [](const char* section_json, const std::string& expected) {
        auto layer = json::parse(section_json).as_object();
        CHECK(load_error({.inline_layer = layer}) == "initialize config: " + expected);
    };
    check_inline(R"({"database": {"pool_size": "ten"}})",
                 R"(database.pool_size: expected an integer >= 1, got "ten")");
    check_inline(R"({"workflow": {"retry_attempts": 5.5}})",
                 "workflow.retry_attempts: expected an integer >= 0, got 5.5");
    check_inline(R"({"agents": {"max_total_instances": -1}})",
                 "agents.max_total_instances: expected an integer >= 0, got -1");
    check_inline(R"({"workflow": {"default_timeout_hours": 0}})",
                 "workflow.default_timeout_hours: expected a number > 0, got 0");
    check_inline(R"({"database": {"sqlite_cache_kib": 16}})",
                 "database.sqlite_cache_kib: expected an integer from 64 to 1048576, got 16");
    check_inline(R"({"api": {"port": 70000}})", "api.port: expected an integer from 0 to 65535, got 70000");
    check_inline(R"({"raspberry_pi": {"gpio_pins": {"error_led": 512}}})",
                 "raspberry_pi.gpio_pins.error_led: expected an integer from 0 to 511, got 512");
    check_inline(R"({"database": {"auto_migrate": "yes"}})",
                 R"(database.auto_migrate: expected true or false, got "yes")");
    check_inline(R"({"logging": {"level": "LOUD"}})",
                 R"(logging.level: expected one of DEBUG, INFO, WARNING, ERROR, CRITICAL, got "LOUD")");
    check_inline(R"({"agents": {"types": []}})",
                 "agents.types: expected a non-empty list of distinct values from assistant, data_processor, "
                 "api, workflow, got []");
    check_inline(R"({"agents": {"types": ["api", "robot"]}})",
                 "agents.types: expected a non-empty list of distinct values from assistant, data_processor, "
                 R"(api, workflow, got ["api", "robot"] ("robot" is not allowed))");
    check_inline(R"({"workflow": 5})", "workflow: expected a section (a mapping of its keys), got a number");
    check_inline(R"({"module": {"data_dir": ""}})", R"(module.data_dir: expected a non-empty string, got "")");
}

TEST_CASE("integers written as 5.0 are integers", "[config][errors]") {
    auto layer = json::parse(R"({"workflow": {"retry_attempts": 5.0}, "api": {"port": 0}})").as_object();
    settings s = load({.inline_layer = layer});
    CHECK(s.workflow.retry_attempts == 5);
    CHECK(s.api.port == 0);
}

TEST_CASE("database URLs take one of the documented forms", "[config][errors]") {
    for (const char* good : {"sqlite:///var/lib/chainbot/main.db", "sqlite://relative/main.db",
                             "postgresql://bot:pw@db.local:5432/chainbot", "postgres://bot:pw@db.local/chainbot",
                             "postgresql://bot@[::1]:5432/chainbot?sslmode=require"}) {
        INFO(good);
        settings s = load({.inline_layer = {{"database", {{"url", good}}}}});
        CHECK(s.database.url == good);
    }
    for (const char* bad : {"mysql://bot:hunter2@db/chainbot", "sqlite://", "postgresql://bot:hunter2@db:99999/x",
                            "postgresql://bot:hunter2@db", "chainbot.db", "postgresql://bot:hunter2@/x"}) {
        INFO(bad);
        std::string message = load_error({.inline_layer = {{"database", {{"url", bad}}}}});
        CHECK_THAT(message, Catch::StartsWith("initialize config: database.url: bad URL "));
        CHECK_THAT(message, Contains("expected \"\" (the default SQLite file in the data dir), "
                                     "sqlite:///absolute/path.db, sqlite://relative/path.db or "
                                     "postgresql://user:password@host:port/database"));
        CHECK_THAT(message, !Contains("hunter2"));
    }
    CHECK_THAT(load_error({.inline_layer = {{"database", {{"url", "mysql://bot:hunter2@db/chainbot"}}}}}),
               Contains(R"(bad URL "mysql://bot:***@db/chainbot" (unknown scheme "mysql"))"));
}

TEST_CASE("problems of every layer are reported together, one per line", "[config][errors]") {
    temp_dir dir;
    load_request request;
    request.default_file = dir.write("default.yaml", "api:\n  port: -1\n");
    request.files = {dir.write("a.json", "{\"workflow\": {\"retry_attempts\": \"x\"}, \"nope\": {}}"),
                     dir.write("b.toml", "[agents\n")};
    request.inline_layer = json::parse(R"({"logging": {"level": "verbose"}})").as_object();
    request.environment = {{"ALEX_OS_CHAINBOT_API_PORT", "http"}, {"ALEX_OS_CHAINBOT_NOPE", "1"}};
    std::string message = load_error(request);
    INFO(message);
    CHECK(test::line_count(message) == 7);
    CHECK_THAT(message, Contains(dir.path().string() + "/default.yaml: api.port:"));
    CHECK_THAT(message, Contains(dir.path().string() + "/a.json: workflow.retry_attempts:"));
    CHECK_THAT(message, Contains(dir.path().string() + "/a.json: nope: unknown section"));
    CHECK_THAT(message, Contains(dir.path().string() + "/b.toml: line 1"));
    CHECK_THAT(message, Contains("initialize config: logging.level:"));
    CHECK_THAT(message, Contains("environment variable ALEX_OS_CHAINBOT_API_PORT: api.port:"));
    CHECK_THAT(message, Contains("environment variable ALEX_OS_CHAINBOT_NOPE: matches no configuration key"));
}
