#pragma once
// Collects every configuration problem so that one config_error reports them all,
// one per line: "<source>: <dotted key>: <what was expected, what was found>".

#include <chainbot/module.hpp>  // config_error

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace chainbot::config {

class problem_list {
public:
    /// @brief Adds "<source>: <what>".
    void add(std::string_view source, std::string_view what) {
        lines_.push_back(std::string(source) + ": " + std::string(what));
    }
    /// @brief Adds "<source>: <key>: <what>".
    void add(std::string_view source, std::string_view key, std::string_view what) {
        lines_.push_back(std::string(source) + ": " + std::string(key) + ": " + std::string(what));
    }
    bool empty() const noexcept { return lines_.empty(); }
    const std::vector<std::string>& lines() const noexcept { return lines_; }

    /// @brief Throws config_error listing every problem, one per line, if there is any.
    void throw_if_any() const {
        if (lines_.empty()) return;
        std::string message;
        for (const auto& line : lines_) message += (message.empty() ? "" : "\n") + line;
        throw config_error(message);
    }

private:
    std::vector<std::string> lines_;
};

}  // namespace chainbot::config
