#include "expr/evaluator.hpp"

#include "expr/error.hpp"
#include "expr/functions.hpp"
#include "expr/values.hpp"

#include <fmt/format.h>

#include <cmath>
#include <limits>

namespace chainbot::expr::detail {

namespace {

// Error messages quote at most this much of the failing expression.
constexpr std::size_t max_quote = 80;

std::string quote(std::string_view text) {
    if (text.size() <= max_quote) return std::string(text);
    std::size_t cut = max_quote - 3;
    while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;  // whole UTF-8 characters
    return std::string(text.substr(0, cut)) + "...";
}

std::string_view symbol(op o) {
    switch (o) {
    case op::add: return "+";
    case op::sub: return "-";
    case op::mul: return "*";
    case op::div: return "/";
    case op::mod: return "%";
    case op::eq: return "==";
    case op::ne: return "!=";
    case op::lt: return "<";
    case op::le: return "<=";
    case op::gt: return ">";
    case op::ge: return ">=";
    case op::in: return "in";
    case op::not_in: return "not in";
    case op::neg: return "-";
    case op::logical_not: return "not";
    case op::logical_and: return "and";
    case op::logical_or: return "or";
    }
    return "?";
}

boost::json::value finite(const eval_state& st, const node& at, double d) {
    if (!std::isfinite(d)) st.fail(at, "result is not a finite number");
    return d;
}

[[noreturn]] void overflow(const eval_state& st, const node& at) { st.fail(at, "integer overflow"); }

boost::json::value arithmetic(const eval_state& st, const node& at, op o, const number& a, const number& b) {
    if (a.is_int && b.is_int) {
        std::int64_t r = 0;
        switch (o) {
        case op::add:
            if (__builtin_add_overflow(a.i, b.i, &r)) overflow(st, at);
            return r;
        case op::sub:
            if (__builtin_sub_overflow(a.i, b.i, &r)) overflow(st, at);
            return r;
        case op::mul:
            if (__builtin_mul_overflow(a.i, b.i, &r)) overflow(st, at);
            return r;
        case op::div: return divide(st, at, a, b);
        case op::mod:
            if (b.i == 0) st.fail(at, "division by zero");
            return b.i == -1 ? 0 : a.i % b.i;  // INT64_MIN % -1 is undefined in C++
        default: break;
        }
    }
    const double x = a.as_double(), y = b.as_double();
    switch (o) {
    case op::add: return finite(st, at, x + y);
    case op::sub: return finite(st, at, x - y);
    case op::mul: return finite(st, at, x * y);
    case op::div: return divide(st, at, a, b);
    case op::mod:
        if (y == 0) st.fail(at, "division by zero");
        return finite(st, at, std::fmod(x, y));
    default: return nullptr;
    }
}

// Appends in place when the left side is already ours: a chain `a + b + c` copies each part once.
operand concatenate(eval_state& st, const node& at, operand lhs, const boost::json::value& rhs) {
    const auto& left = lhs.get();
    if (left.is_string()) {
        const auto& tail = rhs.get_string();
        st.check_size(at, left.get_string().size() + tail.size(), "string");
        if (!lhs.is_owned()) lhs = operand::own(left);
        lhs.owned().get_string().append(tail);
        return lhs;
    }
    const auto& tail = rhs.get_array();
    st.check_size(at, left.get_array().size() + tail.size(), "array");
    st.charge(at, tail.size());
    if (!lhs.is_owned()) {
        st.charge(at, left.get_array().size());
        lhs = operand::own(left);
    }
    auto& items = lhs.owned().get_array();
    items.insert(items.end(), tail.begin(), tail.end());
    return lhs;
}

operand eval_arith(eval_state& st, const node& n) {
    operand acc = evaluate(st, *n.children[0]);
    for (std::size_t i = 0; i < n.ops.size(); ++i) {
        const operand rhs = evaluate(st, *n.children[i + 1]);
        const op o = n.ops[i];
        const auto& a = acc.get();
        const auto& b = rhs.get();
        if (o == op::add && ((a.is_string() && b.is_string()) || (a.is_array() && b.is_array()))) {
            acc = concatenate(st, n, std::move(acc), b);
            continue;
        }
        const auto x = to_number(a), y = to_number(b);
        if (!x || !y)
            st.fail(n, fmt::format("cannot apply '{}' to {} and {}", symbol(o), kind_name(a), kind_name(b)));
        acc = operand::own(arithmetic(st, n, o, *x, *y));
    }
    return acc;
}

operand eval_unary(eval_state& st, const node& n) {
    const operand v = evaluate(st, *n.children[0]);
    if (n.oper == op::logical_not) return operand::own(!truthy(v.get()));
    const auto x = to_number(v.get());
    if (!x) st.fail(n, fmt::format("cannot negate {}", kind_name(v.get())));
    if (!x->is_int) return operand::own(-x->d);
    if (x->i == std::numeric_limits<std::int64_t>::min()) overflow(st, n);
    return operand::own(-x->i);
}

operand eval_compare(eval_state& st, const node& n) {
    const operand a = evaluate(st, *n.children[0]);
    const operand b = evaluate(st, *n.children[1]);
    bool result = false;
    switch (n.oper) {
    case op::eq: result = deep_equal(a.get(), b.get()); break;
    case op::ne: result = !deep_equal(a.get(), b.get()); break;
    case op::lt: result = order(st, n, a.get(), b.get()) < 0; break;
    case op::le: result = order(st, n, a.get(), b.get()) <= 0; break;
    case op::gt: result = order(st, n, a.get(), b.get()) > 0; break;
    case op::ge: result = order(st, n, a.get(), b.get()) >= 0; break;
    case op::in: result = contains(st, n, b.get(), a.get()); break;
    case op::not_in: result = !contains(st, n, b.get(), a.get()); break;
    default: break;
    }
    return operand::own(result);
}

operand eval_logical(eval_state& st, const node& n) {
    const bool is_and = n.oper == op::logical_and;
    for (const auto& child : n.children)
        if (truthy(evaluate(st, *child).get()) != is_and) return operand::own(!is_and);
    return operand::own(is_and);
}

operand eval_array(eval_state& st, const node& n) {
    boost::json::array items;
    items.reserve(n.children.size());
    for (const auto& child : n.children) items.push_back(evaluate(st, *child).take());
    return operand::own(std::move(items));
}

// One step of a path; nullptr when it leads nowhere.
const boost::json::value* step_key(const eval_state& st, const node& n, const boost::json::value& from,
                                   std::string_view key, bool lenient) {
    if (const auto* object = from.if_object()) return object->if_contains(key);
    if (lenient) return nullptr;
    st.fail(n, fmt::format("cannot read key '{}' of {}", key, kind_name(from)));
}

const boost::json::value* step_index(const eval_state& st, const node& n, const boost::json::value& from,
                                     std::int64_t index, bool lenient) {
    if (const auto* array = from.if_array()) {
        const auto size = static_cast<std::int64_t>(array->size());
        if (index < 0) index += size;
        if (index < 0 || index >= size) return nullptr;
        return &(*array)[static_cast<std::size_t>(index)];
    }
    if (lenient) return nullptr;
    st.fail(n, fmt::format("cannot index {} with a number", kind_name(from)));
}

operand eval_path(eval_state& st, const node& n, bool lenient) {
    operand base;
    const boost::json::value* current = nullptr;
    if (!n.root.empty()) {
        current = st.ctx().resolve ? st.ctx().resolve(n.root) : nullptr;
    } else {
        base = evaluate(st, *n.children[0], lenient);
        if (base.is_missing()) return base;
        current = &base.get();
    }
    for (const auto& seg : n.segments) {
        if (current == nullptr) break;
        switch (seg.type) {
        case segment::kind::key: current = step_key(st, n, *current, seg.key, lenient); break;
        case segment::kind::index: current = step_index(st, n, *current, seg.index, lenient); break;
        case segment::kind::computed: {
            const operand index = evaluate(st, *seg.expr, lenient);
            if (index.is_missing()) return index;
            const auto& i = index.get();
            if (i.is_string()) {
                current = step_key(st, n, *current, i.get_string(), lenient);
            } else if (const auto number = to_number(i)) {
                const auto whole = number->is_int ? std::optional<std::int64_t>(number->i) : exact_int(number->d);
                if (!whole) st.fail(n, "array index is not a whole number");
                current = step_index(st, n, *current, *whole, lenient);
            } else {
                st.fail(n, fmt::format("index must be a number or a string, not {}", kind_name(i)));
            }
            break;
        }
        }
    }
    if (current == nullptr) {
        if (lenient) return operand::missing();
        st.fail_plain(n, fmt::format("unknown reference {}", quote(st.text(n))));
    }
    if (!n.root.empty() || !base.is_owned()) return operand::borrow(*current);
    if (current == &base.get()) return base;
    return operand::own(*current);  // a part of a value about to be destroyed
}

}  // namespace

void eval_state::fail(const node& at, std::string_view message) const {
    throw eval_error(fmt::format("{} in '{}'", message, quote(text(at))), at.begin);
}

void eval_state::fail_plain(const node& at, std::string message) const { throw eval_error(message, at.begin); }

void eval_state::check_size(const node& at, std::size_t size, std::string_view what) const {
    if (size > ctx_.lim.max_value_size) too_large(at, what);
}

void eval_state::too_large(const node& at, std::string_view what) const {
    fail(at, fmt::format("{} longer than {} {}", what, ctx_.lim.max_value_size, what == "array" ? "items" : "bytes"));
}

void eval_state::budget_exceeded(const node& at) const {
    fail(at, fmt::format("evaluation budget of {} steps exceeded", ctx_.lim.max_steps));
}

operand evaluate(eval_state& st, const node& n, bool lenient) {
    st.charge(n);
    switch (n.kind) {
    case node_kind::literal: return operand::borrow(n.literal);
    case node_kind::array: return eval_array(st, n);
    case node_kind::path: return eval_path(st, n, lenient);
    case node_kind::unary: return eval_unary(st, n);
    case node_kind::arith: return eval_arith(st, n);
    case node_kind::compare: return eval_compare(st, n);
    case node_kind::logical: return eval_logical(st, n);
    case node_kind::call: return invoke(st, n);
    }
    return operand::own(nullptr);
}

int order(const eval_state& st, const node& at, const boost::json::value& a, const boost::json::value& b) {
    const auto x = to_number(a), y = to_number(b);
    if (x && y) {
        if (x->is_int && y->is_int) return x->i < y->i ? -1 : x->i > y->i ? 1 : 0;
        const double p = x->as_double(), q = y->as_double();
        return p < q ? -1 : p > q ? 1 : 0;
    }
    if (a.is_string() && b.is_string()) {
        const int c = std::string_view(a.get_string()).compare(std::string_view(b.get_string()));
        return c < 0 ? -1 : c > 0 ? 1 : 0;
    }
    st.fail(at, fmt::format("cannot compare {} with {}", kind_name(a), kind_name(b)));
}

bool contains(eval_state& st, const node& at, const boost::json::value& haystack, const boost::json::value& needle) {
    if (const auto* array = haystack.if_array()) {
        st.charge(at, array->size());
        for (const auto& item : *array)
            if (deep_equal(item, needle)) return true;
        return false;
    }
    if (haystack.is_string() || haystack.is_object()) {
        if (!needle.is_string())
            st.fail(at, fmt::format("cannot look for {} in {}", kind_name(needle), kind_name(haystack)));
        if (haystack.is_object()) return haystack.get_object().contains(needle.get_string());
        return std::string_view(haystack.get_string()).find(std::string_view(needle.get_string())) !=
               std::string_view::npos;
    }
    st.fail(at, fmt::format("cannot look for a value in {}", kind_name(haystack)));
}

boost::json::value divide(const eval_state& st, const node& at, const number& a, const number& b) {
    if (b.is_int ? b.i == 0 : b.d == 0) st.fail(at, "division by zero");
    if (a.is_int && b.is_int) {
        if (a.i == std::numeric_limits<std::int64_t>::min() && b.i == -1) overflow(st, at);
        if (a.i % b.i == 0) return a.i / b.i;
    }
    return finite(st, at, a.as_double() / b.as_double());
}

std::string stringify(const eval_state& st, const node& at, const boost::json::value& v) {
    std::string out;
    if (!append_text(out, v, st.lim().max_value_size)) st.too_large(at, "string");
    return out;
}

}  // namespace chainbot::expr::detail
