#pragma once
/// @file libgpiod_driver.hpp
/// @brief The GPIO driver for real hardware, over libgpiod 1.6's C API (the character
/// device /dev/gpiochipN; Debian 12 ships 1.6). Chips are opened on first use and
/// closed when their last line is released.

#include "hardware/gpio_driver.hpp"

#include <map>
#include <mutex>
#include <string>
#include <utility>

struct gpiod_chip;
struct gpiod_line;

namespace chainbot::hardware {

class libgpiod_driver final : public gpio_driver {
public:
    /// @param consumer the name other tools (gpioinfo) show as the lines' user.
    explicit libgpiod_driver(std::string consumer = "chainbot");
    ~libgpiod_driver() override;
    libgpiod_driver(const libgpiod_driver&) = delete;
    libgpiod_driver& operator=(const libgpiod_driver&) = delete;

    std::string_view name() const noexcept override { return "libgpiod"; }
    void open_line(const std::string& chip, unsigned offset, line_direction direction, bool initial_value) override;
    void set(const std::string& chip, unsigned offset, bool value) override;
    bool get(const std::string& chip, unsigned offset) override;
    void release(const std::string& chip, unsigned offset) noexcept override;

private:
    struct open_line_t {
        gpiod_line* line = nullptr;
        line_direction direction = line_direction::input;
    };
    using key = std::pair<std::string, unsigned>;

    gpiod_chip* chip_locked(const std::string& chip);
    void close_chip_if_unused_locked(const std::string& chip) noexcept;
    open_line_t& line_locked(const std::string& chip, unsigned offset);

    std::string consumer_;
    std::mutex mutex_;  // libgpiod objects are not thread-safe
    std::map<std::string, gpiod_chip*> chips_;
    std::map<key, open_line_t> lines_;
};

}  // namespace chainbot::hardware
