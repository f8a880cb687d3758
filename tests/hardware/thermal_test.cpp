// The thermal state: overheat published once per crossing, recovery only below the
// threshold minus the hysteresis, admission hold, health, live setting changes.

#include "hardware_test_support.hpp"

#include <boost/json.hpp>

using namespace chainbot;
using namespace chainbot::hardware;
using chainbot::test::component_score;
using chainbot::test::event_recorder;
using chainbot::test::fixture_copy;
using chainbot::test::hardware_settings;

namespace {

struct thermal_rig {
    fixture_copy tree{"rpi5"};  // 61.85 °C, no under-voltage
    std::shared_ptr<event_recorder> events = std::make_shared<event_recorder>();
    std::unique_ptr<runtime> rt;
    std::shared_ptr<hardware_service> hw;

    explicit thermal_rig(bool hold_when_hot) {
        auto s = hardware_settings(tree.data_dir());
        s.raspberry_pi.cpu_temp_threshold_celsius = 80.0;
        s.raspberry_pi.temp_hysteresis_celsius = 5.0;
        s.raspberry_pi.hold_executions_when_hot = hold_when_hot;
        rt = std::make_unique<runtime>(s, host_services{});
        rt->events().add_observer(events);
        hw = std::make_shared<hardware_service>(hardware_options{.root = tree.root()});
        rt->add_service(hw);
        rt->start();
    }
    void sample_at(double celsius) {
        tree.set_temperature(celsius);
        hw->sample_now();
    }
};

}  // namespace

TEST_CASE("overheat is published once per crossing, recovery waits for the hysteresis", "[hardware][thermal]") {
    thermal_rig rig(true);
    CHECK_FALSE(rig.hw->overheated());
    CHECK(component_score(*rig.rt, "hardware") == 1.0);

    rig.sample_at(85.0);
    CHECK(rig.hw->overheated());
    CHECK(rig.events->count("chainbot.hardware.overheat") == 1);
    const auto overheat = rig.events->of("chainbot.hardware.overheat").at(0).payload;
    CHECK(overheat.at("temperature_celsius") == 85.0);
    CHECK(overheat.at("threshold_celsius") == 80.0);
    CHECK(overheat.contains("timestamp"));

    rig.sample_at(86.0);  // still hot: no second event
    rig.sample_at(79.0);  // below the threshold but not below 75: still hot
    rig.sample_at(75.0);  // at threshold - hysteresis: not below it yet
    CHECK(rig.events->count("chainbot.hardware.overheat") == 1);
    CHECK(rig.events->count("chainbot.hardware.temperature_normal") == 0);
    CHECK(rig.hw->overheated());

    rig.sample_at(74.0);
    CHECK_FALSE(rig.hw->overheated());
    REQUIRE(rig.events->count("chainbot.hardware.temperature_normal") == 1);
    CHECK(rig.events->of("chainbot.hardware.temperature_normal").at(0).payload.at("temperature_celsius") == 74.0);

    rig.sample_at(81.0);  // a second crossing is a second event
    CHECK(rig.events->count("chainbot.hardware.overheat") == 2);
    rig.rt->stop();
}

TEST_CASE("admission hold: only while hot and only with hold_executions_when_hot", "[hardware][thermal]") {
    SECTION("option on") {
        thermal_rig rig(true);
        CHECK_FALSE(rig.hw->admission_hold());
        rig.sample_at(90.0);
        CHECK(rig.hw->admission_hold());
        rig.sample_at(70.0);
        CHECK_FALSE(rig.hw->admission_hold());
    }
    SECTION("option off, then switched on live while hot") {
        thermal_rig rig(false);
        rig.sample_at(90.0);
        CHECK(rig.hw->overheated());
        CHECK_FALSE(rig.hw->admission_hold());
        REQUIRE(rig.rt->change_setting("raspberry_pi.hold_executions_when_hot", "true"));
        CHECK(rig.hw->admission_hold());
        rig.rt->stop();
        CHECK_FALSE(rig.hw->admission_hold());  // a stopped monitor holds nothing back
    }
}

