#pragma once
// matches() on std::regex, made safe: libstdc++'s polynomial mode (a Thompson-style simulation, no
// backtracking, no back-references), a cap on the pattern's expanded size, and a search run as one
// anchored match so that the cost is linear in the input.

#include "expr/context.hpp"

#include <memory>
#include <regex>
#include <string>
#include <string_view>

namespace chainbot::expr::detail {

struct compiled_regex {
    std::regex wrapped;  // [\s\S]*?(?:pattern)[\s\S]*
};

/// @brief Compiles `pattern`; on rejection returns nullptr and describes why in `problem`.
std::shared_ptr<const compiled_regex> compile_regex(std::string_view pattern, const limits& lim,
                                                    std::string& problem);

/// @brief True when the pattern matches somewhere in `text`; may throw std::regex_error.
bool regex_search(const compiled_regex& re, std::string_view text);

}  // namespace chainbot::expr::detail
