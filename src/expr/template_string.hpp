#pragma once
// Strings with `${…}` placeholders, and JSON documents whose strings are such templates.

#include "expr/context.hpp"
#include "expr/error.hpp"

#include <boost/json/value.hpp>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace chainbot::expr {

namespace detail {
struct template_program;
struct compiled_node;
}

/// @brief A parsed template. A template that is exactly one `${expr}` renders to the typed value of
/// the expression; any other renders to a string in which each value is stringified (strings as
/// they are, everything else as compact JSON). `$${` stands for a literal `${`.
/// @code
/// template_string::parse("${input.count}").render(ctx);        // 3 (a number)
/// template_string::parse("Bearer ${api_token}").render(ctx);   // "Bearer abc"
/// @endcode
class template_string {
public:
    /// @brief The empty template: renders to "".
    template_string() = default;

    /// @brief Parses `text`; throws parse_error with the column inside `text`.
    static template_string parse(std::string_view text, const limits& lim = {});

    /// @brief The rendered value (typed for a single `${expr}`, else a string); throws eval_error.
    boost::json::value render(const context& ctx) const;

    /// @brief The rendered value as a string (a single `${expr}` is stringified); throws eval_error.
    std::string render_string(const context& ctx) const;

    /// @brief True when the text is exactly one `${expr}`.
    bool is_single_expression() const noexcept;

    /// @brief True when the text has no `${…}` (it renders to itself, with `$${` unescaped).
    bool is_constant() const noexcept;

    /// @brief The distinct root names referenced by the placeholders, sorted.
    const std::vector<std::string>& references() const noexcept;

    /// @brief The text it was parsed from.
    std::string_view source() const noexcept;

    /// @brief For the library's own JSON walkers.
    const detail::template_program* program() const noexcept { return program_.get(); }

private:
    explicit template_string(std::shared_ptr<const detail::template_program> p) : program_(std::move(p)) {}
    std::shared_ptr<const detail::template_program> program_;
};

/// @brief A JSON document whose template strings are parsed once (a step's config).
class compiled_json {
public:
    /// @brief Renders to null.
    compiled_json() = default;

    /// @brief The document with every template string rendered; throws eval_error whose
    /// message starts with the JSON pointer of the failing string ("/headers/Authorization: …").
    boost::json::value render(const context& ctx) const;

    /// @brief The distinct root names referenced anywhere in the document, sorted.
    const std::vector<std::string>& references() const noexcept;

    /// @brief True when the document has no template string at all.
    bool is_constant() const noexcept;

private:
    friend compiled_json compile_json(const boost::json::value& document, const limits& lim);
    struct state;
    std::shared_ptr<const state> state_;
};

/// @brief Parses every string of `document` that contains `${` (object keys are left as they are).
/// Throws parse_error whose message starts with the JSON pointer of the failing string.
compiled_json compile_json(const boost::json::value& document, const limits& lim = {});

/// @brief Renders every string of `document` that contains `${`, parsing as it goes (for one-off use;
/// prefer compile_json for documents rendered repeatedly). Throws parse_error or eval_error whose
/// message starts with the JSON pointer of the failing string. Parse limits come from ctx.lim.
boost::json::value render_json(const boost::json::value& document, const context& ctx);

}  // namespace chainbot::expr
