#include "hardware/simulated_gpio_driver.hpp"

#include <fmt/format.h>

namespace chainbot::hardware {

std::string_view to_string(line_direction d) noexcept { return d == line_direction::output ? "output" : "input"; }

// The simulation models one chip: lines are keyed by offset, the chip name is recorded.

void simulated_gpio_driver::open_line(const std::string& chip, unsigned offset, line_direction direction,
                                      bool initial_value) {
    std::lock_guard lock(mutex_);
    if (auto it = fail_line_.find(offset); it != fail_line_.end() || fail_all_)
        throw gpio_error(fmt::format("cannot open line {} of {}: {}", offset, chip,
                                     it != fail_line_.end() ? it->second : *fail_all_));
    auto existing = open_.find(offset);
    if (existing != open_.end() && existing->second.direction == direction) return;
    ++opens_;
    line l{direction, direction == line_direction::output ? initial_value : inputs_[offset]};
    open_[offset] = l;
    if (direction == line_direction::output) record(chip, offset, initial_value);
}

void simulated_gpio_driver::set(const std::string& chip, unsigned offset, bool value) {
    std::lock_guard lock(mutex_);
    auto it = open_.find(offset);
    if (it == open_.end() || it->second.direction != line_direction::output)
        throw gpio_error(fmt::format("line {} of {} is not open as output", offset, chip));
    it->second.value = value;
    record(chip, offset, value);
}

bool simulated_gpio_driver::get(const std::string& chip, unsigned offset) {
    std::lock_guard lock(mutex_);
    auto it = open_.find(offset);
    if (it == open_.end()) throw gpio_error(fmt::format("line {} of {} is not open", offset, chip));
    if (it->second.direction == line_direction::input) return inputs_[offset];
    return it->second.value;
}

void simulated_gpio_driver::release(const std::string&, unsigned offset) noexcept {
    std::lock_guard lock(mutex_);
    if (open_.erase(offset) > 0) ++releases_;
}

void simulated_gpio_driver::fail_open(std::string reason, std::optional<unsigned> offset) {
    std::lock_guard lock(mutex_);
    if (offset)
        fail_line_[*offset] = std::move(reason);
    else
        fail_all_ = std::move(reason);
}

void simulated_gpio_driver::set_input_level(unsigned offset, bool value) {
    std::lock_guard lock(mutex_);
    inputs_[offset] = value;
}

std::vector<simulated_gpio_driver::line_change> simulated_gpio_driver::changes() const {
    std::lock_guard lock(mutex_);
    return changes_;
}

std::vector<simulated_gpio_driver::line_change> simulated_gpio_driver::changes_of(unsigned offset) const {
    std::lock_guard lock(mutex_);
    std::vector<line_change> out;
    for (const auto& c : changes_)
        if (c.offset == offset) out.push_back(c);
    return out;
}

std::optional<bool> simulated_gpio_driver::level(unsigned offset) const {
    std::lock_guard lock(mutex_);
    auto it = open_.find(offset);
    if (it == open_.end()) return std::nullopt;
    if (it->second.direction == line_direction::input) {
        auto in = inputs_.find(offset);
        return in != inputs_.end() && in->second;
    }
    return it->second.value;
}

std::optional<line_direction> simulated_gpio_driver::direction(unsigned offset) const {
    std::lock_guard lock(mutex_);
    auto it = open_.find(offset);
    if (it == open_.end()) return std::nullopt;
    return it->second.direction;
}

int simulated_gpio_driver::opens() const {
    std::lock_guard lock(mutex_);
    return opens_;
}

int simulated_gpio_driver::releases() const {
    std::lock_guard lock(mutex_);
    return releases_;
}

void simulated_gpio_driver::record(const std::string& chip, unsigned offset, bool value) {
    changes_.push_back({chip, offset, value, clock::now()});
}

}  // namespace chainbot::hardware
