// The environment layer: ALEX_OS_CHAINBOT_<SECTION>_<KEY>, values parsed by the key's type.

#include "config/env.hpp"
#include "config/loader.hpp"
#include "config/schema.hpp"
#include "config_test_support.hpp"

#include <cstdlib>
#include <set>

using namespace chainbot::config;
using chainbot::config::test::load_error;
using Catch::Contains;

namespace {

settings load_env(std::map<std::string, std::string> environment) {
    return load({.environment = std::move(environment)});
}

}  // namespace

TEST_CASE("environment names resolve to keys even when sections contain underscores", "[config][env]") {
    settings s = load_env({
        {"ALEX_OS_CHAINBOT_DATABASE_URL", "postgresql://bot:pw@db:5432/chainbot"},
        {"ALEX_OS_CHAINBOT_WORKFLOW_MAX_CONCURRENT_EXECUTIONS", "7"},
        {"ALEX_OS_CHAINBOT_AGENTS_MAX_TOTAL_INSTANCES", "60"},
        {"ALEX_OS_CHAINBOT_RASPBERRY_PI_GPIO_PINS_STATUS_LED", "5"},
        {"ALEX_OS_CHAINBOT_RASPBERRY_PI_GPIO_CHIP", "gpiochip4"},
        {"ALEX_OS_CHAINBOT_MODULE_DATA_DIR", "/var/lib/chainbot"},
        {"PATH", "/usr/bin"},                  // not ours: ignored
        {"ALEX_OS_OTHER_MODULE_PORT", "1"},   // another module's: ignored
    });
    CHECK(s.database.url == "postgresql://bot:pw@db:5432/chainbot");
    CHECK(s.workflow.max_concurrent_executions == 7);
    CHECK(s.agents.max_total_instances == 60);
    CHECK(s.raspberry_pi.gpio_pins.status_led == 5);
    CHECK(s.raspberry_pi.gpio_pins.error_led == 23);
    CHECK(s.raspberry_pi.gpio_chip == "gpiochip4");
    CHECK(s.module.data_dir == "/var/lib/chainbot");
}

TEST_CASE("every key has a distinct environment name that resolves back to it", "[config][env]") {
    std::set<std::string> names;
    for (const auto& spec : schema()) {
        INFO(spec.key);
        std::string name = env_name(spec.key);
        CHECK(names.insert(name).second);
        const key_spec* resolved = key_of_env_name(name);
        REQUIRE(resolved != nullptr);
        CHECK(resolved->key == spec.key);
    }
    CHECK(env_name("raspberry_pi.gpio_pins.error_led") == "ALEX_OS_CHAINBOT_RASPBERRY_PI_GPIO_PINS_ERROR_LED");
}

TEST_CASE("environment values are parsed by the key's type", "[config][env]") {
    settings s = load_env({
        {"ALEX_OS_CHAINBOT_WORKFLOW_RETRY_ATTEMPTS", "2.0"},
        {"ALEX_OS_CHAINBOT_WORKFLOW_DEFAULT_TIMEOUT_HOURS", "0.5"},
        {"ALEX_OS_CHAINBOT_RASPBERRY_PI_CPU_TEMP_THRESHOLD_CELSIUS", "+70"},
        {"ALEX_OS_CHAINBOT_RASPBERRY_PI_ENABLE_GPIO_INTEGRATION", "yes"},
        {"ALEX_OS_CHAINBOT_RASPBERRY_PI_ENABLE_HARDWARE_MONITORING", "no"},
        {"ALEX_OS_CHAINBOT_DATABASE_AUTO_MIGRATE", "0"},
        {"ALEX_OS_CHAINBOT_AGENTS_TYPES", " api , workflow"},
        {"ALEX_OS_CHAINBOT_LOGGING_LEVEL", "warning"},
        {"ALEX_OS_CHAINBOT_API_HOST", "0.0.0.0"},
    });
    CHECK(s.workflow.retry_attempts == 2);
    CHECK(s.workflow.default_timeout_hours == 0.5);
    CHECK(s.raspberry_pi.cpu_temp_threshold_celsius == 70.0);
    CHECK(s.raspberry_pi.enable_gpio_integration);
    CHECK_FALSE(s.raspberry_pi.enable_hardware_monitoring);
    CHECK_FALSE(s.database.auto_migrate);
    CHECK(s.agents.types == std::vector<std::string>{"api", "workflow"});
    CHECK(s.logging.level == chainbot::log_level::warning);
    CHECK(s.api.host == "0.0.0.0");

    s = load_env({{"ALEX_OS_CHAINBOT_AGENTS_TYPES", R"(["assistant", "data_processor"])"},
                  {"ALEX_OS_CHAINBOT_DATABASE_AUTO_MIGRATE", "TRUE"}});
    CHECK(s.agents.types == std::vector<std::string>{"assistant", "data_processor"});
    CHECK(s.database.auto_migrate);
}

