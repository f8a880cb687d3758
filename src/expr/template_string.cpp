#include "expr/template_string.hpp"

#include "expr/ast.hpp"
#include "expr/evaluator.hpp"
#include "expr/guard.hpp"
#include "expr/parser.hpp"
#include "expr/values.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace chainbot::expr {

namespace detail {

/// @brief A JSON document with its template strings parsed; subtrees without templates are constants.
struct compiled_node {
    enum class kind : std::uint8_t { constant, text, object, array };
    kind type = kind::constant;
    boost::json::value constant;
    template_string text;
    std::string pointer;  // of a text node, for error messages
    std::vector<std::string> keys;
    std::vector<compiled_node> children;
};

}  // namespace detail

struct compiled_json::state {
    detail::compiled_node root;
    std::vector<std::string> references;
};

namespace {

const std::vector<std::string> no_template_references;

void merge_sorted(std::vector<std::string>& into, const std::vector<std::string>& names) {
    into.insert(into.end(), names.begin(), names.end());
    std::sort(into.begin(), into.end());
    into.erase(std::unique(into.begin(), into.end()), into.end());
}

boost::json::value render_program(detail::eval_state& st, const detail::template_program& p) {
    st.set_source(p.source);
    if (p.parts.size() == 1 && p.parts[0].expr) return detail::evaluate(st, *p.parts[0].expr).take();
    const std::size_t cap = st.lim().max_value_size;
    std::string out;
    for (const auto& part : p.parts) {
        if (!part.expr) {
            out += part.text;
            continue;
        }
        const detail::operand v = detail::evaluate(st, *part.expr);
        if (!detail::append_text(out, v.get(), cap)) st.too_large(*part.expr, "string");
    }
    return boost::json::string(out);
}

// Appends a JSON pointer token: '~' and '/' are escaped as ~0 and ~1.
void push_pointer(std::string& pointer, std::string_view key) {
    pointer += '/';
    for (const char c : key) {
        if (c == '~') pointer += "~0";
        else if (c == '/') pointer += "~1";
        else pointer += c;
    }
}

template <typename Error>
[[noreturn]] void rethrow_at(const std::string& pointer, const error& e) {
    if (pointer.empty()) throw Error(e.what(), e.column());
    throw Error(fmt::format("{}: {}", pointer, e.what()), e.column());
}

void check_document_depth(std::size_t depth, const limits& lim, const std::string& pointer) {
    if (depth > lim.max_document_depth)
        rethrow_at<parse_error>(pointer, parse_error(fmt::format("JSON nested deeper than {} levels",
                                                                 lim.max_document_depth), 0));
}

bool has_placeholder(const boost::json::value& v) {
    return v.is_string() && std::string_view(v.get_string()).find("${") != std::string_view::npos;
}

detail::compiled_node compile_node(const boost::json::value& v, const limits& lim, std::string& pointer,
                                   std::size_t depth, std::vector<std::string>& references) {
    using kind = detail::compiled_node::kind;
    check_document_depth(depth, lim, pointer);
    detail::compiled_node n;
    if (has_placeholder(v)) {
        try {
            n.text = template_string::parse(v.get_string(), lim);
        } catch (const parse_error& e) {
            rethrow_at<parse_error>(pointer, e);
        }
        n.type = kind::text;
        n.pointer = pointer;
        merge_sorted(references, n.text.references());
        return n;
    }
    const std::size_t mark = pointer.size();
    if (const auto* object = v.if_object()) {
        n.type = kind::object;
        for (const auto& member : *object) {
            push_pointer(pointer, member.key());
            n.keys.emplace_back(member.key());
            n.children.push_back(compile_node(member.value(), lim, pointer, depth + 1, references));
            pointer.resize(mark);
        }
    } else if (const auto* array = v.if_array()) {
        n.type = kind::array;
        for (std::size_t i = 0; i < array->size(); ++i) {
            pointer += fmt::format("/{}", i);
            n.children.push_back(compile_node((*array)[i], lim, pointer, depth + 1, references));
            pointer.resize(mark);
        }
    }
    const bool constant = std::all_of(n.children.begin(), n.children.end(),
                                      [](const auto& child) { return child.type == kind::constant; });
    if (constant) {
        n = detail::compiled_node{};
        n.constant = v;
    }
    return n;
}

boost::json::value render_node(detail::eval_state& st, const detail::compiled_node& n) {
    using kind = detail::compiled_node::kind;
    switch (n.type) {
    case kind::constant: return n.constant;
    case kind::text:
        try {
            return render_program(st, *n.text.program());
        } catch (const eval_error& e) {
            rethrow_at<eval_error>(n.pointer, e);
        }
    case kind::object: {
        boost::json::object object;
        object.reserve(n.children.size());
        for (std::size_t i = 0; i < n.children.size(); ++i) object[n.keys[i]] = render_node(st, n.children[i]);
        return object;
    }
    case kind::array: {
        boost::json::array array;
        array.reserve(n.children.size());
        for (const auto& child : n.children) array.push_back(render_node(st, child));
        return array;
    }
    }
    return nullptr;
}

boost::json::value render_walk(detail::eval_state& st, const boost::json::value& v, std::string& pointer,
                               std::size_t depth) {
    const limits& lim = st.lim();
    check_document_depth(depth, lim, pointer);
    if (has_placeholder(v)) {
        template_string t;
        try {
            t = template_string::parse(v.get_string(), lim);
        } catch (const parse_error& e) {
            rethrow_at<parse_error>(pointer, e);
        }
        try {
            return render_program(st, *t.program());
        } catch (const eval_error& e) {
            rethrow_at<eval_error>(pointer, e);
        }
    }
    const std::size_t mark = pointer.size();
    if (const auto* object = v.if_object()) {
        boost::json::object out;
        out.reserve(object->size());
        for (const auto& member : *object) {
            push_pointer(pointer, member.key());
            out[member.key()] = render_walk(st, member.value(), pointer, depth + 1);
            pointer.resize(mark);
        }
        return out;
    }
    if (const auto* array = v.if_array()) {
        boost::json::array out;
        out.reserve(array->size());
        for (std::size_t i = 0; i < array->size(); ++i) {
            pointer += fmt::format("/{}", i);
            out.push_back(render_walk(st, (*array)[i], pointer, depth + 1));
            pointer.resize(mark);
        }
        return out;
    }
    return v;
}

}  // namespace

