#pragma once
/// @file gpio_step.hpp
/// @brief The `gpio` workflow step, as the workflow validator and the orchestrator see it.
/// Shape: {"type": "gpio", "action": "set"|"pulse"|"read", "pin": N,
///         "value": true|false (set), "duration_ms": N (pulse)}.
/// Keys other than these (id, name, depends_on...) belong to the workflow and are ignored.
///
/// @code
///   // At validation time (pure, no hardware):
///   for (auto& p : hardware::validate_gpio_step(step, *rt.settings())) problems.add("steps[3]." + p);
///   // At run time:
///   auto st = hardware::parse_gpio_step(step, *rt.settings());   // throws gpio_error
///   if (st.action == hardware::gpio_action::set) hw->set_line(st.pin, st.value);
/// @endcode

#include "config/settings.hpp"

#include <boost/json/object.hpp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace chainbot::hardware {

enum class gpio_action { set, pulse, read };

/// @brief A validated gpio step.
struct gpio_step {
    gpio_action action = gpio_action::read;
    int pin = 0;
    bool value = false;                     ///< set only
    std::chrono::milliseconds duration{0};  ///< pulse only
};

/// @brief Longest pulse a step may ask for.
inline constexpr std::int64_t max_pulse_ms = 60'000;

/// @brief Everything wrong with `step`, each as "<key>: <what is wrong>" (empty when valid).
/// Checks the shape, that GPIO integration is enabled, and that the pin is in
/// raspberry_pi.gpio_allowed_pins and is not one of the LED lines.
std::vector<std::string> validate_gpio_step(const boost::json::object& step, const config::settings& s);

/// @brief Why a workflow may not drive `pin`, or nullopt when it may.
std::optional<std::string> gpio_pin_problem(std::int64_t pin, const config::settings& s);

/// @brief The step, validated. @throws gpio_error listing the problems.
gpio_step parse_gpio_step(const boost::json::object& step, const config::settings& s);

}  // namespace chainbot::hardware