TEST_CASE("health: hardware degrades while hot and with under-voltage", "[hardware][thermal][health]") {
    thermal_rig rig(false);
    rig.sample_at(85.0);
    CHECK(component_score(*rig.rt, "hardware") == overheated_score);
    const auto report = rig.rt->health().report();
    CHECK(report.at("components").at("hardware").at("status") == "degraded");
    CHECK_THAT(std::string(report.at("components").at("hardware").at("detail").as_string()),
               Catch::Contains("85.0 °C, above the 80"));
    rig.sample_at(60.0);
    CHECK(component_score(*rig.rt, "hardware") == 1.0);

    // The firmware reporting under-voltage now (bit 0) degrades it too.
    rig.tree.write("sys/devices/platform/soc/soc:firmware/get_throttled", "50005\n");
    rig.hw->sample_now();
    CHECK(component_score(*rig.rt, "hardware") == under_voltage_score);
    rig.tree.write("sys/devices/platform/soc/soc:firmware/get_throttled", "50000\n");  // only "since boot"
    rig.hw->sample_now();
    CHECK(component_score(*rig.rt, "hardware") == 1.0);

    rig.rt->stop();
    CHECK_FALSE(rig.rt->health().report().at("components").as_object().contains("hardware"));
}

TEST_CASE("a live threshold change applies to the latest reading at once", "[hardware][thermal]") {
    thermal_rig rig(false);  // 61.85 °C, threshold 80
    REQUIRE(rig.rt->change_setting("raspberry_pi.cpu_temp_threshold_celsius", "60"));
    CHECK(rig.hw->overheated());
    CHECK(rig.events->count("chainbot.hardware.overheat") == 1);
    REQUIRE(rig.rt->change_setting("raspberry_pi.temp_hysteresis_celsius", "0"));
    REQUIRE(rig.rt->change_setting("raspberry_pi.cpu_temp_threshold_celsius", "70"));
    CHECK_FALSE(rig.hw->overheated());
    CHECK(rig.events->count("chainbot.hardware.temperature_normal") == 1);
}

TEST_CASE("missing temperature neither overheats nor recovers", "[hardware][thermal]") {
    thermal_rig rig(true);
    rig.sample_at(90.0);
    std::filesystem::remove(rig.tree.root() / "sys/class/thermal/thermal_zone0/temp");
    const auto r = rig.hw->sample_now();
    CHECK_FALSE(r.cpu_temperature_celsius);
    CHECK(rig.hw->overheated());  // no data is no news
    CHECK(rig.events->count("chainbot.hardware.temperature_normal") == 0);
    CHECK(rig.hw->system_metrics().at("cpu_temperature_celsius").is_null());
}

TEST_CASE("the sampling timer samples on its own at the configured interval", "[hardware][thermal][timer]") {
    fixture_copy tree("rpi4");
    auto s = hardware_settings(tree.data_dir());
    s.raspberry_pi.sample_interval_seconds = 1;
    runtime rt(s, host_services{});
    auto hw = std::make_shared<hardware_service>(hardware_options{.root = tree.root()});
    rt.add_service(hw);
    rt.start();
    const auto first = hw->latest();
    REQUIRE(first);
    CHECK_FALSE(first->cpu_usage_percent);  // the start sample is the baseline
    tree.write("proc/stat", "cpu  10300 0 5100 80550 1050 0 500 0 0 0\n");
    REQUIRE(chainbot::test::wait_until([&] { return hw->latest()->cpu_usage_percent.has_value(); },
                                       std::chrono::milliseconds(4000)));
    CHECK(*hw->latest()->cpu_usage_percent == Approx(40.0));
    const auto metrics = hw->system_metrics();
    CHECK(metrics.at("cpu_usage").as_double() == Approx(40.0));
    CHECK(metrics.at("memory_usage").as_double() == Approx(25.0));
    CHECK(metrics.at("disk_usage").is_double());
    CHECK(metrics.at("cpu_temperature_celsius").as_double() == Approx(52.5));
    rt.stop();
}

TEST_CASE("monitoring off: no samples, no hardware health component", "[hardware][thermal]") {
    fixture_copy tree("rpi4");
    auto s = hardware_settings(tree.data_dir());
    s.raspberry_pi.enable_hardware_monitoring = false;
    runtime rt(s, host_services{});
    auto hw = std::make_shared<hardware_service>(hardware_options{.root = tree.root()});
    rt.add_service(hw);
    rt.start();
    CHECK_FALSE(hw->latest());
    CHECK_FALSE(rt.health().report().at("components").as_object().contains("hardware"));
    CHECK(hw->system_metrics().at("cpu_usage").is_null());
    CHECK(hw->to_json().at("monitoring") == false);
    rt.stop();
}