template_string template_string::parse(std::string_view text, const limits& lim) {
    return detail::guarded<parse_error>([&] {
        if (text.size() > lim.max_template_length)
            throw parse_error(fmt::format("template longer than {} bytes at column {}", lim.max_template_length,
                                          lim.max_template_length),
                              lim.max_template_length);
        auto program = std::make_shared<detail::template_program>();
        program->source = std::string(text);
        const std::string_view src = program->source;
        std::string literal;
        std::size_t pos = 0;
        while (pos < src.size()) {
            if (src.substr(pos, 3) == "$${") {
                literal += "${";
                pos += 3;
            } else if (src.substr(pos, 2) == "${") {
                if (!literal.empty()) program->parts.push_back({std::move(literal), nullptr});
                literal.clear();
                detail::parser parser(src, pos + 2, lim);
                detail::template_part part;
                part.expr = parser.parse_embedded(pos);
                merge_sorted(program->references, parser.references());
                program->parts.push_back(std::move(part));
            } else {
                const std::size_t next = std::min(src.find('$', pos + 1), src.size());
                literal.append(src.substr(pos, next - pos));
                pos = next;
            }
        }
        if (!literal.empty()) program->parts.push_back({std::move(literal), nullptr});
        return template_string(std::move(program));
    });
}

boost::json::value template_string::render(const context& ctx) const {
    if (!program_) return boost::json::string();
    return detail::guarded<eval_error>([&] {
        detail::eval_state st(ctx);
        return render_program(st, *program_);
    });
}

std::string template_string::render_string(const context& ctx) const {
    if (!program_) return {};
    return detail::guarded<eval_error>([&] {
        detail::eval_state st(ctx);
        const auto v = render_program(st, *program_);
        if (v.is_string()) return std::string(v.get_string());
        return detail::stringify(st, *program_->parts[0].expr, v);
    });
}

bool template_string::is_single_expression() const noexcept {
    return program_ && program_->parts.size() == 1 && program_->parts[0].expr;
}

bool template_string::is_constant() const noexcept {
    return !program_ || std::none_of(program_->parts.begin(), program_->parts.end(),
                                     [](const auto& part) { return part.expr != nullptr; });
}

const std::vector<std::string>& template_string::references() const noexcept {
    return program_ ? program_->references : no_template_references;
}

std::string_view template_string::source() const noexcept {
    return program_ ? std::string_view(program_->source) : "";
}

compiled_json compile_json(const boost::json::value& document, const limits& lim) {
    return detail::guarded<parse_error>([&] {
        auto st = std::make_shared<compiled_json::state>();
        std::string pointer;
        st->root = compile_node(document, lim, pointer, 0, st->references);
        compiled_json compiled;
        compiled.state_ = std::move(st);
        return compiled;
    });
}

boost::json::value compiled_json::render(const context& ctx) const {
    if (!state_) return nullptr;
    return detail::guarded<eval_error>([&] {
        detail::eval_state st(ctx);
        return render_node(st, state_->root);
    });
}

const std::vector<std::string>& compiled_json::references() const noexcept {
    return state_ ? state_->references : no_template_references;
}

bool compiled_json::is_constant() const noexcept {
    return !state_ || state_->root.type == detail::compiled_node::kind::constant;
}

boost::json::value render_json(const boost::json::value& document, const context& ctx) {
    // parse_error and eval_error pass through the guard unchanged; only foreign exceptions become eval_error.
    return detail::guarded<eval_error>([&] {
        detail::eval_state st(ctx);
        std::string pointer;
        return render_walk(st, document, pointer, 0);
    });
}

}  // namespace chainbot::expr
