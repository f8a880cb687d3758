// The raspberry_pi keys this component added, through every configuration layer.

#include "config/loader.hpp"
#include "support/temp_dir.hpp"

#include <catch2/catch.hpp>

#include <fstream>

using namespace chainbot::config;

TEST_CASE("raspberry_pi hardware keys: defaults, YAML, environment and bad values", "[hardware][config]") {
    const settings defaults = load({});
    CHECK(defaults.raspberry_pi.sample_interval_seconds == 5);
    CHECK(defaults.raspberry_pi.temp_hysteresis_celsius == 5.0);
    CHECK_FALSE(defaults.raspberry_pi.hold_executions_when_hot);
    CHECK(defaults.raspberry_pi.error_led_health_threshold == 0.5);
    CHECK(defaults.raspberry_pi.gpio_allowed_pins.empty());

    chainbot::test::temp_dir dir;
    const auto file = dir.path() / "pi.yaml";
    std::ofstream(file) << "raspberry_pi:\n  gpio_allowed_pins: [17, 27]\n  sample_interval_seconds: 2\n";
    const settings from_yaml = load({.files = {file}});
    CHECK(from_yaml.raspberry_pi.gpio_allowed_pins == std::vector<int>{17, 27});
    CHECK(from_yaml.raspberry_pi.sample_interval_seconds == 2);

    const settings from_env = load({.environment = {{"ALEX_OS_CHAINBOT_RASPBERRY_PI_GPIO_ALLOWED_PINS", "5, 6"}}});
    CHECK(from_env.raspberry_pi.gpio_allowed_pins == std::vector<int>{5, 6});
    const settings from_env_json = load({.environment = {{"ALEX_OS_CHAINBOT_RASPBERRY_PI_GPIO_ALLOWED_PINS", "[7]"}}});
    CHECK(from_env_json.raspberry_pi.gpio_allowed_pins == std::vector<int>{7});

    auto error_of = [](const boost::json::value& pins) {
        try {
            apply_change(settings{}, "raspberry_pi.gpio_allowed_pins", pins);
        } catch (const std::exception& e) {
            return std::string(e.what());
        }
        return std::string("accepted");
    };
    CHECK_THAT(error_of(boost::json::array{17, 17}), Catch::Contains("(17 twice)"));
    CHECK_THAT(error_of(boost::json::array{512}),
               Catch::Contains("expected a list of distinct integers from 0 to 511, got [512]"));
    CHECK_THAT(error_of(boost::json::array{"17"}), Catch::Contains("expected a list of distinct integers"));
    CHECK_THAT(error_of(boost::json::value(17)), Catch::Contains("expected a list of distinct integers"));
    CHECK(error_of(boost::json::array{}) == "accepted");
    CHECK_THROWS(load({.environment = {{"ALEX_OS_CHAINBOT_RASPBERRY_PI_GPIO_ALLOWED_PINS", "17, x"}}}));
    CHECK_THROWS(load({.environment = {{"ALEX_OS_CHAINBOT_RASPBERRY_PI_SAMPLE_INTERVAL_SECONDS", "0"}}}));
}
