// Runtime changes: validated by the schema, live or restart-required, never
// modifying the current settings.

#include "config/loader.hpp"
#include "config/schema.hpp"
#include "config_test_support.hpp"

#include <boost/json.hpp>

#include <set>

using namespace chainbot::config;
using chainbot::config::test::config_error_of;
using Catch::Contains;
namespace json = boost::json;

TEST_CASE("live keys change without restart", "[config][runtime]") {
    const settings current = load({});
    auto result = apply_change(current, "workflow.retry_attempts", json::value(5));
    CHECK(result.updated.workflow.retry_attempts == 5);
    CHECK_FALSE(result.restart_required);
    CHECK(current.workflow.retry_attempts == 3);

    result = apply_change(current, "logging.level", json::value("debug"));
    CHECK(result.updated.logging.level == chainbot::log_level::debug);
    CHECK_FALSE(result.restart_required);

    result = apply_change(current, "chainbot.workflow.max_concurrent_executions", json::value(8.0));
    CHECK(result.updated.workflow.max_concurrent_executions == 8);
}

TEST_CASE("keys that are not live require a restart", "[config][runtime]") {
    const settings current = load({});
    auto result = apply_change(current, "api.port", json::value(9000));
    CHECK(result.updated.api.port == 9000);
    CHECK(result.restart_required);

    result = apply_change(current, "database.url", json::value("postgresql://bot:pw@db/chainbot"));
    CHECK(result.updated.database.url == "postgresql://bot:pw@db/chainbot");
    CHECK(result.restart_required);
}

TEST_CASE("exactly the documented keys are live", "[config][runtime]") {
    const std::set<std::string> live{"workflow.max_concurrent_executions", "workflow.default_timeout_hours",
                                     "workflow.retry_attempts",            "agents.max_instances_per_type",
                                     "agents.max_total_instances",         "raspberry_pi.cpu_temp_threshold_celsius",
                                     "logging.level",
                                     // the hardware monitor's tuning and the gpio step allowlist
                                     "raspberry_pi.sample_interval_seconds", "raspberry_pi.temp_hysteresis_celsius",
                                     "raspberry_pi.hold_executions_when_hot", "raspberry_pi.error_led_health_threshold",
                                     "raspberry_pi.gpio_allowed_pins",
                                     // agents' mailboxes and the assistant's model service
                                     "agents.mailbox_capacity", "agents.assistant.endpoint", "agents.assistant.model",
                                     "agents.assistant.api_key", "agents.assistant.timeout_seconds",
                                     "agents.assistant.max_memory_messages",
                                     // WebSocket clients' queues and keep-alive
                                     "api.ws_send_queue", "api.ws_ping_interval_seconds",
                                     // the execution queue's bound and the resource limits
                                     "workflow.max_queued_executions", "resources.max_memory_mb",
                                     "resources.max_cpu_percent", "resources.resume_margin_percent",
                                     "resources.sample_interval_seconds", "resources.definition_cache_size"};
    const settings current = load({});
    for (const auto& spec : schema()) {
        INFO(spec.key);
        auto result = apply_change(current, spec.key, read_field(spec, current));
        CHECK(result.restart_required == (live.count(std::string(spec.key)) == 0));
    }
}

TEST_CASE("bad runtime changes are rejected and change nothing", "[config][runtime]") {
    const settings current = load({});
    const json::object before = to_json(current, false);
    CHECK(config_error_of([&] { apply_change(current, "workflow.retry_attempts", json::value(-1)); }) ==
          "runtime change: workflow.retry_attempts: expected an integer >= 0, got -1");
    CHECK(config_error_of([&] { apply_change(current, "workflow.nope", json::value(1)); }) ==
          "runtime change: workflow.nope: unknown key");
    CHECK_THAT(config_error_of([&] { apply_change(current, "workflow", json::parse(R"({"retry_attempts": 1})")); }),
               Catch::StartsWith("runtime change: workflow: is a section"));
    CHECK(config_error_of([&] { apply_change(current, "logging.level", json::value("LOUD")); }) ==
          R"(runtime change: logging.level: expected one of DEBUG, INFO, WARNING, ERROR, CRITICAL, got "LOUD")");
    std::string url_error =
        config_error_of([&] { apply_change(current, "database.url", json::value("ftp://u:hunter2@h/x")); });
    CHECK_THAT(url_error, Catch::StartsWith("runtime change: database.url: bad URL \"ftp://u:***@h/x\""));
    CHECK_THAT(url_error, !Contains("hunter2"));
    CHECK(to_json(current, false) == before);
}

TEST_CASE("a derived database URL follows a new data dir, a configured one stays", "[config][runtime]") {
    chainbot::config::test::temp_dir dir;
    const settings derived = load({});
    auto moved = apply_change(derived, "module.data_dir", json::value((dir.path() / "d").string()));
    CHECK(moved.restart_required);
    CHECK(moved.updated.module.data_dir == (dir.path() / "d").string());
    CHECK(moved.updated.database.url == "sqlite://" + (dir.path() / "d" / "chainbot.db").string());

    const settings configured = load({.inline_layer = {{"database", {{"url", "sqlite:///srv/x.db"}}}}});
    moved = apply_change(configured, "module.data_dir", json::value((dir.path() / "d").string()));
    CHECK(moved.updated.database.url == "sqlite:///srv/x.db");
}
