#include "util/topic_pattern.hpp"

namespace chainbot {

// Iterative glob with single backtrack point: linear in practice, no recursion depth to exhaust.
bool topic_matches(std::string_view pattern, std::string_view topic) noexcept {
    std::size_t p = 0, t = 0, star = std::string_view::npos, mark = 0;
    while (t < topic.size()) {
        if (p < pattern.size() && (pattern[p] == '?' || pattern[p] == topic[t])) {
            ++p;
            ++t;
        } else if (p < pattern.size() && pattern[p] == '*') {
            star = p++;
            mark = t;
        } else if (star != std::string_view::npos) {
            p = star + 1;
            t = ++mark;
        } else {
            return false;
        }
    }
    while (p < pattern.size() && pattern[p] == '*') ++p;
    return p == pattern.size();
}

}  // namespace chainbot
