#pragma once
/// @file thermal_state.hpp
/// @brief Hot or normal, with hysteresis: the CPU becomes hot above the threshold and
/// normal again only below threshold minus hysteresis, so a temperature hovering at
/// the threshold does not flap between the two.

#include <optional>

namespace chainbot::hardware {

enum class thermal_transition { none, overheated, recovered };

class thermal_state {
public:
    /// @brief Feeds one reading; an unavailable one changes nothing (no data is no news).
    thermal_transition update(std::optional<double> celsius, double threshold, double hysteresis) noexcept {
        if (!celsius) return thermal_transition::none;
        if (!hot_ && *celsius > threshold) {
            hot_ = true;
            return thermal_transition::overheated;
        }
        if (hot_ && *celsius < threshold - hysteresis) {
            hot_ = false;
            return thermal_transition::recovered;
        }
        return thermal_transition::none;
    }
    bool hot() const noexcept { return hot_; }
    void reset() noexcept { hot_ = false; }

private:
    bool hot_ = false;
};

}  // namespace chainbot::hardware
