// Fuzz target: the expression language (src/expr), as conditions and transforms use it.
//
// Input: <expression> [ NUL <JSON document> ]. The expression is parsed and evaluated over
// roots shaped like a workflow execution (input, step1, item, api_token...); the optional
// JSON document replaces `input`.
//
// Invariants:
//  - parse() succeeds or throws parse_error (with a message and a column inside the source);
//    evaluate() and test() return or throw eval_error: nothing else escapes (the library's
//    promise in expr/guard.hpp), std::bad_alloc aside;
//  - a parsed expression keeps its source, is at most max_source_length bytes, lists sorted,
//    distinct, non-empty references, and parses again to the same references;
//  - evaluation is deterministic (the clock is fixed): twice the same value or the same error;
//  - test() is the truthiness of evaluate();
//  - what evaluation produces respects the run-time limits (string and array sizes) and is
//    JSON: no NaN or infinity unless the roots held one.
#include "fuzz_support.hpp"

#include "expr/expression.hpp"

#include <boost/json/parse.hpp>

#include <algorithm>
#include <cmath>
#include <string>

namespace {

namespace json = boost::json;
namespace expr = chainbot::expr;

const json::object& base_roots() {
    static const json::object roots = json::parse(R"({
      "input": {"count": 3, "name": "  Ada Lovelace ", "a": 1, "b": null, "tags": ["x", "y"], "price": 2.5,
                "nested": {"list": [{"id": 1}, {"id": 2}, {"id": 3}]}, "empty": "", "nothing": null,
                "zero": 0, "big": 9223372036854775807, "small": -9223372036854775808, "huge": 18446744073709551615,
                "my-key": "dash", "csv": "a,b,,c", "email": "ada@example.com", "utf8": "h\u00e9llo \ud83d\ude00",
                "records": [{"a": 1, "b": 2}, {"a": 3, "b": null}]},
      "step1": {"quality_score": 0.9, "status": "ok", "items": [10, 20, 30], "output": {"ok": true}},
      "flags": {"skip": false, "on": true},
      "item": {"price": 4, "name": "widget"},
      "index": 2,
      "api_token": "abc123",
      "matrix": [[1, 2], [3, 4]],
      "scores": [3, 1.5, 7, -2],
      "words": ["pear", "apple", "fig"]
    })").as_object();
    return roots;
}

bool truthy(const json::value& v) {
    switch (v.kind()) {
        case json::kind::null: return false;
        case json::kind::bool_: return v.get_bool();
        case json::kind::int64: return v.get_int64() != 0;
        case json::kind::uint64: return v.get_uint64() != 0;
        case json::kind::double_: return v.get_double() != 0.0;
        case json::kind::string: return !v.get_string().empty();
        case json::kind::array: return !v.get_array().empty();
        case json::kind::object: return !v.get_object().empty();
    }
    return false;
}

bool all_finite(const json::value& v) {
    if (v.is_double()) return std::isfinite(v.get_double());
    if (v.is_array()) return std::all_of(v.get_array().begin(), v.get_array().end(), all_finite);
    if (v.is_object())
        return std::all_of(v.get_object().begin(), v.get_object().end(), [](const auto& kv) { return all_finite(kv.value()); });
    return true;
}

struct outcome {
    bool ok = false;
    json::value value;
    std::string error;
};

outcome evaluate(const expr::expression& e, const expr::context& ctx) {
    outcome out;
    try {
        out.value = e.evaluate(ctx);
        out.ok = true;
    } catch (const expr::eval_error& err) {
        FUZZ_CHECK(err.what()[0] != '\0', "an eval_error without a message");
        out.error = err.what();
    } catch (const std::bad_alloc&) {
        throw;
    } catch (const std::exception& other) {
        FUZZ_CHECK(false, std::string("evaluate() let a foreign exception escape: ") + other.what());
    }
    return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    chainbot::fuzz::input in(data, size);
    const std::string source(in.until('\0'));
    const std::string_view document = in.rest();

    json::object roots = base_roots();
    if (!document.empty()) {
        json::value input;
        if (chainbot::fuzz::is_json(document, &input)) roots["input"] = std::move(input);
    }
    expr::context ctx = expr::context::over(roots);
    ctx.clock = [] { return std::string("2024-05-01T12:00:00.000Z"); };

    expr::expression e;
    try {
        e = expr::expression::parse(source);
    } catch (const expr::parse_error& err) {
        FUZZ_CHECK(err.what()[0] != '\0', "a parse_error without a message");
        FUZZ_CHECK(err.column() <= source.size(), std::string(err.what()) + " (column past the end)");
        return 0;
    } catch (const std::bad_alloc&) {
        throw;
    } catch (const std::exception& other) {
        FUZZ_CHECK(false, std::string("parse() let a foreign exception escape: ") + other.what());
    }

    FUZZ_CHECK(e.source() == source, "source() differs from the text parsed");
    FUZZ_CHECK(source.size() <= expr::limits{}.max_source_length, "an expression longer than max_source_length parsed");
    const auto& refs = e.references();
    FUZZ_CHECK(std::is_sorted(refs.begin(), refs.end()), "references() not sorted");
    FUZZ_CHECK(std::adjacent_find(refs.begin(), refs.end()) == refs.end(), "references() not distinct");
    FUZZ_CHECK(std::none_of(refs.begin(), refs.end(), [](const std::string& r) { return r.empty(); }), "an empty reference");
    try {
        const auto again = expr::expression::parse(e.source());
        FUZZ_CHECK(again.references() == refs, "parsing the source again gives other references");
    } catch (const expr::error& err) {
        FUZZ_CHECK(false, std::string("the source of a parsed expression does not parse again: ") + err.what());
    }

    const outcome first = evaluate(e, ctx);
    const outcome second = evaluate(e, ctx);
    FUZZ_CHECK(first.ok == second.ok && first.error == second.error && (!first.ok || first.value == second.value),
               "evaluation is not deterministic: " + source);

    bool truth = false;
    bool tested = false;
    try {
        truth = e.test(ctx);
        tested = true;
    } catch (const expr::eval_error&) {
    } catch (const std::bad_alloc&) {
        throw;
    } catch (const std::exception& other) {
        FUZZ_CHECK(false, std::string("test() let a foreign exception escape: ") + other.what());
    }
    FUZZ_CHECK(tested == first.ok, "test() and evaluate() disagree on failing");
    if (!first.ok) return 0;
    FUZZ_CHECK(truth == truthy(first.value), "test() is not the truthiness of evaluate(): " + chainbot::fuzz::show(first.value));

    const expr::limits lim;
    if (first.value.is_string())
        FUZZ_CHECK(first.value.get_string().size() <= std::max<std::size_t>(lim.max_value_size, document.size()),
                   "a string beyond max_value_size");
    if (first.value.is_array())
        FUZZ_CHECK(first.value.get_array().size() <= std::max<std::size_t>(lim.max_value_size, document.size()),
                   "an array beyond max_value_size");
    FUZZ_CHECK(!all_finite(json::value(roots)) || all_finite(first.value),
               "evaluation produced NaN or infinity: " + source);
    return 0;
}
