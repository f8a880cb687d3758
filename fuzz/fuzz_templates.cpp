// Fuzz target: `${…}` templates (src/expr/template_string.*) and step configurations whose
// strings are templates (compile_json / render_json, what api_call, webhook and transform
// steps render).
//
// Input: one mode byte, then
//   mode even: a template string;
//   mode odd:  a JSON document (a step's config); text that is not JSON is used as one string.
//
// Invariants:
//  - parse / compile_json throw only parse_error, render only eval_error (std::bad_alloc aside);
//    error columns lie inside the text;
//  - a template that is exactly one `${expr}` renders to what that expression evaluates to;
//  - render_string() is render() stringified (strings as they are, the rest as compact JSON);
//  - a constant template renders to a string without evaluating anything;
//  - compile_json(doc).render(ctx) and render_json(doc, ctx) agree (same value, or both fail);
//    a document without templates renders to itself;
//  - rendering is deterministic.
#include "fuzz_support.hpp"

#include "expr/expression.hpp"
#include "expr/template_string.hpp"
#include "expr/values.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <algorithm>
#include <optional>
#include <string>

namespace {

namespace json = boost::json;
namespace expr = chainbot::expr;

const json::object& roots() {
    static const json::object r = json::parse(R"({
      "input": {"count": 3, "name": "Ada", "tags": ["x", "y"], "price": 2.5, "nothing": null, "url": "https://example.com/a?b=c",
                "nested": {"list": [{"id": 1}, {"id": 2}]}, "text": "a}b${c}"},
      "step1": {"quality_score": 0.9, "status": "ok", "items": [10, 20, 30]},
      "item": {"price": 4, "name": "widget"}, "index": 0,
      "api_token": "abc123", "error": {"message": "boom", "kind": "http", "step": "step1"}
    })").as_object();
    return r;
}

template <typename F>
auto guarded(const char* what, F&& f) -> std::optional<decltype(f())> {
    try {
        return f();
    } catch (const expr::error& e) {
        FUZZ_CHECK(e.what()[0] != '\0', std::string(what) + ": an error without a message");
        return std::nullopt;
    } catch (const std::bad_alloc&) {
        throw;
    } catch (const std::exception& other) {
        FUZZ_CHECK(false, std::string(what) + " let a foreign exception escape: " + other.what());
    }
    return std::nullopt;
}

// The language's own stringification (strings as they are, the rest as compact JSON with its
// number format), cut at the produced-string limit: false when the text would pass it.
bool stringified(const json::value& v, std::string& out) {
    return expr::detail::append_text(out, v, expr::limits{}.max_value_size);
}

void fuzz_template(const std::string& text, const expr::context& ctx) {
    expr::template_string t;
    try {
        t = expr::template_string::parse(text);
    } catch (const expr::parse_error& e) {
        FUZZ_CHECK(e.column() <= text.size(), std::string(e.what()) + " (column past the end)");
        return;
    } catch (const std::bad_alloc&) {
        throw;
    } catch (const std::exception& other) {
        FUZZ_CHECK(false, std::string("template_string::parse let a foreign exception escape: ") + other.what());
    }
    FUZZ_CHECK(t.source() == text, "source() differs from the text parsed");
    FUZZ_CHECK(!(t.is_constant() && t.is_single_expression()), "a template both constant and a single expression");
    FUZZ_CHECK(!t.is_constant() || t.references().empty(), "a constant template with references");

    const auto rendered = guarded("render", [&] { return t.render(ctx); });
    const auto again = guarded("render", [&] { return t.render(ctx); });
    FUZZ_CHECK(rendered.has_value() == again.has_value() && (!rendered || *rendered == *again), "rendering is not deterministic");
    const auto as_string = guarded("render_string", [&] { return t.render_string(ctx); });
    if (!rendered) FUZZ_CHECK(!as_string, "render failed, render_string did not");
    if (rendered) {
        std::string text_of;
        const bool fits = stringified(*rendered, text_of);
        FUZZ_CHECK(as_string.has_value() == fits, "render_string fails exactly when the text passes max_value_size");
        if (as_string) FUZZ_CHECK(*as_string == text_of, "render_string is not render stringified");
    }
    if (t.is_constant()) FUZZ_CHECK(rendered && rendered->is_string(), "a constant template did not render to a string");
    if (!t.is_single_expression()) {
        if (rendered) FUZZ_CHECK(rendered->is_string(), "an interpolated template rendered to a non-string");
        return;
    }
    // "${expr}" is the expression itself.
    FUZZ_CHECK(text.size() >= 3 && text.starts_with("${") && text.ends_with("}"), "a single expression that is not ${...}");
    const std::string inner = text.substr(2, text.size() - 3);
    std::optional<expr::expression> e;
    try {
        e = expr::expression::parse(inner);
    } catch (const expr::parse_error& err) {
        FUZZ_CHECK(false, "the template parsed, its expression alone does not: " + std::string(err.what()));
    }
    const auto value = guarded("evaluate", [&] { return e->evaluate(ctx); });
    FUZZ_CHECK(value.has_value() == rendered.has_value(), "the template and its expression disagree on failing: " + text);
    if (value) FUZZ_CHECK(*value == *rendered, "the template and its expression give different values: " + text);
}

void fuzz_document(const json::value& doc, const expr::context& ctx) {
    std::optional<expr::compiled_json> compiled;
    try {
        compiled = expr::compile_json(doc);
    } catch (const expr::parse_error& e) {
        FUZZ_CHECK(e.what()[0] != '\0', "a compile_json error without a message");
    } catch (const std::bad_alloc&) {
        throw;
    } catch (const std::exception& other) {
        FUZZ_CHECK(false, std::string("compile_json let a foreign exception escape: ") + other.what());
    }
    const auto direct = guarded("render_json", [&] { return expr::render_json(doc, ctx); });
    if (!compiled) {
        FUZZ_CHECK(!direct, "compile_json refused a document that render_json rendered");
        return;
    }
    const auto& refs = compiled->references();
    FUZZ_CHECK(std::is_sorted(refs.begin(), refs.end()) && std::adjacent_find(refs.begin(), refs.end()) == refs.end(),
               "compiled_json references not sorted and distinct");
    const auto rendered = guarded("compiled_json::render", [&] { return compiled->render(ctx); });
    FUZZ_CHECK(rendered.has_value() == direct.has_value(), "compile_json+render and render_json disagree on failing");
    if (rendered) FUZZ_CHECK(*rendered == *direct, "compile_json+render and render_json give different documents");
    if (compiled->is_constant()) {
        FUZZ_CHECK(refs.empty(), "a constant document with references");
        FUZZ_CHECK(rendered && *rendered == doc, "a document without templates did not render to itself");
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    chainbot::fuzz::input in(data, size);
    const bool document_mode = in.byte() & 1;
    const std::string text(in.rest());
    expr::context ctx = expr::context::over(roots());
    ctx.clock = [] { return std::string("2024-05-01T12:00:00.000Z"); };
    if (!document_mode) {
        fuzz_template(text, ctx);
        return 0;
    }
    json::parse_options deep;
    deep.max_depth = 1000;  // past compile_json's own limit (256), which must hold by itself
    boost::system::error_code ec;
    json::value doc = json::parse(text, ec, {}, deep);
    if (ec) doc = json::string(text);
    fuzz_document(doc, ctx);
    return 0;
}
