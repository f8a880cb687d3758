#pragma once
/// @file topic_pattern.hpp
/// @brief Glob patterns over event topics, written here because the host may use
/// nothing of the module's sources.

#include <string>
#include <string_view>

namespace alex_os {

/// @brief A topic glob: `*` matches any run of characters, dots included
/// ("chainbot.workflow.*" matches "chainbot.workflow.step.completed"), `?` matches
/// exactly one character, anything else matches itself. The empty pattern matches
/// only the empty topic.
class topic_pattern {
public:
    explicit topic_pattern(std::string pattern) : pattern_(std::move(pattern)) {}

    /// @brief True when the whole of `topic` matches the pattern.
    [[nodiscard]] bool matches(std::string_view topic) const noexcept;

    [[nodiscard]] const std::string& text() const noexcept { return pattern_; }

private:
    std::string pattern_;
};

}  // namespace alex_os
