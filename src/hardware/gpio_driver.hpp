#pragma once
/// @file gpio_driver.hpp
/// @brief The small interface GPIO logic is written against: open a line of a chip by
/// offset as output or input, set it, read it, release it. Two implementations:
/// libgpiod_driver (real hardware) and simulated_gpio_driver (tests).

#include <stdexcept>
#include <string>
#include <string_view>

namespace chainbot::hardware {

/// @brief A GPIO operation failed: chip or line missing, no permission, line busy, a pin
/// refused by the allowlist... what() says which and why, for people.
class gpio_error : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

/// @brief A pin outside raspberry_pi.gpio_allowed_pins (or reserved for an LED).
class gpio_pin_not_allowed : public gpio_error {
public:
    using gpio_error::gpio_error;
};

enum class line_direction { input, output };

std::string_view to_string(line_direction d) noexcept;

/// @brief Opens, drives and reads GPIO lines. Implementations are thread-safe.
/// A line is identified by its chip ("gpiochip0", "/dev/gpiochip4" or a chip label)
/// and its offset on that chip (the BCM GPIO number on a Raspberry Pi header).
class gpio_driver {
public:
    virtual ~gpio_driver() = default;

    /// @brief "libgpiod" or "simulated".
    virtual std::string_view name() const noexcept = 0;

    /// @brief Requests the line for this process. An output starts at `initial_value`.
    /// Opening a line already open in the same direction is a no-op; in the other
    /// direction it is re-requested.
    /// @throws gpio_error naming the chip, the line and the reason.
    virtual void open_line(const std::string& chip, unsigned offset, line_direction direction,
                           bool initial_value = false) = 0;

    /// @brief Drives an output line. @throws gpio_error if it is not open as output.
    virtual void set(const std::string& chip, unsigned offset, bool value) = 0;

    /// @brief Reads an open line (an output reads back its driven value).
    /// @throws gpio_error if it is not open.
    virtual bool get(const std::string& chip, unsigned offset) = 0;

    /// @brief Gives the line back; a line not open is ignored.
    virtual void release(const std::string& chip, unsigned offset) noexcept = 0;
};

}  // namespace chainbot::hardware
