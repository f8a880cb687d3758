#pragma once
/// @file gpio_controller.hpp
/// @brief What ChainBot does with GPIO, over a gpio_driver: the status LED's heartbeat,
/// the error LED, and the lines workflow steps drive. Thread-safe; timers run on the
/// runtime's io_context. It does not check the allowlist: hardware_service does.
///
/// A line that cannot be opened never stops the module: start() logs one warning and
/// health() reports the reason with a degraded score.

#include "hardware/gpio_driver.hpp"
#include "runtime/health.hpp"
#include "runtime/logger.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/json/object.hpp>

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>

namespace chainbot::hardware {

/// @brief The status LED's heartbeat: on for `on` at the start of every `period`.
struct heartbeat_timing {
    std::chrono::milliseconds period{1000};
    std::chrono::milliseconds on{100};
};

/// @brief Health score of the `gpio` component when a line cannot be opened or driven:
/// "degraded" (the LEDs are a convenience; the module works without them).
inline constexpr double gpio_degraded_score = 0.7;

/// @brief Why the error LED is lit; it is lit while any cause is active.
enum class error_cause : unsigned { workflow_failed = 1, low_health = 2 };

class gpio_controller : public std::enable_shared_from_this<gpio_controller> {
public:
    /// @brief Called when a pulse ends: true when the line was driven low after the full
    /// duration, false when it was cut short (stop) or could not be driven low.
    using pulse_done = std::function<void(bool completed)>;

    gpio_controller(boost::asio::io_context& io, std::shared_ptr<gpio_driver> driver, logger& log,
                    heartbeat_timing timing = {});
    ~gpio_controller();
    gpio_controller(const gpio_controller&) = delete;
    gpio_controller& operator=(const gpio_controller&) = delete;

    /// @brief Opens both LED lines (dark) and starts the heartbeat. Never throws.
    void start(const std::string& chip, int status_led, int error_led);
    /// @brief Stops the heartbeat, ends pulses, darkens both LEDs and releases every line.
    void stop() noexcept;

    /// @brief 1.0, or gpio_degraded_score with the reason when a line could not be opened or driven.
    component_health health() const;

    void set_error_cause(error_cause cause, bool active);
    bool error_led_lit() const;

    /// @brief Drives `pin` (opened as output on first use). @throws gpio_error.
    void set_line(int pin, bool value);
    /// @brief Drives `pin` high now and low after `duration`; returns at once.
    /// @throws gpio_error (including when the pin is already pulsing).
    void pulse_line(int pin, std::chrono::milliseconds duration, pulse_done done = {});
    /// @brief Reads `pin` (opened as input on first use; an output reads back its level).
    bool read_line(int pin);

    /// @brief {"driver", "chip", "status", "detail", "error_led_lit", "error_causes", "lines": [...]}.
    boost::json::object to_json() const;

private:
    struct line_info {
        std::string role;  // "status_led", "error_led" or "workflow"
        line_direction direction = line_direction::output;
        bool value = false;
    };
    struct pulse {
        std::unique_ptr<boost::asio::steady_timer> timer;
        pulse_done done;
        std::uint64_t id = 0;
    };

    void require_running_locked() const;
    void drive_output_locked(int pin, bool value, const char* role);
    void drive_quietly_locked(int pin, bool value) noexcept;
    void heartbeat_locked(bool on);
    void on_heartbeat(std::uint64_t generation, bool on);
    void end_pulse(int pin, std::uint64_t id);
    void note_problem_locked(const std::string& what);

    boost::asio::io_context& io_;
    std::shared_ptr<gpio_driver> driver_;
    logger& log_;
    heartbeat_timing timing_;

    mutable std::mutex mutex_;
    bool running_ = false;
    std::string chip_;
    int status_pin_ = -1;
    int error_pin_ = -1;
    std::string problem_;  // why health is degraded; empty when all is well
    bool drive_failure_logged_ = false;
    std::map<int, line_info> lines_;
    unsigned error_causes_ = 0;
    std::unique_ptr<boost::asio::steady_timer> heartbeat_;
    std::uint64_t heartbeat_generation_ = 0;
    std::map<int, pulse> pulses_;
    std::uint64_t next_pulse_id_ = 1;
};

}  // namespace chainbot::hardware
