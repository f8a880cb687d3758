// The gpio workflow step: validation problems, the allowlist at run time, set, pulse
// and read through the simulated driver.

#include "gpio_rig.hpp"
#include "hardware/gpio_step.hpp"

#include <boost/json.hpp>

#include <atomic>
#include <future>

using namespace chainbot;
using namespace chainbot::hardware;
using namespace std::chrono_literals;
using chainbot::test::gpio_rig;
namespace json = boost::json;

namespace {

config::settings gpio_on(std::vector<int> allowed = {17, 27}) {
    config::settings s;
    s.raspberry_pi.enable_gpio_integration = true;
    s.raspberry_pi.gpio_allowed_pins = std::move(allowed);
    return s;
}

std::vector<std::string> problems_of(const char* step_json, const config::settings& s = gpio_on()) {
    return validate_gpio_step(json::parse(step_json).as_object(), s);
}

std::string joined(const std::vector<std::string>& problems) {
    std::string out;
    for (const auto& p : problems) out += p + "\n";
    return out;
}

}  // namespace

TEST_CASE("validate_gpio_step: valid steps have no problems", "[hardware][gpio][step]") {
    CHECK(problems_of(R"({"type": "gpio", "action": "set", "pin": 17, "value": true})").empty());
    CHECK(problems_of(R"({"type": "gpio", "action": "pulse", "pin": 27, "duration_ms": 250, "id": "blink"})").empty());
    CHECK(problems_of(R"({"type": "gpio", "action": "read", "pin": 17.0})").empty());
    const auto st = parse_gpio_step(json::parse(R"({"type": "gpio", "action": "pulse", "pin": 27, "duration_ms": 250})")
                                        .as_object(), gpio_on());
    CHECK(st.action == gpio_action::pulse);
    CHECK(st.pin == 27);
    CHECK(st.duration == 250ms);
}

TEST_CASE("validate_gpio_step: each problem names its key", "[hardware][gpio][step]") {
    auto p = problems_of(R"({"type": "gpio", "action": "set", "pin": 5, "value": true})");
    REQUIRE(p.size() == 1);
    CHECK(p[0] == "pin: 5 is not in raspberry_pi.gpio_allowed_pins (allowed: 17, 27)");

    p = problems_of(R"({"type": "gpio", "action": "set", "pin": 18, "value": true})");
    REQUIRE(p.size() == 1);
    CHECK_THAT(p[0], Catch::StartsWith("pin: 18 is the status LED"));
    p = problems_of(R"({"type": "gpio", "action": "read", "pin": 23})", gpio_on({23}));
    REQUIRE(p.size() == 1);
    CHECK_THAT(p[0], Catch::StartsWith("pin: 23 is the error LED"));

    p = problems_of(R"({"type": "gpio", "action": "blink", "pin": "17"})");
    INFO(joined(p));
    REQUIRE(p.size() == 2);
    CHECK(p[0] == R"(action: expected "set", "pulse" or "read", got "blink")");
    CHECK(p[1] == R"(pin: expected an integer GPIO line number, got "17")");

    p = problems_of(R"({"type": "gpio", "action": "set", "pin": 17})");
    REQUIRE(p.size() == 1);
    CHECK(p[0] == R"(value: expected true or false for action "set", got nothing)");

    for (const char* duration : {"0", "60001", "1.5", "\"100\""}) {
        INFO(duration);
        p = problems_of((std::string(R"({"type": "gpio", "action": "pulse", "pin": 17, "duration_ms": )") + duration + "}")
                            .c_str());
        REQUIRE(p.size() == 1);
        CHECK_THAT(p[0], Catch::StartsWith("duration_ms: expected an integer from 1 to 60000"));
    }

    p = problems_of(R"({"type": "gpio", "action": "read", "pin": 600})", gpio_on({600}));
    REQUIRE(p.size() == 1);
    CHECK(p[0] == "pin: 600 is not a GPIO line number (0 to 511)");

    p = problems_of(R"({"type": "shell", "action": "read", "pin": 17})");
    REQUIRE(p.size() == 1);
    CHECK(p[0] == R"(type: expected "gpio", got "shell")");

    config::settings off = gpio_on();
    off.raspberry_pi.enable_gpio_integration = false;
    p = problems_of(R"({"type": "gpio", "action": "read", "pin": 17})", off);
    REQUIRE(p.size() == 1);
    CHECK_THAT(p[0], Catch::Contains("raspberry_pi.enable_gpio_integration"));

    // The default configuration allows no pin at all.
    p = problems_of(R"({"type": "gpio", "action": "read", "pin": 17})", config::settings{});
    CHECK_THAT(joined(p), Catch::Contains("(allowed: none)"));
    CHECK_THROWS_WITH(parse_gpio_step(json::parse(R"({"type": "gpio"})").as_object(), gpio_on()),
                      Catch::StartsWith("invalid gpio step: action: expected"));
}

