#pragma once
/// @file simulated_gpio_driver.hpp
/// @brief A GPIO driver without hardware. It stands in for GPIO chips that cannot exist
/// on the build and CI machines (their kernels have no GPIO support, no gpio-sim or
/// gpio-mockup): it records every value written to every line with a timestamp, so
/// tests can check LED patterns and workflow steps, and it can be told to fail opens
/// the way a real chip does (missing chip, busy line, no permission).

#include "hardware/gpio_driver.hpp"

#include <chrono>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace chainbot::hardware {

class simulated_gpio_driver final : public gpio_driver {
public:
    using clock = std::chrono::steady_clock;

    /// @brief One value written to an output line (by open_line or set).
    struct line_change {
        std::string chip;
        unsigned offset = 0;
        bool value = false;
        clock::time_point at;
    };

    std::string_view name() const noexcept override { return "simulated"; }
    void open_line(const std::string& chip, unsigned offset, line_direction direction, bool initial_value) override;
    void set(const std::string& chip, unsigned offset, bool value) override;
    bool get(const std::string& chip, unsigned offset) override;
    void release(const std::string& chip, unsigned offset) noexcept override;

    /// @brief Makes open_line fail with `reason`: for every line, or only for `offset`.
    void fail_open(std::string reason, std::optional<unsigned> offset = std::nullopt);
    /// @brief The level an input line reads (default low).
    void set_input_level(unsigned offset, bool value);

    /// @brief Every value written, oldest first.
    std::vector<line_change> changes() const;
    /// @brief The values written to one line, oldest first.
    std::vector<line_change> changes_of(unsigned offset) const;
    /// @brief The line's current level while open; nullopt when not open.
    std::optional<bool> level(unsigned offset) const;
    std::optional<line_direction> direction(unsigned offset) const;
    /// @brief How many times open_line succeeded, and release gave a line back.
    int opens() const;
    int releases() const;

private:
    struct line {
        line_direction direction = line_direction::input;
        bool value = false;
    };
    void record(const std::string& chip, unsigned offset, bool value);

    mutable std::mutex mutex_;
    std::map<unsigned, line> open_;
    std::map<unsigned, bool> inputs_;
    std::vector<line_change> changes_;
    std::optional<std::string> fail_all_;
    std::map<unsigned, std::string> fail_line_;
    int opens_ = 0;
    int releases_ = 0;
};

}  // namespace chainbot::hardware