TEST_CASE("an ALEX_OS_CHAINBOT_ variable matching no key is an error naming it", "[config][env]") {
    std::string message = load_error({.environment = {{"ALEX_OS_CHAINBOT_RASPBERRYPI_GPIO_CHIP", "gpiochip1"}}});
    CHECK_THAT(message, Catch::StartsWith("environment variable ALEX_OS_CHAINBOT_RASPBERRYPI_GPIO_CHIP: "
                                          "matches no configuration key"));
    CHECK_THAT(message, !Contains("gpiochip1"));

    message = load_error({.environment = {{"ALEX_OS_CHAINBOT_WORKFLOW", "3"}}});
    CHECK_THAT(message, Catch::StartsWith("environment variable ALEX_OS_CHAINBOT_WORKFLOW: matches no"));
}

TEST_CASE("bad environment values name the variable, the key and the expectation", "[config][env]") {
    auto error_of = [](const char* name, const char* value) {
        return load_error({.environment = {{name, value}}});
    };
    CHECK(error_of("ALEX_OS_CHAINBOT_API_PORT", "eighty") ==
          R"(environment variable ALEX_OS_CHAINBOT_API_PORT: api.port: expected an integer from 0 to 65535, got "eighty")");
    CHECK(error_of("ALEX_OS_CHAINBOT_WORKFLOW_MAX_CONCURRENT_EXECUTIONS", "0") ==
          "environment variable ALEX_OS_CHAINBOT_WORKFLOW_MAX_CONCURRENT_EXECUTIONS: "
          "workflow.max_concurrent_executions: expected an integer >= 1, got 0");
    CHECK(error_of("ALEX_OS_CHAINBOT_DATABASE_AUTO_MIGRATE", "maybe") ==
          "environment variable ALEX_OS_CHAINBOT_DATABASE_AUTO_MIGRATE: database.auto_migrate: "
          R"(expected true, false, 1, 0, yes or no, got "maybe")");
    CHECK_THAT(error_of("ALEX_OS_CHAINBOT_AGENTS_TYPES", R"(["api", )"),
               Catch::StartsWith("environment variable ALEX_OS_CHAINBOT_AGENTS_TYPES: agents.types: "
                                 "expected a JSON array of strings or a comma-separated list"));
    CHECK_THAT(error_of("ALEX_OS_CHAINBOT_AGENTS_TYPES", ""),
               Catch::StartsWith("environment variable ALEX_OS_CHAINBOT_AGENTS_TYPES: agents.types: "
                                 "expected a non-empty list"));
    CHECK_THAT(error_of("ALEX_OS_CHAINBOT_LOGGING_LEVEL", "TRACE"),
               Contains("logging.level: expected one of DEBUG, INFO, WARNING, ERROR, CRITICAL"));
    std::string url_error = error_of("ALEX_OS_CHAINBOT_DATABASE_URL", "postgresql://bot:hunter2@db:port/x");
    CHECK_THAT(url_error, Catch::StartsWith("environment variable ALEX_OS_CHAINBOT_DATABASE_URL: database.url: "
                                            R"(bad URL "postgresql://bot:***@db:port/x")"));
    CHECK_THAT(url_error, !Contains("hunter2"));
}

TEST_CASE("process_environment returns only this module's variables", "[config][env]") {
    REQUIRE(::setenv("ALEX_OS_CHAINBOT_TEST_PROBE", "probe value", 1) == 0);
    auto environment = process_environment();
    ::unsetenv("ALEX_OS_CHAINBOT_TEST_PROBE");
    REQUIRE(environment.count("ALEX_OS_CHAINBOT_TEST_PROBE") == 1);
    CHECK(environment.at("ALEX_OS_CHAINBOT_TEST_PROBE") == "probe value");
    for (const auto& [name, value] : environment) CHECK_THAT(name, Catch::StartsWith("ALEX_OS_CHAINBOT_"));
}