TEST_CASE("set_line and read_line drive and read allowlisted lines", "[hardware][gpio][step]") {
    gpio_rig rig;
    rig.hw->set_line(17, true);
    CHECK(rig.driver->level(17) == true);
    CHECK(rig.driver->direction(17) == line_direction::output);
    rig.hw->set_line(17, false);
    CHECK(rig.driver->level(17) == false);
    CHECK(rig.hw->read_line(17) == false);  // an output reads back its level

    rig.driver->set_input_level(27, true);
    CHECK(rig.hw->read_line(27) == true);
    CHECK(rig.driver->direction(27) == line_direction::input);

    const auto lines = rig.hw->to_json().at("gpio").at("lines").as_array();
    CHECK(lines.size() == 4);  // status LED, error LED, 17, 27
    rig.rt->stop();
    CHECK_FALSE(rig.driver->level(17).has_value());  // every line released on stop
    CHECK_FALSE(rig.driver->level(27).has_value());
}

TEST_CASE("the allowlist refuses other pins and the LED lines, with a clear error", "[hardware][gpio][step]") {
    gpio_rig rig;
    CHECK_THROWS_AS(rig.hw->set_line(5, true), gpio_pin_not_allowed);
    CHECK_THROWS_WITH(rig.hw->set_line(5, true),
                      "GPIO line refused: 5 is not in raspberry_pi.gpio_allowed_pins (allowed: 17, 27)");
    CHECK_THROWS_AS(rig.hw->read_line(18), gpio_pin_not_allowed);
    CHECK_THROWS_AS(rig.hw->pulse_line(23, 10ms), gpio_pin_not_allowed);
    CHECK_FALSE(rig.driver->level(5).has_value());

    // The allowlist is live.
    REQUIRE(rig.rt->change_setting("raspberry_pi.gpio_allowed_pins", "[5]"));
    rig.hw->set_line(5, true);
    CHECK(rig.driver->level(5) == true);
    CHECK_THROWS_AS(rig.hw->set_line(17, true), gpio_pin_not_allowed);
    CHECK_FALSE(rig.rt->change_setting("raspberry_pi.gpio_allowed_pins", "[5, 5]"));
    CHECK_FALSE(rig.rt->change_setting("raspberry_pi.gpio_allowed_pins", "[512]"));
}

TEST_CASE("with GPIO integration off, line operations are refused", "[hardware][gpio][step]") {
    gpio_rig rig({}, [](config::settings& s, simulated_gpio_driver&) { s.raspberry_pi.enable_gpio_integration = false; });
    CHECK_THROWS_WITH(rig.hw->set_line(17, true), Catch::Contains("GPIO is off"));
    CHECK(rig.driver->opens() == 0);
    CHECK(rig.hw->to_json().at("gpio").at("enabled") == false);
}

TEST_CASE("pulse_line: high now, low after the duration, then done", "[hardware][gpio][step]") {
    gpio_rig rig;
    std::promise<bool> finished;
    rig.hw->pulse_line(17, 60ms, [&](bool completed) { finished.set_value(completed); });
    CHECK(rig.driver->level(17) == true);
    CHECK_THROWS_WITH(rig.hw->pulse_line(17, 60ms), Catch::Contains("already pulsing"));
    CHECK_THROWS_WITH(rig.hw->set_line(17, false), Catch::Contains("is pulsing"));
    auto done = finished.get_future();
    REQUIRE(done.wait_for(3s) == std::future_status::ready);
    CHECK(done.get() == true);
    CHECK(rig.driver->level(17) == false);
    const auto changes = rig.driver->changes_of(17);
    REQUIRE(changes.size() == 2);
    CHECK(changes[1].at - changes[0].at >= 60ms);

    // Stop cuts a pulse short: the line goes low and done says so.
    std::promise<bool> cut;
    rig.hw->pulse_line(27, 10s, [&](bool completed) { cut.set_value(completed); });
    rig.rt->stop();
    auto cut_done = cut.get_future();
    REQUIRE(cut_done.wait_for(1s) == std::future_status::ready);
    CHECK(cut_done.get() == false);
    CHECK(rig.driver->changes_of(27).back().value == false);
    CHECK_THROWS_AS(rig.hw->set_line(17, true), gpio_error);  // stopped
}
