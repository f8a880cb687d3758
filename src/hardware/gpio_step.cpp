#include "hardware/gpio_step.hpp"

#include "hardware/gpio_driver.hpp"

#include <boost/json/serialize.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>

namespace chainbot::hardware {

namespace json = boost::json;

namespace {

constexpr std::int64_t max_line = 511;

/// An integral JSON number (5 or 5.0), or nullopt.
std::optional<std::int64_t> integer_of(const json::value& v) {
    if (v.is_int64()) return v.get_int64();
    if (v.is_uint64() && v.get_uint64() <= static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
        return static_cast<std::int64_t>(v.get_uint64());
    if (v.is_double() && std::isfinite(v.get_double()) && std::floor(v.get_double()) == v.get_double() &&
        std::abs(v.get_double()) < 9.0e15)
        return static_cast<std::int64_t>(v.get_double());
    return std::nullopt;
}

std::string allowed_list(const config::settings& s) {
    const auto& pins = s.raspberry_pi.gpio_allowed_pins;
    if (pins.empty()) return "none";
    std::string out;
    for (int p : pins) out += (out.empty() ? "" : ", ") + std::to_string(p);
    return out;
}

std::optional<gpio_action> action_of(std::string_view name) {
    if (name == "set") return gpio_action::set;
    if (name == "pulse") return gpio_action::pulse;
    if (name == "read") return gpio_action::read;
    return std::nullopt;
}

}  // namespace

std::optional<std::string> gpio_pin_problem(std::int64_t pin, const config::settings& s) {
    const auto& rpi = s.raspberry_pi;
    if (pin < 0 || pin > max_line) return fmt::format("{} is not a GPIO line number (0 to {})", pin, max_line);
    if (pin == rpi.gpio_pins.status_led)
        return fmt::format("{} is the status LED (raspberry_pi.gpio_pins.status_led); a workflow cannot drive it", pin);
    if (pin == rpi.gpio_pins.error_led)
        return fmt::format("{} is the error LED (raspberry_pi.gpio_pins.error_led); a workflow cannot drive it", pin);
    const auto& allowed = rpi.gpio_allowed_pins;
    if (std::find(allowed.begin(), allowed.end(), pin) == allowed.end())
        return fmt::format("{} is not in raspberry_pi.gpio_allowed_pins (allowed: {})", pin, allowed_list(s));
    return std::nullopt;
}

std::vector<std::string> validate_gpio_step(const json::object& step, const config::settings& s) {
    std::vector<std::string> problems;
    if (const auto* type = step.if_contains("type"); !type || !type->is_string() || type->get_string() != "gpio")
        problems.push_back(fmt::format("type: expected \"gpio\", got {}", type ? json::serialize(*type) : "nothing"));
    if (!s.raspberry_pi.enable_gpio_integration)
        problems.emplace_back("type: gpio steps need raspberry_pi.enable_gpio_integration, which is off");

    std::optional<gpio_action> action;
    const auto* action_value = step.if_contains("action");
    if (action_value && action_value->is_string()) action = action_of(action_value->get_string());
    if (!action)
        problems.push_back(fmt::format("action: expected \"set\", \"pulse\" or \"read\", got {}",
                                       action_value ? json::serialize(*action_value) : "nothing"));

    const auto* pin_value = step.if_contains("pin");
    const auto pin = pin_value ? integer_of(*pin_value) : std::nullopt;
    if (!pin)
        problems.push_back(fmt::format("pin: expected an integer GPIO line number, got {}",
                                       pin_value ? json::serialize(*pin_value) : "nothing"));
    else if (auto why = gpio_pin_problem(*pin, s))
        problems.push_back("pin: " + *why);

    if (action == gpio_action::set) {
        const auto* value = step.if_contains("value");
        if (!value || !value->is_bool())
            problems.push_back(fmt::format("value: expected true or false for action \"set\", got {}",
                                           value ? json::serialize(*value) : "nothing"));
    }
    if (action == gpio_action::pulse) {
        const auto* duration = step.if_contains("duration_ms");
        const auto ms = duration ? integer_of(*duration) : std::nullopt;
        if (!ms || *ms < 1 || *ms > max_pulse_ms)
            problems.push_back(fmt::format("duration_ms: expected an integer from 1 to {} for action \"pulse\", got {}",
                                           max_pulse_ms, duration ? json::serialize(*duration) : "nothing"));
    }
    return problems;
}

gpio_step parse_gpio_step(const json::object& step, const config::settings& s) {
    const auto problems = validate_gpio_step(step, s);
    if (!problems.empty()) {
        std::string text;
        for (const auto& p : problems) text += (text.empty() ? "" : "; ") + p;
        throw gpio_error("invalid gpio step: " + text);
    }
    gpio_step out;
    out.action = *action_of(step.at("action").get_string());
    out.pin = static_cast<int>(*integer_of(step.at("pin")));
    if (out.action == gpio_action::set) out.value = step.at("value").get_bool();
    if (out.action == gpio_action::pulse) out.duration = std::chrono::milliseconds(*integer_of(step.at("duration_ms")));
    return out;
}

}  // namespace chainbot::hardware
