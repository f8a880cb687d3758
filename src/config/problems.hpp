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
        lines_.push_back(one_line(source) + ": " + one_line(what));
    }
    /// @brief Adds "<source>: <key>: <what>".
    void add(std::string_view source, std::string_view key, std::string_view what) {
        lines_.push_back(one_line(source) + ": " + one_line(key) + ": " + one_line(what));
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
    /// Keys and quoted values come from files and variables: a line break in one would split a
    /// problem over lines (or forge one in a log), so control characters are written escaped.
    static std::string one_line(std::string_view text) {
        std::string out;
        out.reserve(text.size());
        for (const char c : text) {
            const auto u = static_cast<unsigned char>(c);
            if (c == '\n') out += "\\n";
            else if (c == '\r') out += "\\r";
            else if (c == '\t') out += "\\t";
            else if (u < 0x20 || u == 0x7f) out += "\\x" + std::string(1, "0123456789abcdef"[u >> 4]) + "0123456789abcdef"[u & 15];
            else out.push_back(c);
        }
        return out;
    }

    std::vector<std::string> lines_;
};

}  // namespace chainbot::config
