#include "agents/tasks/numeric.hpp"

#include <algorithm>
#include <cmath>

namespace chainbot::agents::tasks {

namespace {

// Below these magnitudes, sums of up to 100 000 squares cannot overflow or underflow to zero.
constexpr double large = 1e150;
constexpr double small = 1e-150;

double max_abs(const std::vector<double>& xs) {
    double m = 0;
    for (double x : xs) m = std::max(m, std::fabs(x));
    return m;
}

moments direct_moments(const std::vector<double>& xs, double scale) {
    double sum = 0;
    for (double x : xs) sum += x / scale;
    const double n = static_cast<double>(xs.size());
    const double mean = sum / n;
    double squares = 0;
    for (double x : xs) squares += (x / scale - mean) * (x / scale - mean);
    return {mean, std::sqrt(squares / n)};
}

// The scale that keeps sums finite: 1 for ordinary values, else the largest magnitude.
double safe_scale(const std::vector<double>& xs) {
    const double m = max_abs(xs);
    return (m > large || (m > 0 && m < small)) ? m : 1.0;
}

}  // namespace

moments population_moments(const std::vector<double>& xs) {
    if (xs.empty()) return {};
    const double scale = safe_scale(xs);
    const auto m = direct_moments(xs, scale);
    return {m.mean * scale, m.stddev * scale};
}

std::vector<double> z_scores(const std::vector<double>& xs) {
    std::vector<double> out(xs.size(), 0.0);
    if (xs.empty()) return out;
    const double scale = safe_scale(xs);
    const auto m = direct_moments(xs, scale);
    if (!(m.stddev > 0)) return out;
    for (std::size_t i = 0; i < xs.size(); ++i) out[i] = (xs[i] / scale - m.mean) / m.stddev;
    return out;
}

std::vector<double> min_max_scaled(const std::vector<double>& xs) {
    std::vector<double> out(xs.size(), 0.0);
    if (xs.empty()) return out;
    const auto [lo_it, hi_it] = std::minmax_element(xs.begin(), xs.end());
    const double lo = *lo_it, hi = *hi_it;
    if (!(hi > lo)) return out;
    const double range = hi - lo;
    for (std::size_t i = 0; i < xs.size(); ++i)
        out[i] = std::isfinite(range) ? (xs[i] - lo) / range : (xs[i] / 2 - lo / 2) / (hi / 2 - lo / 2);
    return out;
}

std::optional<double> percentile(const std::vector<double>& sorted, double p) {
    if (sorted.empty()) return std::nullopt;
    const double rank = p * static_cast<double>(sorted.size() - 1) / 100.0;
    const auto lo = static_cast<std::size_t>(std::floor(rank));
    const auto hi = std::min(sorted.size() - 1, static_cast<std::size_t>(std::ceil(rank)));
    const double t = rank - static_cast<double>(lo);
    const double a = sorted[lo], b = sorted[hi];
    if (lo == hi || a == b) return a;
    const double diff = b - a;
    return std::isfinite(diff) ? a + t * diff : a * (1 - t) + b * t;
}

}  // namespace chainbot::agents::tasks
