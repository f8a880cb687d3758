#include "expr/functions.hpp"

#include "expr/values.hpp"

#include <fmt/format.h>

#include <cmath>
#include <limits>

namespace chainbot::expr::detail::math_functions {

namespace {

number need_number(const eval_state& st, const node& call, const boost::json::value& v) {
    const auto n = to_number(v);
    if (!n) wrong_type(st, call, "a number", v);
    return *n;
}

// A whole double becomes an int when it fits; JSON consumers then see 3, not 3.0.
operand whole(double d) {
    if (const auto i = exact_int(d)) return operand::own(*i);
    return operand::own(d);
}

std::int64_t power_of_ten(int exponent) {
    std::int64_t p = 1;
    for (int i = 0; i < exponent; ++i) p *= 10;
    return p;
}

// The values min/max/sum/avg work on: the items of a single array argument, or the arguments.
template <typename F>
void for_each_value(eval_state& st, const node& call, std::span<operand> args, bool allow_varargs, F&& f) {
    if (args.size() == 1 && args[0].get().is_array()) {
        const auto& items = args[0].get().get_array();
        st.charge(call, items.size());
        for (const auto& item : items) f(item);
        return;
    }
    if (!allow_varargs) wrong_type(st, call, "an array", args[0].get());
    for (const auto& arg : args) f(arg.get());
}

operand extreme(eval_state& st, const node& call, std::span<operand> args, int sign) {
    const boost::json::value* best = nullptr;
    for_each_value(st, call, args, true, [&](const boost::json::value& v) {
        if (!to_number(v) && !v.is_string()) wrong_type(st, call, "numbers or strings", v);
        if (best == nullptr || order(st, call, v, *best) * sign > 0) best = &v;
    });
    return best == nullptr ? operand::own(nullptr) : operand::own(*best);
}

}  // namespace

operand round(eval_state& st, const node& call, std::span<operand> args) {
    const number x = need_number(st, call, args[0].get());
    int digits = 0;
    if (args.size() > 1) {
        const number d = need_number(st, call, args[1].get());
        if (!d.is_int || d.i < -15 || d.i > 15) st.fail(call, "round: digits must be a whole number from -15 to 15");
        digits = int(d.i);
    }
    if (x.is_int) {
        if (digits >= 0) return operand::own(x.i);
        // Half away from zero, in integers: round(1250, -2) is 1300.
        const std::int64_t p = power_of_ten(-digits);
        std::int64_t q = x.i / p;
        const std::int64_t r = x.i % p;
        if (r >= p - r) ++q;
        else if (-r >= p + r) --q;
        std::int64_t result = 0;
        if (__builtin_mul_overflow(q, p, &result)) st.fail(call, "integer overflow");
        return operand::own(result);
    }
    if (digits == 0) return whole(std::round(x.d));
    if (digits > 0) {
        const double p = double(power_of_ten(digits));
        const double scaled = x.d * p;
        return operand::own(std::isfinite(scaled) ? std::round(scaled) / p : x.d);
    }
    const double p = double(power_of_ten(-digits));
    return whole(std::round(x.d / p) * p);
}

operand floor(eval_state& st, const node& call, std::span<operand> args) {
    const number x = need_number(st, call, args[0].get());
    return x.is_int ? operand::own(x.i) : whole(std::floor(x.d));
}

operand ceil(eval_state& st, const node& call, std::span<operand> args) {
    const number x = need_number(st, call, args[0].get());
    return x.is_int ? operand::own(x.i) : whole(std::ceil(x.d));
}

operand abs(eval_state& st, const node& call, std::span<operand> args) {
    const number x = need_number(st, call, args[0].get());
    if (!x.is_int) return operand::own(std::fabs(x.d));
    if (x.i == std::numeric_limits<std::int64_t>::min()) st.fail(call, "integer overflow");
    return operand::own(x.i < 0 ? -x.i : x.i);
}

operand min(eval_state& st, const node& call, std::span<operand> args) { return extreme(st, call, args, -1); }

operand max(eval_state& st, const node& call, std::span<operand> args) { return extreme(st, call, args, 1); }

namespace {

// The sum as an int while every item is one and no overflow happens, else as a double.
number total(eval_state& st, const node& call, std::span<operand> args, std::size_t& count) {
    number acc{true, 0, 0};
    count = 0;
    for_each_value(st, call, args, false, [&](const boost::json::value& v) {
        const auto n = to_number(v);
        if (!n) st.fail(call, fmt::format("{}: expected an array of numbers, found {} at index {}", call.fn->name,
                                          kind_name(v), count));
        ++count;
        if (acc.is_int && n->is_int) {
            if (__builtin_add_overflow(acc.i, n->i, &acc.i)) st.fail(call, "integer overflow");
            return;
        }
        acc = number{false, 0, acc.as_double() + n->as_double()};
    });
    if (!acc.is_int && !std::isfinite(acc.d)) st.fail(call, "result is not a finite number");
    return acc;
}

}  // namespace

operand sum(eval_state& st, const node& call, std::span<operand> args) {
    std::size_t count = 0;
    const number n = total(st, call, args, count);
    return n.is_int ? operand::own(n.i) : operand::own(n.d);
}

operand avg(eval_state& st, const node& call, std::span<operand> args) {
    std::size_t count = 0;
    const number n = total(st, call, args, count);
    if (count == 0) return operand::own(nullptr);
    return operand::own(divide(st, call, n, number{true, std::int64_t(count), 0}));
}

}  // namespace chainbot::expr::detail::math_functions
