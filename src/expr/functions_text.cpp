#include "expr/functions.hpp"

#include "expr/regex_guard.hpp"
#include "expr/values.hpp"
#include "util/ascii.hpp"

#include <fmt/format.h>

namespace chainbot::expr::detail::text_functions {

namespace {

std::string_view need_string(const eval_state& st, const node& call, const operand& arg) {
    if (!arg.get().is_string()) wrong_type(st, call, "a string", arg.get());
    return arg.get().get_string();
}

operand own_string(std::string_view s) { return operand::own(boost::json::string(s)); }

using util::ascii_lower;
char ascii_upper(char c) { return c >= 'a' && c <= 'z' ? char(c - 'a' + 'A') : c; }

std::size_t utf8_char_size(unsigned char lead) {
    if (lead >= 0xF0) return 4;
    if (lead >= 0xE0) return 3;
    if (lead >= 0xC0) return 2;
    return 1;
}

}  // namespace

operand length(eval_state& st, const node& call, std::span<operand> args) {
    const auto& v = args[0].get();
    if (v.is_string()) return operand::own(std::int64_t(utf8_length(v.get_string())));
    if (v.is_array()) return operand::own(std::int64_t(v.get_array().size()));
    if (v.is_object()) return operand::own(std::int64_t(v.get_object().size()));
    wrong_type(st, call, "a string, array or object", v);
}

operand contains(eval_state& st, const node& call, std::span<operand> args) {
    return operand::own(detail::contains(st, call, args[0].get(), args[1].get()));
}

operand starts_with(eval_state& st, const node& call, std::span<operand> args) {
    return operand::own(need_string(st, call, args[0]).starts_with(need_string(st, call, args[1])));
}

operand ends_with(eval_state& st, const node& call, std::span<operand> args) {
    return operand::own(need_string(st, call, args[0]).ends_with(need_string(st, call, args[1])));
}

operand lower(eval_state& st, const node& call, std::span<operand> args) {
    std::string s(need_string(st, call, args[0]));
    for (char& c : s) c = ascii_lower(c);
    return own_string(s);
}

operand upper(eval_state& st, const node& call, std::span<operand> args) {
    std::string s(need_string(st, call, args[0]));
    for (char& c : s) c = ascii_upper(c);
    return own_string(s);
}

operand trim(eval_state& st, const node& call, std::span<operand> args) {
    constexpr std::string_view space = " \t\n\r\f\v";
    std::string_view s = need_string(st, call, args[0]);
    const auto first = s.find_first_not_of(space);
    if (first == std::string_view::npos) return own_string("");
    return own_string(s.substr(first, s.find_last_not_of(space) - first + 1));
}

operand split(eval_state& st, const node& call, std::span<operand> args) {
    const std::string_view s = need_string(st, call, args[0]);
    const std::string_view separator = need_string(st, call, args[1]);
    boost::json::array parts;
    auto add = [&](std::string_view part) {
        st.check_size(call, parts.size() + 1, "array");
        st.charge(call);
        parts.emplace_back(part);
    };
    if (separator.empty()) {  // one part per character
        for (std::size_t i = 0; i < s.size();) {
            const std::size_t n = std::min(utf8_char_size(static_cast<unsigned char>(s[i])), s.size() - i);
            add(s.substr(i, n));
            i += n;
        }
        return operand::own(std::move(parts));
    }
    std::size_t start = 0;
    for (;;) {
        const std::size_t at = s.find(separator, start);
        if (at == std::string_view::npos) break;
        add(s.substr(start, at - start));
        start = at + separator.size();
    }
    add(s.substr(start));
    return operand::own(std::move(parts));
}

operand join(eval_state& st, const node& call, std::span<operand> args) {
    const auto* items = args[0].get().if_array();
    if (items == nullptr) wrong_type(st, call, "an array", args[0].get());
    const std::string_view separator = args.size() > 1 ? need_string(st, call, args[1]) : std::string_view();
    st.charge(call, items->size());
    const std::size_t cap = st.lim().max_value_size;
    std::string out;
    bool first = true;
    for (const auto& item : *items) {
        if (!first) out.append(separator);
        first = false;
        if (!append_text(out, item, cap) || out.size() > cap) st.too_large(call, "string");
    }
    return own_string(out);
}

operand replace(eval_state& st, const node& call, std::span<operand> args) {
    const std::string_view s = need_string(st, call, args[0]);
    const std::string_view from = need_string(st, call, args[1]);
    const std::string_view to = need_string(st, call, args[2]);
    if (from.empty()) st.fail(call, "replace: the text to replace is empty");
    const std::size_t cap = st.lim().max_value_size;
    std::string out;
    std::size_t start = 0;
    for (;;) {
        const std::size_t at = s.find(from, start);
        if (at == std::string_view::npos) break;
        st.charge(call);
        out.append(s.substr(start, at - start)).append(to);
        if (out.size() > cap) st.too_large(call, "string");
        start = at + from.size();
    }
    out.append(s.substr(start));
    st.check_size(call, out.size(), "string");
    return own_string(out);
}

operand matches(eval_state& st, const node& call, std::span<operand> args) {
    const std::string_view text = need_string(st, call, args[0]);
    if (text.size() > st.lim().max_regex_input)
        st.fail(call, fmt::format("matches: text longer than {} bytes", st.lim().max_regex_input));
    std::shared_ptr<const compiled_regex> re = call.pattern;
    if (!re) {  // a pattern computed at run time is compiled at each evaluation
        const std::string_view pattern = need_string(st, call, args[1]);
        std::string problem;
        re = compile_regex(pattern, st.lim(), problem);
        if (!re) st.fail(call, fmt::format("matches: {}", problem));
    }
    st.charge(call, text.size());
    try {
        return operand::own(regex_search(*re, text));
    } catch (const std::regex_error& e) {
        st.fail(call, fmt::format("matches: {}", e.what()));
    }
}

}  // namespace chainbot::expr::detail::text_functions
