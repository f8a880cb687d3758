#include "expr_test_support.hpp"

#include <algorithm>

using namespace expr_test;

TEST_CASE("paths: dots, indexes, negative indexes and quoted keys", "[expr][paths]") {
    fixture f;
    check_examples(f, {
        {"step1.quality_score", "0.9"},
        {"input.nested.list[1].id", "2"},
        {"input.nested.list[-1].id", "3"},
        {"step1.items[0]", "10"},
        {"step1.items[-3]", "10"},
        {"matrix[1][0]", "3"},
        {"matrix[-1][-1]", "4"},
        {"input['my-key']", R"("dash")"},
        {R"(input["count"])", "3"},
        {"input.nested['list'][0]['id']", "1"},
        {"step1.items[input.a]", "20"},
        {"step1.items[input.count - 1]", "30"},
        {"step1.items[4 / 2]", "30"},
        {"step1.items[-input.a]", "30"},
        {"input['na' + 'me']", R"("  Ada Lovelace ")"},
        {"(step1).status", R"("ok")"},
        {"(step1.items)[1]", "20"},
        {"${step1.status}", R"("ok")"},
        {"${input.a + 1}", "2"},
        {"[10, 20, 30][1]", "20"},
        {"[input.a, 5][-1]", "5"},
        {R"(json_parse('{"a": {"b": [5, 6]}}').a.b[1])", "6"},
        {R"(json_parse('{"in": 1, "not": 2}').in)", "1"},
        {"step1", R"({"quality_score": 0.9, "status": "ok", "items": [10, 20, 30]})"},
    });
}

TEST_CASE("paths: a missing path is an unknown reference", "[expr][paths]") {
    fixture f;
    CHECK(eval_message(f, "step9.x") == "unknown reference step9.x");
    CHECK(eval_message(f, "step1.missing") == "unknown reference step1.missing");
    CHECK(eval_message(f, "step1.items[3]") == "unknown reference step1.items[3]");
    CHECK(eval_message(f, "step1.items[-4]") == "unknown reference step1.items[-4]");
    CHECK(eval_message(f, "${step9.x} > 1") == "unknown reference step9.x");
    CHECK(eval_message(f, "step1.status.x") == "cannot read key 'x' of string in 'step1.status.x'");
    CHECK(eval_message(f, "input[0]") == "cannot index object with a number in 'input[0]'");
    CHECK(eval_message(f, "step1.items[0.5]") == "array index is not a whole number in 'step1.items[0.5]'");
    CHECK(eval_message(f, "step1.items[null]") ==
          "index must be a number or a string, not null in 'step1.items[null]'");
    CHECK(eval_message(f, "input.nothing.x") == "cannot read key 'x' of null in 'input.nothing.x'");
}

TEST_CASE("paths: default, coalesce and exists tolerate missing paths", "[expr][paths]") {
    fixture f;
    check_examples(f, {
        {"default(step9.x, 5)", "5"},
        {"default(input.nothing, 'none')", R"("none")"},
        {"default(input.zero, 5)", "0"},
        {"default(step1.items[7], -1)", "-1"},
        {"default(step1.status.x, 'n/a')", R"("n/a")"},
        {"default(step1.items[step9.i], 0)", "0"},
        {"default(input.count, 1 / 0)", "3"},
        {"coalesce(step9.x, input.nothing, input.a, 7)", "1"},
        {"coalesce(step9.x, input.nothing)", "null"},
        {"exists(step1.items[2])", "true"},
        {"exists(step1.items[3])", "false"},
        {"exists(step9)", "false"},
        {"exists(input.nothing)", "true"},
        {"exists(input['my-key'])", "true"},
        {"default(length, 'a root, not the function')", R"("a root, not the function")"},
    });
    // Only a path argument is lenient: a missing path inside a larger expression still fails.
    CHECK(eval_message(f, "default(step9.x + 1, 0)") == "unknown reference step9.x");
    CHECK(eval_message(f, "default(step9.x, step9.y)") == "unknown reference step9.y");
}

TEST_CASE("paths: references() names the roots", "[expr][paths]") {
    using chainbot::expr::expression;
    using refs = std::vector<std::string>;
    CHECK(expression::parse("${step1.quality_score} > 0.8").references() == refs{"step1"});
    CHECK(expression::parse("${input.count} >= 3 and not ${flags.skip}").references() == refs{"flags", "input"});
    CHECK(expression::parse("step2.items[idx.i] + step2.x").references() == refs{"idx", "step2"});
    CHECK(expression::parse("default(step9.x, item) or upper('x') == api_token").references() ==
          refs{"api_token", "item", "step9"});
    CHECK(expression::parse("1 + length('abc')").references().empty());
    CHECK(expression::parse("json_parse('{}').step1").references().empty());
    CHECK(expression().references().empty());
}

TEST_CASE("paths: a custom resolver serves loop variables", "[expr][paths]") {
    namespace json = boost::json;
    const json::value item = json::parse(R"({"price": 12})");
    const json::value index = 4;
    chainbot::expr::context ctx;
    int calls = 0;
    ctx.resolve = [&](std::string_view root) -> const json::value* {
        ++calls;
        if (root == "item") return &item;
        if (root == "index") return &index;
        return nullptr;
    };
    const auto e = chainbot::expr::expression::parse("item.price * index");
    CHECK(same(e.evaluate(ctx), "48"));
    CHECK(calls == 2);
    CHECK_THROWS_WITH(chainbot::expr::expression::parse("other").evaluate(ctx), "unknown reference other");
    CHECK_THROWS_WITH(chainbot::expr::expression::parse("x").evaluate(chainbot::expr::context{}),
                      "unknown reference x");
}
