#include "hardware/libgpiod_driver.hpp"

#include <fmt/format.h>
#include <gpiod.h>

#include <cerrno>
#include <system_error>

namespace chainbot::hardware {

namespace {

std::string errno_text(int err) {
    std::string text = std::generic_category().message(err);
    // The usual causes, said plainly: this is what an operator reads in the log.
    if (err == EACCES || err == EPERM) text += " (add the user to the gpio group or check /dev/gpiochip* permissions)";
    if (err == EBUSY) text += " (the line is used by another process or kernel driver)";
    return text;
}

}  // namespace

libgpiod_driver::libgpiod_driver(std::string consumer) : consumer_(std::move(consumer)) {}

libgpiod_driver::~libgpiod_driver() {
    std::lock_guard lock(mutex_);
    for (auto& [k, l] : lines_) gpiod_line_release(l.line);
    lines_.clear();
    for (auto& [name, chip] : chips_) gpiod_chip_close(chip);
    chips_.clear();
}

gpiod_chip* libgpiod_driver::chip_locked(const std::string& chip) {
    if (auto it = chips_.find(chip); it != chips_.end()) return it->second;
    errno = 0;
    // Accepts "gpiochip0", "/dev/gpiochip0", "0" or the chip's label ("pinctrl-bcm2711").
    gpiod_chip* c = gpiod_chip_open_lookup(chip.c_str());
    if (!c) {
        const int err = errno ? errno : ENOENT;
        throw gpio_error(fmt::format("cannot open GPIO chip {}: {}", chip, errno_text(err)));
    }
    chips_.emplace(chip, c);
    return c;
}

void libgpiod_driver::close_chip_if_unused_locked(const std::string& chip) noexcept {
    for (const auto& [k, l] : lines_)
        if (k.first == chip) return;
    if (auto it = chips_.find(chip); it != chips_.end()) {
        gpiod_chip_close(it->second);
        chips_.erase(it);
    }
}

libgpiod_driver::open_line_t& libgpiod_driver::line_locked(const std::string& chip, unsigned offset) {
    auto it = lines_.find({chip, offset});
    if (it == lines_.end()) throw gpio_error(fmt::format("line {} of {} is not open", offset, chip));
    return it->second;
}

void libgpiod_driver::open_line(const std::string& chip, unsigned offset, line_direction direction,
                                bool initial_value) {
    std::lock_guard lock(mutex_);
    if (auto it = lines_.find({chip, offset}); it != lines_.end()) {
        if (it->second.direction == direction) return;
        gpiod_line_release(it->second.line);
        lines_.erase(it);
    }
    try {
        gpiod_chip* c = chip_locked(chip);
        if (offset >= gpiod_chip_num_lines(c))
            throw gpio_error(fmt::format("cannot open line {} of {}: the chip has {} lines", offset, chip,
                                         gpiod_chip_num_lines(c)));
        errno = 0;
        gpiod_line* line = gpiod_chip_get_line(c, offset);
        if (!line)
            throw gpio_error(fmt::format("cannot open line {} of {}: {}", offset, chip, errno_text(errno ? errno : EINVAL)));
        errno = 0;
        const int rc = direction == line_direction::output
                           ? gpiod_line_request_output(line, consumer_.c_str(), initial_value ? 1 : 0)
                           : gpiod_line_request_input(line, consumer_.c_str());
        if (rc != 0)
            throw gpio_error(fmt::format("cannot request line {} of {} as {}: {}", offset, chip, to_string(direction),
                                         errno_text(errno ? errno : EIO)));
        lines_[{chip, offset}] = {line, direction};
    } catch (...) {
        close_chip_if_unused_locked(chip);
        throw;
    }
}

void libgpiod_driver::set(const std::string& chip, unsigned offset, bool value) {
    std::lock_guard lock(mutex_);
    auto& l = line_locked(chip, offset);
    if (l.direction != line_direction::output)
        throw gpio_error(fmt::format("line {} of {} is not open as output", offset, chip));
    errno = 0;
    if (gpiod_line_set_value(l.line, value ? 1 : 0) != 0)
        throw gpio_error(fmt::format("cannot set line {} of {}: {}", offset, chip, errno_text(errno ? errno : EIO)));
}

bool libgpiod_driver::get(const std::string& chip, unsigned offset) {
    std::lock_guard lock(mutex_);
    auto& l = line_locked(chip, offset);
    errno = 0;
    const int v = gpiod_line_get_value(l.line);
    if (v < 0)
        throw gpio_error(fmt::format("cannot read line {} of {}: {}", offset, chip, errno_text(errno ? errno : EIO)));
    return v != 0;
}

void libgpiod_driver::release(const std::string& chip, unsigned offset) noexcept {
    std::lock_guard lock(mutex_);
    auto it = lines_.find({chip, offset});
    if (it == lines_.end()) return;
    gpiod_line_release(it->second.line);
    lines_.erase(it);
    close_chip_if_unused_locked(chip);
}

}  // namespace chainbot::hardware
