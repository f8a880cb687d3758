#include "expr/regex_guard.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <vector>

namespace chainbot::expr::detail {

namespace {

#if defined(__GLIBCXX__)
constexpr auto regex_flags = std::regex::ECMAScript | std::regex_constants::__polynomial;
#else
#error "matches() relies on libstdc++'s polynomial regex mode"
#endif

// An upper bound of the automaton's size: one per character, with `{m,n}` repeating what it applies to.
// Returns early once past `cap`.
std::size_t pattern_weight(std::string_view p, std::size_t cap) {
    std::vector<std::size_t> group_totals{0};
    std::size_t last = 0;  // weight of the latest atom, which a quantifier repeats
    std::size_t sum = 0;   // all totals, for the early exit
    auto add_atom = [&](std::size_t weight) {
        group_totals.back() += weight;
        sum += weight;
        last = weight;
    };
    std::size_t i = 0;
    while (i < p.size() && sum <= cap) {
        const char c = p[i];
        if (c == '\\') {
            add_atom(1);
            i += 2;
        } else if (c == '[') {
            std::size_t j = i + 1;
            if (j < p.size() && p[j] == '^') ++j;
            if (j < p.size() && p[j] == ']') ++j;
            while (j < p.size() && p[j] != ']') j += p[j] == '\\' ? 2 : 1;
            add_atom(1);
            i = j + 1;
        } else if (c == '(') {
            group_totals.push_back(0);
            last = 0;
            ++i;
            if (i + 1 < p.size() && p[i] == '?' && (p[i + 1] == ':' || p[i + 1] == '=' || p[i + 1] == '!')) i += 2;
        } else if (c == ')' && group_totals.size() > 1) {
            const std::size_t weight = std::max<std::size_t>(group_totals.back(), 1);
            group_totals.pop_back();
            group_totals.back() += weight;
            last = weight;
            ++i;
        } else if (c == '{') {
            std::size_t j = i + 1, low = 0, high = 0;
            bool digits = false, comma = false, high_digits = false;
            while (j < p.size() && p[j] >= '0' && p[j] <= '9') {
                low = std::min<std::size_t>(low * 10 + std::size_t(p[j] - '0'), 1000000);
                digits = true;
                ++j;
            }
            if (j < p.size() && p[j] == ',') {
                comma = true;
                ++j;
                while (j < p.size() && p[j] >= '0' && p[j] <= '9') {
                    high = std::min<std::size_t>(high * 10 + std::size_t(p[j] - '0'), 1000000);
                    high_digits = true;
                    ++j;
                }
            }
            if (digits && j < p.size() && p[j] == '}') {
                const std::size_t times = std::max<std::size_t>(high_digits ? high : comma ? low + 1 : low, 1);
                const std::size_t extra = last * (times - 1);
                group_totals.back() += extra;
                sum += extra;
                last *= times;
                i = j + 1;
            } else {
                add_atom(1);
                ++i;
            }
        } else if (c == '|') {
            last = 0;
            ++i;
        } else if (c == '*' || c == '+' || c == '?') {
            ++i;
        } else {
            add_atom(1);
            ++i;
        }
    }
    return sum;
}

}  // namespace

std::shared_ptr<const compiled_regex> compile_regex(std::string_view pattern, const limits& lim,
                                                    std::string& problem) {
    if (pattern.size() > lim.max_regex_pattern || pattern_weight(pattern, lim.max_regex_pattern) > lim.max_regex_pattern) {
        problem = fmt::format("regular expression too complex (more than {} characters with repetitions expanded)",
                              lim.max_regex_pattern);
        return nullptr;
    }
    try {
        // Compiled alone first: an unbalanced pattern such as "a)|(b" must not escape the wrapping group.
        std::regex alone(pattern.begin(), pattern.end(), regex_flags);
        auto re = std::make_shared<compiled_regex>();
        const std::string wrapped = fmt::format("[\\s\\S]*?(?:{})[\\s\\S]*", pattern);
        re->wrapped.assign(wrapped, regex_flags);
        return re;
    } catch (const std::regex_error& e) {
        problem = fmt::format("invalid regular expression: {}", e.what());
        return nullptr;
    }
}

bool regex_search(const compiled_regex& re, std::string_view text) {
    return std::regex_match(text.begin(), text.end(), re.wrapped);
}

}  // namespace chainbot::expr::detail
