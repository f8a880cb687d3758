#include "expr/functions.hpp"

#include "expr/error.hpp"
#include "expr/values.hpp"

#include <boost/container/small_vector.hpp>
#include <boost/json/parse.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>

namespace chainbot::expr::detail {

namespace {

using args_t = std::span<operand>;

// Parses a whole string as a number: an integer when it is one and fits, else a finite double.
std::optional<boost::json::value> parse_number(std::string_view s) {
    constexpr std::string_view space = " \t\n\r\f\v";
    const auto first = s.find_first_not_of(space);
    if (first == std::string_view::npos) return std::nullopt;
    s = s.substr(first, s.find_last_not_of(space) - first + 1);
    if (s.size() > 1 && s[0] == '+' && s[1] != '-') s.remove_prefix(1);
    const char* end = s.data() + s.size();
    std::int64_t i = 0;
    if (auto [p, ec] = std::from_chars(s.data(), end, i); ec == std::errc{} && p == end) return boost::json::value(i);
    double d = 0;
    if (auto [p, ec] = std::from_chars(s.data(), end, d); ec == std::errc{} && p == end && std::isfinite(d))
        return boost::json::value(d);
    return std::nullopt;
}

operand fn_now(eval_state& st, const node&, args_t) {
    return operand::own(boost::json::string(st.ctx().clock ? st.ctx().clock() : system_clock_iso8601()));
}

operand fn_number(eval_state& st, const node& call, args_t args) {
    const auto& v = args[0].get();
    if (to_number(v)) return std::move(args[0]);
    if (v.is_bool()) return operand::own(std::int64_t(v.get_bool()));
    if (!v.is_string()) wrong_type(st, call, "a string, number or boolean", v);
    auto parsed = parse_number(v.get_string());
    if (!parsed) st.fail(call, fmt::format("number: '{}' is not a number", std::string_view(v.get_string()).substr(0, 40)));
    return operand::own(std::move(*parsed));
}

operand fn_int(eval_state& st, const node& call, args_t args) {
    operand n = fn_number(st, call, args);
    const auto x = to_number(n.get());
    if (x->is_int) return operand::own(x->i);
    const auto whole = exact_int(std::trunc(x->d));
    if (!whole) st.fail(call, "int: number out of integer range");
    return operand::own(*whole);
}

operand fn_string(eval_state& st, const node& call, args_t args) {
    if (args[0].get().is_string()) return std::move(args[0]);
    return operand::own(boost::json::string(stringify(st, call, args[0].get())));
}

operand fn_bool(eval_state&, const node&, args_t args) { return operand::own(truthy(args[0].get())); }

operand fn_keys(eval_state& st, const node& call, args_t args) {
    const auto* object = args[0].get().if_object();
    if (object == nullptr) wrong_type(st, call, "an object", args[0].get());
    st.charge(call, object->size());
    boost::json::array keys;
    keys.reserve(object->size());
    for (const auto& member : *object) keys.emplace_back(member.key());
    return operand::own(std::move(keys));
}

operand fn_values(eval_state& st, const node& call, args_t args) {
    const auto* object = args[0].get().if_object();
    if (object == nullptr) wrong_type(st, call, "an object", args[0].get());
    st.charge(call, object->size());
    boost::json::array values;
    values.reserve(object->size());
    for (const auto& member : *object) values.push_back(member.value());
    return operand::own(std::move(values));
}

operand fn_type_of(eval_state&, const node&, args_t args) {
    return operand::own(boost::json::string(kind_name(args[0].get())));
}

operand fn_json_parse(eval_state& st, const node& call, args_t args) {
    const auto& v = args[0].get();
    if (!v.is_string()) wrong_type(st, call, "a string", v);
    st.charge(call, v.get_string().size() / 64);
    boost::json::parse_options options;
    options.max_depth = st.lim().max_depth;
    boost::system::error_code ec;
    auto parsed = boost::json::parse(v.get_string(), ec, {}, options);
    if (ec) st.fail(call, fmt::format("json_parse: {}", ec.message()));
    return operand::own(std::move(parsed));
}

operand fn_json_stringify(eval_state& st, const node& call, args_t args) {
    std::string out;
    if (!append_json(out, args[0].get(), st.lim().max_value_size)) st.too_large(call, "string");
    return operand::own(boost::json::string(out));
}

// The three functions that see missing paths.
operand fn_default(eval_state& st, const node& call) {
    operand v = evaluate(st, *call.children[0], true);
    if (!v.is_missing() && !v.get().is_null()) return v;
    return evaluate(st, *call.children[1]);
}

operand fn_coalesce(eval_state& st, const node& call) {
    for (const auto& arg : call.children) {
        operand v = evaluate(st, *arg, true);
        if (!v.is_missing() && !v.get().is_null()) return v;
    }
    return operand::own(nullptr);
}

operand fn_exists(eval_state& st, const node& call) {
    return operand::own(!evaluate(st, *call.children[0], true).is_missing());
}

using namespace text_functions;
using namespace math_functions;

// Sorted by name for binary search.
constexpr builtin builtins[] = {
    {"abs", 1, 1, math_functions::abs, nullptr},
    {"avg", 1, 1, avg, nullptr},
    {"bool", 1, 1, fn_bool, nullptr},
    {"ceil", 1, 1, math_functions::ceil, nullptr},
    {"coalesce", 1, unbounded_args, nullptr, fn_coalesce},
    {"contains", 2, 2, text_functions::contains, nullptr},
    {"default", 2, 2, nullptr, fn_default},
    {"ends_with", 2, 2, ends_with, nullptr},
    {"exists", 1, 1, nullptr, fn_exists},
    {"floor", 1, 1, math_functions::floor, nullptr},
    {"int", 1, 1, fn_int, nullptr},
    {"join", 1, 2, join, nullptr},
    {"json_parse", 1, 1, fn_json_parse, nullptr},
    {"json_stringify", 1, 1, fn_json_stringify, nullptr},
    {"keys", 1, 1, fn_keys, nullptr},
    {"length", 1, 1, length, nullptr},
    {"lower", 1, 1, lower, nullptr},
    {"matches", 2, 2, matches, nullptr},
    {"max", 1, unbounded_args, math_functions::max, nullptr},
    {"min", 1, unbounded_args, math_functions::min, nullptr},
    {"now", 0, 0, fn_now, nullptr},
    {"number", 1, 1, fn_number, nullptr},
    {"replace", 3, 3, replace, nullptr},
    {"round", 1, 2, math_functions::round, nullptr},
    {"split", 2, 2, split, nullptr},
    {"starts_with", 2, 2, starts_with, nullptr},
    {"string", 1, 1, fn_string, nullptr},
    {"sum", 1, 1, sum, nullptr},
    {"trim", 1, 1, trim, nullptr},
    {"type_of", 1, 1, fn_type_of, nullptr},
    {"upper", 1, 1, upper, nullptr},
    {"values", 1, 1, fn_values, nullptr},
};

}  // namespace

const builtin* find_builtin(std::string_view name) noexcept {
    const auto it = std::lower_bound(std::begin(builtins), std::end(builtins), name,
                                     [](const builtin& b, std::string_view n) { return b.name < n; });
    return it != std::end(builtins) && it->name == name ? &*it : nullptr;
}

operand invoke(eval_state& st, const node& call) {
    const builtin& fn = *call.fn;
    if (fn.lazy != nullptr) return fn.lazy(st, call);
    boost::container::small_vector<operand, 4> args;
    args.reserve(call.children.size());
    for (const auto& child : call.children) args.push_back(evaluate(st, *child));
    return fn.eager(st, call, std::span<operand>(args.data(), args.size()));
}

void wrong_type(const eval_state& st, const node& call, std::string_view what, const boost::json::value& v) {
    st.fail(call, fmt::format("{}: expected {}, got {}", call.fn->name, what, kind_name(v)));
}

}  // namespace chainbot::expr::detail
