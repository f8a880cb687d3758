#pragma once
#include <string_view>

namespace chainbot {

/// @brief Glob match of an event topic: `*` matches any run of characters
/// (dots included, so "chainbot.workflow.*" matches "chainbot.workflow.step.completed"),
/// `?` matches one character; everything else matches itself.
bool topic_matches(std::string_view pattern, std::string_view topic) noexcept;

}  // namespace chainbot
