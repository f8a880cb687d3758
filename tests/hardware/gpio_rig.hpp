#pragma once
// A started runtime with the hardware service on the rpi5 fixture and a simulated GPIO
// driver (GPIO integration on, status LED 18, error LED 23).

#include "hardware_test_support.hpp"

namespace chainbot::test {

struct gpio_rig {
    fixture_copy tree{"rpi5"};
    std::shared_ptr<hardware::simulated_gpio_driver> driver = std::make_shared<hardware::simulated_gpio_driver>();
    std::shared_ptr<log_capture> log = std::make_shared<log_capture>();
    std::unique_ptr<runtime> rt;
    std::shared_ptr<hardware::hardware_service> hw;

    /// `before_start` may adjust the settings and the driver (e.g. make opens fail).
    explicit gpio_rig(hardware::heartbeat_timing timing = {},
                      const std::function<void(config::settings&, hardware::simulated_gpio_driver&)>& before_start = {},
                      std::shared_ptr<hardware::gpio_driver> driver_override = nullptr) {
        auto s = hardware_settings(tree.data_dir());
        s.raspberry_pi.enable_gpio_integration = true;
        s.raspberry_pi.gpio_allowed_pins = {17, 27};
        if (before_start) before_start(s, *driver);
        rt = std::make_unique<runtime>(s, host_services{nullptr, nullptr, log});
        hw = std::make_shared<hardware::hardware_service>(hardware::hardware_options{
            .root = tree.root(),
            .gpio = driver_override ? driver_override : std::shared_ptr<hardware::gpio_driver>(driver),
            .heartbeat = timing});
        rt->add_service(hw);
        rt->start();
    }
};

}  // namespace chainbot::test
