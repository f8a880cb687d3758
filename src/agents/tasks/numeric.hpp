#pragma once
// Arithmetic over lists of doubles that stays finite: large magnitudes are scaled before sums of
// squares, so that no result is NaN or infinity where the true answer is finite.

#include <optional>
#include <vector>

namespace chainbot::agents::tasks {

/// @brief Mean and population standard deviation (divided by n, not n - 1); {0, 0} when empty.
struct moments {
    double mean = 0;
    double stddev = 0;
};
moments population_moments(const std::vector<double>& xs);

/// @brief (x - mean) / stddev for each x; all 0 when stddev is 0.
std::vector<double> z_scores(const std::vector<double>& xs);

/// @brief (x - min) / (max - min) for each x; all 0 when max == min (a constant field).
std::vector<double> min_max_scaled(const std::vector<double>& xs);

/// @brief The p-th percentile (0..100) of sorted values by linear interpolation between closest
/// ranks: rank = p / 100 * (n - 1), as NumPy's default and Excel's PERCENTILE.INC. nullopt when empty.
std::optional<double> percentile(const std::vector<double>& sorted, double p);

}  // namespace chainbot::agents::tasks
