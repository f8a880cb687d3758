#pragma once
// Walks a syntax tree. Values from the context and from literals are borrowed, not copied, until
// the caller asks for the result.

#include "expr/ast.hpp"
#include "expr/context.hpp"
#include "expr/values.hpp"

#include <boost/json/value.hpp>

#include <string>
#include <string_view>

namespace chainbot::expr::detail {

/// @brief A value that is borrowed (from the context or the tree), owned, or missing (an
/// unresolved path, seen only by default(), coalesce() and exists()).
class operand {
public:
    operand() = default;
    static operand borrow(const boost::json::value& v) noexcept {
        operand o;
        o.ref_ = &v;
        return o;
    }
    static operand own(boost::json::value v) noexcept {
        operand o;
        o.value_ = std::move(v);
        o.present_ = true;
        return o;
    }
    static operand missing() noexcept { return {}; }

    bool is_missing() const noexcept { return ref_ == nullptr && !present_; }
    bool is_owned() const noexcept { return ref_ == nullptr; }
    const boost::json::value& get() const noexcept { return ref_ != nullptr ? *ref_ : value_; }
    /// @brief The owned value, to change in place; only when is_owned().
    boost::json::value& owned() noexcept { return value_; }
    boost::json::value take() && { return ref_ != nullptr ? boost::json::value(*ref_) : std::move(value_); }

private:
    const boost::json::value* ref_ = nullptr;
    boost::json::value value_;
    bool present_ = false;
};

/// @brief One evaluate/render call: the context, the source that error messages quote, the budget.
class eval_state {
public:
    explicit eval_state(const context& ctx) : ctx_(ctx) {}

    const context& ctx() const noexcept { return ctx_; }
    const limits& lim() const noexcept { return ctx_.lim; }

    /// @brief Sets the source that the nodes about to be evaluated point into.
    void set_source(std::string_view source) noexcept { source_ = source; }

    /// @brief Spends `n` steps of the budget; throws eval_error when it runs out.
    void charge(const node& at, std::size_t n = 1) {
        steps_ += n;
        if (steps_ > ctx_.lim.max_steps) budget_exceeded(at);
    }

    /// @brief The source text of a node.
    std::string_view text(const node& n) const noexcept { return source_.substr(n.begin, n.end - n.begin); }

    /// @brief Throws eval_error "<message> in '<node text>'".
    [[noreturn]] void fail(const node& at, std::string_view message) const;

    /// @brief Throws eval_error "<message>" as it is.
    [[noreturn]] void fail_plain(const node& at, std::string message) const;

    /// @brief Throws unless `size` (bytes of a string, items of an array) is within limits.
    void check_size(const node& at, std::size_t size, std::string_view what) const;

    /// @brief Throws eval_error "<what> longer than <limit> bytes/items".
    [[noreturn]] void too_large(const node& at, std::string_view what) const;

private:
    [[noreturn]] void budget_exceeded(const node& at) const;

    const context& ctx_;
    std::string_view source_;
    std::size_t steps_ = 0;
};

/// @brief Evaluates `n`. With `lenient`, an unresolved path yields a missing operand instead of an error.
operand evaluate(eval_state& st, const node& n, bool lenient = false);

/// @brief Orders two numbers or two strings: negative, zero or positive; throws on other kinds.
int order(const eval_state& st, const node& at, const boost::json::value& a, const boost::json::value& b);

/// @brief `needle in haystack`: element of an array, substring of a string, key of an object.
bool contains(eval_state& st, const node& at, const boost::json::value& haystack, const boost::json::value& needle);

/// @brief `a / b` by the language's rules: int when exact, else double; throws on division by zero.
boost::json::value divide(const eval_state& st, const node& at, const number& a, const number& b);

/// @brief The string form used by templates and string(): strings as they are, else compact JSON.
std::string stringify(const eval_state& st, const node& at, const boost::json::value& v);

}  // namespace chainbot::expr::detail
