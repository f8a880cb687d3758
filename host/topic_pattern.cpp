#include "topic_pattern.hpp"

namespace alex_os {

// Linear-time glob with backtracking to the last `*` only: a later `*` can absorb
// anything an earlier one could, so earlier stars never need revisiting.
bool topic_pattern::matches(std::string_view topic) const noexcept {
    const std::string_view p = pattern_;
    std::size_t pi = 0;
    std::size_t ti = 0;
    std::size_t star = std::string_view::npos;
    std::size_t star_ti = 0;
    while (ti < topic.size()) {
        if (pi < p.size() && p[pi] == '*') {
            star = pi++;
            star_ti = ti;
        } else if (pi < p.size() && (p[pi] == '?' || p[pi] == topic[ti])) {
            ++pi;
            ++ti;
        } else if (star != std::string_view::npos) {
            pi = star + 1;
            ti = ++star_ti;
        } else {
            return false;
        }
    }
    while (pi < p.size() && p[pi] == '*') ++pi;
    return pi == p.size();
}

}  // namespace alex_os
