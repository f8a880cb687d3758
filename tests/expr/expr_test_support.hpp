#pragma once
// Shared data for the expression tests: a context whose roots look like a workflow execution.

#include "expr/expression.hpp"
#include "expr/template_string.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <catch2/catch.hpp>

#include <string>
#include <string_view>

namespace expr_test {

namespace expr = chainbot::expr;
namespace json = boost::json;

inline json::object sample_roots() {
    return json::parse(R"({
      "input": {"count": 3, "name": "  Ada Lovelace ", "a": 1, "tags": ["x", "y"], "price": 2.5,
                "nested": {"list": [{"id": 1}, {"id": 2}, {"id": 3}]}, "empty": "", "nothing": null,
                "zero": 0, "big": 9223372036854775807, "my-key": "dash", "csv": "a,b,,c"},
      "step1": {"quality_score": 0.9, "status": "ok", "items": [10, 20, 30]},
      "flags": {"skip": false, "on": true},
      "item": {"price": 4, "name": "widget"},
      "api_token": "abc123",
      "matrix": [[1, 2], [3, 4]],
      "scores": [3, 1.5, 7, -2],
      "words": ["pear", "apple", "fig"]
    })").as_object();
}

/// @brief Owns the roots and a context over them; not copyable, since the context points at the roots.
struct fixture {
    json::object roots = sample_roots();
    expr::context ctx = expr::context::over(roots);

    fixture() { ctx.clock = [] { return std::string("2024-05-01T12:00:00.000Z"); }; }
    fixture(const fixture&) = delete;
    fixture& operator=(const fixture&) = delete;

    json::value eval(std::string_view source) const { return expr::expression::parse(source).evaluate(ctx); }
    bool test(std::string_view source) const { return expr::expression::parse(source).test(ctx); }
    json::value render(std::string_view text) const { return expr::template_string::parse(text).render(ctx); }
};

/// @brief Compact JSON of a value, for readable comparisons of arrays and objects.
inline std::string js(const json::value& v) { return json::serialize(v); }

/// @brief The message of the eval_error `source` raises, or "" when it raises none.
inline std::string eval_message(const fixture& f, std::string_view source) {
    try {
        f.eval(source);
    } catch (const expr::eval_error& e) {
        return e.what();
    }
    return {};
}

/// @brief The parse_error `source` raises; fails the test when there is none.
inline expr::parse_error parse_failure(std::string_view source, const expr::limits& lim = {}) {
    try {
        expr::expression::parse(source, lim);
    } catch (const expr::parse_error& e) {
        return e;
    }
    FAIL("no parse_error for: " << source);
    return expr::parse_error("", 0);
}

}  // namespace expr_test

namespace expr_test {

/// @brief True when `v` equals the JSON text `expected` with the same number kind (3 is not 3.0).
inline bool same(const json::value& v, std::string_view expected) {
    const json::value e = json::parse(expected);
    if (e.is_double() != v.is_double()) return false;
    return v == e;
}

/// @brief One worked example: the source and the JSON of its value.
struct example {
    const char* source;
    const char* expected;
};

/// @brief Checks every example against the fixture.
inline void check_examples(const fixture& f, std::initializer_list<example> examples) {
    for (const auto& ex : examples) {
        INFO(ex.source << "  =>  expected " << ex.expected);
        json::value v;
        REQUIRE_NOTHROW(v = f.eval(ex.source));
        INFO("got " << js(v));
        CHECK(same(v, ex.expected));
    }
}

}  // namespace expr_test
