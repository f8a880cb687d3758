#pragma once
// Value semantics shared by operators and functions: kinds, truthiness, numbers, equality, text.

#include <boost/json/value.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace chainbot::expr::detail {

/// @brief "null", "boolean", "number", "string", "array" or "object".
std::string_view kind_name(const boost::json::value& v) noexcept;

/// @brief False for null, false, 0, 0.0, "", [] and {}; true otherwise.
bool truthy(const boost::json::value& v) noexcept;

/// @brief A JSON number seen as int64 when it is an integer that fits, else as double.
struct number {
    bool is_int = true;
    std::int64_t i = 0;
    double d = 0;
    double as_double() const noexcept { return is_int ? double(i) : d; }
};

std::optional<number> to_number(const boost::json::value& v) noexcept;

/// @brief An integral double in int64 range becomes an int64; anything else stays as it is.
std::optional<std::int64_t> exact_int(double d) noexcept;

/// @brief Structural equality where numbers compare by value (1 == 1.0).
bool deep_equal(const boost::json::value& a, const boost::json::value& b);

/// @brief Appends compact JSON; returns false (leaving the text cut short) once `out` passes `cap` bytes.
bool append_json(std::string& out, const boost::json::value& v, std::size_t cap);

/// @brief Appends a string's characters as they are, anything else as compact JSON; false past `cap`.
bool append_text(std::string& out, const boost::json::value& v, std::size_t cap);

/// @brief Number of UTF-8 code points (continuation bytes are not counted).
std::size_t utf8_length(std::string_view s) noexcept;

}  // namespace chainbot::expr::detail
