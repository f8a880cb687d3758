// The status LED's heartbeat and the error LED, through the simulated driver; a driver
// that cannot open lines degrades the gpio health and leaves the module running.

#include "gpio_rig.hpp"
#include "hardware/libgpiod_driver.hpp"

#include <boost/json.hpp>

#include <atomic>

using namespace chainbot;
using namespace chainbot::hardware;
using namespace std::chrono_literals;
using chainbot::test::component_score;
using chainbot::test::gpio_rig;

namespace {

constexpr unsigned status_led = 18;
constexpr unsigned error_led = 23;

int rising_edges(const std::vector<simulated_gpio_driver::line_change>& changes) {
    int n = 0;
    bool level = false;
    for (const auto& c : changes) {
        if (c.value && !level) ++n;
        level = c.value;
    }
    return n;
}

}  // namespace

TEST_CASE("status LED: heartbeat while running, dark and released after stop", "[hardware][gpio][led]") {
    gpio_rig rig({.period = 100ms, .on = 20ms});
    std::this_thread::sleep_for(1050ms);
    const auto running = rig.driver->changes_of(status_led);
    const int beats = rising_edges(running);
    INFO("heartbeats in 1.05 s at a 100 ms period: " << beats);
    CHECK(beats >= 6);
    CHECK(beats <= 12);
    // Every "on" lasts at least the configured 20 ms, and the LED is off most of the time.
    std::chrono::nanoseconds on_total{0};
    for (std::size_t i = 1; i < running.size(); ++i)
        if (running[i - 1].value && !running[i].value) {
            CHECK(running[i].at - running[i - 1].at >= 20ms);
            on_total += running[i].at - running[i - 1].at;
        }
    CHECK(on_total < 700ms);

    rig.rt->stop();
    const auto stopped = rig.driver->changes_of(status_led);
    REQUIRE_FALSE(stopped.empty());
    CHECK_FALSE(stopped.back().value);
    CHECK_FALSE(rig.driver->level(status_led).has_value());  // released
    CHECK_FALSE(rig.driver->level(error_led).has_value());
    std::this_thread::sleep_for(250ms);
    CHECK(rig.driver->changes_of(status_led).size() == stopped.size());  // no beat after stop
}

TEST_CASE("error LED: lit by a failed workflow, cleared by the next completed one", "[hardware][gpio][led]") {
    gpio_rig rig;
    CHECK(rig.driver->level(error_led) == false);
    rig.rt->events().publish("chainbot.workflow.failed", {{"workflow_id", "w1"}, {"error", "step 2 failed"}});
    CHECK(rig.driver->level(error_led) == true);
    CHECK(rig.hw->to_json().at("gpio").at("error_led_lit") == true);
    rig.rt->events().publish("chainbot.workflow.started", {{"workflow_id", "w2"}});
    CHECK(rig.driver->level(error_led) == true);
    rig.rt->events().publish("chainbot.workflow.completed", {{"workflow_id", "w2"}});
    CHECK(rig.driver->level(error_led) == false);
    rig.rt->events().publish("chainbot.workflow.failed", {{"workflow_id", "w3"}});
    rig.rt->stop();
    CHECK(rig.driver->changes_of(error_led).back().value == false);  // dark after stop
}

TEST_CASE("error LED: lit while overall health is below the threshold", "[hardware][gpio][led]") {
    gpio_rig rig({}, [](config::settings& s, simulated_gpio_driver&) {
        s.raspberry_pi.error_led_health_threshold = 0.9;
    });
    auto fake_score = std::make_shared<std::atomic<double>>(0.0);
    rig.rt->health().add("fake", [fake_score] { return component_health{fake_score->load(), "test"}; });

    rig.hw->sample_now();  // module, hardware and gpio at 1, fake at 0: 0.75 < 0.9
    CHECK(rig.driver->level(error_led) == true);
    *fake_score = 1.0;
    rig.hw->sample_now();
    CHECK(rig.driver->level(error_led) == false);

    // Both causes: a completed workflow clears its own cause only.
    *fake_score = 0.0;
    rig.rt->events().publish("chainbot.workflow.failed");
    rig.hw->refresh_error_led();
    rig.rt->events().publish("chainbot.workflow.completed");
    CHECK(rig.driver->level(error_led) == true);
    *fake_score = 1.0;
    rig.hw->refresh_error_led();
    CHECK(rig.driver->level(error_led) == false);
}

TEST_CASE("a driver that cannot open lines: one warning, gpio degraded, the module keeps running",
          "[hardware][gpio][failure]") {
    gpio_rig rig({}, [](config::settings&, simulated_gpio_driver& d) { d.fail_open("Permission denied"); });
    CHECK(rig.rt->running());
    CHECK(rig.log->count(log_level::warning, "GPIO LEDs unavailable") == 1);
    CHECK(rig.log->count(log_level::warning) == 1);
    CHECK(component_score(*rig.rt, "gpio") == gpio_degraded_score);
    const auto report = rig.rt->health().report();
    CHECK(report.at("components").at("gpio").at("status") == "degraded");
    CHECK_THAT(std::string(report.at("components").at("gpio").at("detail").as_string()),
               Catch::Contains("Permission denied") && Catch::Contains("status LED (line 18)"));

    // Everything else goes on: samples, events, the API body, refusals with a reason.
    CHECK(rig.hw->sample_now().board_model == "Raspberry Pi 5 Model B Rev 1.0");
    rig.rt->events().publish("chainbot.workflow.failed");
    CHECK(rig.hw->to_json().at("gpio").at("status") == "degraded");
    CHECK_THROWS_AS(rig.hw->set_line(17, true), gpio_error);
    CHECK(rig.log->count(log_level::warning) == 1);  // still just the one
    rig.rt->stop();
    CHECK_FALSE(rig.rt->running());
}

TEST_CASE("only the status LED busy: the error LED still works", "[hardware][gpio][failure]") {
    gpio_rig rig({.period = 100ms, .on = 20ms},
                 [](config::settings&, simulated_gpio_driver& d) { d.fail_open("Device or resource busy", 18); });
    CHECK(component_score(*rig.rt, "gpio") == gpio_degraded_score);
    rig.rt->events().publish("chainbot.workflow.failed");
    CHECK(rig.driver->level(error_led) == true);
    std::this_thread::sleep_for(250ms);
    CHECK(rig.driver->changes_of(status_led).empty());
}

TEST_CASE("the libgpiod driver on a chip that does not exist: degraded, not fatal", "[hardware][gpio][failure]") {
    gpio_rig rig({}, [](config::settings& s, simulated_gpio_driver&) {
        s.raspberry_pi.gpio_chip = "chainbot-test-no-such-chip";
    }, std::make_shared<hardware::libgpiod_driver>());
    CHECK(rig.rt->running());
    CHECK(rig.log->count(log_level::warning, "cannot open GPIO chip chainbot-test-no-such-chip") == 1);
    CHECK(component_score(*rig.rt, "gpio") == gpio_degraded_score);
    CHECK(rig.hw->to_json().at("gpio").at("driver") == "libgpiod");
}
