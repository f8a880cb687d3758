#pragma once
/// @file hardware_service.hpp
/// @brief The Raspberry Pi integration as a runtime service: samples the sensors on a
/// timer, keeps the thermal state (health component `hardware`, events
/// `chainbot.hardware.overheat` / `chainbot.hardware.temperature_normal`), and drives
/// the status and error LEDs and the lines of `gpio` workflow steps (health component
/// `gpio`).
///
/// What other components call:
/// - the orchestrator: admission_hold() before admitting a new execution (and observe
///   `chainbot.hardware.temperature_normal` to resume held ones, instead of polling);
///   validate_gpio_step() (gpio_step.hpp) at validation time; set_line(), pulse_line()
///   and read_line() to run a `gpio` step.
/// - metrics: system_metrics() for the `system` section.
/// - the REST API: to_json() for GET /api/chainbot/hardware (api/hardware_routes.hpp).
///
/// @code
///   auto hw = std::make_shared<hardware::hardware_service>();
///   rt.add_service(hw);
///   rt.start();
///   if (hw->admission_hold()) { /* queue the execution until temperature_normal */ }
///   hw->pulse_line(17, std::chrono::milliseconds(200), [](bool completed) { /* step done */ });
/// @endcode

#include "hardware/gpio_controller.hpp"
#include "hardware/gpio_driver.hpp"
#include "hardware/readings.hpp"
#include "hardware/sensor_reader.hpp"
#include "hardware/thermal_state.hpp"
#include "runtime/runtime.hpp"

#include <boost/asio/steady_timer.hpp>
#include <boost/json/object.hpp>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>

namespace chainbot::hardware {

/// @brief Topics the service publishes and the ones it reacts to.
inline constexpr std::string_view topic_overheat = "chainbot.hardware.overheat";
inline constexpr std::string_view topic_temperature_normal = "chainbot.hardware.temperature_normal";
inline constexpr std::string_view topic_workflow_failed = "chainbot.workflow.failed";        ///< lights the error LED
inline constexpr std::string_view topic_workflow_completed = "chainbot.workflow.completed";  ///< clears it

/// @brief Health score of the `hardware` component while the CPU is hot ("degraded":
/// health_status puts 0.5 and below at "unhealthy").
inline constexpr double overheated_score = 0.6;
/// @brief ... and while the firmware reports under-voltage now.
inline constexpr double under_voltage_score = 0.7;

struct hardware_options {
    /// @brief Where `proc/` and `sys/` are read from; tests point it at a fixture tree.
    std::filesystem::path root = "/";
    /// @brief Directory whose file system's usage is reported; empty: module.data_dir.
    std::filesystem::path data_dir;
    /// @brief The GPIO driver; null: libgpiod_driver (created on start when GPIO is enabled).
    std::shared_ptr<gpio_driver> gpio;
    heartbeat_timing heartbeat;
};

class hardware_service final : public service, public std::enable_shared_from_this<hardware_service> {
public:
    explicit hardware_service(hardware_options options = {});
    ~hardware_service() override;

    std::string_view name() const override { return "hardware"; }
    /// @brief Takes a first sample (the CPU usage baseline) and starts the sampling timer
    /// when raspberry_pi.enable_hardware_monitoring is on, and the LEDs when
    /// raspberry_pi.enable_gpio_integration is on. GPIO failures never fail the start.
    void start(runtime& rt) override;
    void stop() noexcept override;

    /// @brief Samples now (what the timer does every sample_interval_seconds): updates the
    /// readings and the thermal state, publishes a crossing, refreshes the error LED.
    /// Must not be called from an event observer.
    hardware_readings sample_now();
    /// @brief The latest sample; nullopt before the first.
    std::optional<hardware_readings> latest() const;

    /// @brief True while the CPU is above the threshold and has not yet cooled below
    /// threshold minus temp_hysteresis_celsius.
    bool overheated() const noexcept { return hot_.load(); }
    /// @brief True while overheated and raspberry_pi.hold_executions_when_hot is on: the
    /// orchestrator should not start new executions (running ones continue). It becomes
    /// false when `chainbot.hardware.temperature_normal` is published.
    bool admission_hold() const noexcept { return hot_.load() && hold_when_hot_.load(); }

    /// @brief {"cpu_usage", "memory_usage", "disk_usage" (percentages),
    /// "cpu_temperature_celsius"}; null where unavailable or before the first sample.
    boost::json::object system_metrics() const;
    /// @brief The body of GET /api/chainbot/hardware: {"monitoring", "readings",
    /// "thermal", "gpio"}.
    boost::json::object to_json() const;

    /// @brief Drives an allowlisted line (raspberry_pi.gpio_allowed_pins).
    /// @throws gpio_pin_not_allowed outside the allowlist or on an LED line;
    /// gpio_error when GPIO is off or the driver fails.
    void set_line(int pin, bool value);
    /// @brief Drives an allowlisted line high now and low after `duration`; returns at
    /// once and calls `done` (on an I/O thread) when the pulse ends. Throws as set_line.
    void pulse_line(int pin, std::chrono::milliseconds duration, gpio_controller::pulse_done done = {});
    /// @brief Reads an allowlisted line. Throws as set_line.
    bool read_line(int pin);

    /// @brief Lights the error LED while overall health is below
    /// raspberry_pi.error_led_health_threshold (done on every sample).
    void refresh_error_led();

private:
    class event_observer;

    std::shared_ptr<const config::settings> current_settings() const;
    std::shared_ptr<gpio_controller> controller() const;
    std::shared_ptr<gpio_controller> allowed_controller(int pin) const;
    hardware_readings take_sample();
    void evaluate_thermal(const config::settings& s);
    component_health hardware_health() const;
    void on_workflow_outcome(bool failed);
    void on_settings_changed(const config::settings& s);
    void arm_tick_locked(std::chrono::seconds interval);
    void on_tick(std::uint64_t generation);

    hardware_options options_;
    std::atomic<runtime*> rt_{nullptr};

    std::mutex sample_mutex_;  // one sample at a time; keeps events in the order of samples
    sensor_reader reader_;     // guarded by sample_mutex_

    mutable std::mutex mutex_;  // everything below
    bool running_ = false;
    bool monitoring_ = false;
    bool settings_watched_ = false;
    std::optional<hardware_readings> latest_;
    thermal_state thermal_;
    std::unique_ptr<boost::asio::steady_timer> tick_;
    std::uint64_t tick_generation_ = 0;
    int tick_seconds_ = 0;
    std::shared_ptr<gpio_controller> gpio_;
    std::uint64_t observer_id_ = 0;

    std::atomic<bool> hot_{false};
    std::atomic<bool> hold_when_hot_{false};
};

}  // namespace chainbot::hardware
