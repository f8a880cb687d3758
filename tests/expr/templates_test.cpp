#include "expr_test_support.hpp"

using namespace expr_test;
using chainbot::expr::compile_json;
using chainbot::expr::render_json;
using chainbot::expr::template_string;

TEST_CASE("templates: a lone placeholder keeps the value's type", "[expr][templates]") {
    fixture f;
    CHECK(same(f.render("${input.count}"), "3"));
    CHECK(same(f.render("${step1.quality_score}"), "0.9"));
    CHECK(same(f.render("${flags.on}"), "true"));
    CHECK(same(f.render("${input.nothing}"), "null"));
    CHECK(same(f.render("${input.tags}"), R"(["x", "y"])"));
    CHECK(same(f.render("${item}"), R"({"price": 4, "name": "widget"})"));
    CHECK(same(f.render("${input.a + 1}"), "2"));
    CHECK(same(f.render("${upper(trim(input.name))}"), R"("ADA LOVELACE")"));
    CHECK(same(f.render("${ input.count }"), "3"));
    CHECK(template_string::parse("${input.count}").is_single_expression());
}

TEST_CASE("templates: mixed text interpolates stringified values", "[expr][templates]") {
    fixture f;
    CHECK(same(f.render("Bearer ${api_token}"), R"("Bearer abc123")"));
    CHECK(same(f.render("Count: ${input.count}"), R"("Count: 3")"));
    CHECK(same(f.render(" ${input.count}"), R"(" 3")"));
    CHECK(same(f.render("${input.a}${input.count}"), R"("13")"));
    CHECK(same(f.render("price ${input.price}, score ${step1.quality_score}"), R"("price 2.5, score 0.9")"));
    CHECK(same(f.render("tags=${input.tags} on=${flags.on} none=${input.nothing}"),
               R"("tags=[\"x\",\"y\"] on=true none=null")"));
    CHECK(same(f.render("item: ${item}"), R"("item: {\"price\":4,\"name\":\"widget\"}")"));
    CHECK(same(f.render("${'}'} and ${'${'}"), R"("} and ${")"));
    CHECK(same(f.render("${item.name}s: ${item.price * 2} EUR"), R"("widgets: 8 EUR")"));
    CHECK(template_string::parse("Count: ${input.count}").render_string(f.ctx) == "Count: 3");
    CHECK(template_string::parse("${input.count}").render_string(f.ctx) == "3");
    CHECK(template_string::parse("${item.name}").render_string(f.ctx) == "widget");
    CHECK_FALSE(template_string::parse("a ${input.count}").is_single_expression());
}

TEST_CASE("templates: $${ escapes a literal ${", "[expr][templates]") {
    fixture f;
    CHECK(same(f.render("$${input.count}"), R"("${input.count}")"));
    CHECK(same(f.render("cost: $5 and $${x} and ${input.a}"), R"("cost: $5 and ${x} and 1")"));
    CHECK(same(f.render("$"), R"("$")"));
    CHECK(same(f.render("$$ {} }"), R"("$$ {} }")"));
    CHECK(same(f.render("${'$'}${input.a}"), R"("$1")"));
    CHECK(same(f.render("plain text"), R"("plain text")"));
    CHECK(same(f.render(""), R"("")"));
    const auto escaped = template_string::parse("$${not.parsed}");
    CHECK(escaped.is_constant());
    CHECK(escaped.references().empty());
}

TEST_CASE("templates: references() lists the roots of every placeholder", "[expr][templates]") {
    using refs = std::vector<std::string>;
    CHECK(template_string::parse("${step1.x} and ${input.y} ${step1.z}").references() == refs{"input", "step1"});
    CHECK(template_string::parse("Bearer ${api_token}").references() == refs{"api_token"});
    CHECK(template_string::parse("no placeholders").references().empty());
}

TEST_CASE("templates: render_json renders every template string of a document", "[expr][templates]") {
    fixture f;
    const auto config = json::parse(R"({
      "url": "https://api.example.com/process", "method": "POST",
      "headers": {"Authorization": "Bearer ${api_token}"},
      "body": {"count": "${input.count}", "tags": ["${input.tags[0]}", "static", 5], "all": "${input.tags}"},
      "escaped": "$${kept}", "n": 5, "flag": true
    })");
    const auto rendered = render_json(config, f.ctx);
    CHECK(same(rendered, R"({
      "url": "https://api.example.com/process", "method": "POST",
      "headers": {"Authorization": "Bearer abc123"},
      "body": {"count": 3, "tags": ["x", "static", 5], "all": ["x", "y"]},
      "escaped": "${kept}", "n": 5, "flag": true
    })"));
    CHECK(same(render_json(json::value("${input.a}"), f.ctx), "1"));
}

TEST_CASE("templates: compile_json parses once and renders many times", "[expr][templates]") {
    const auto config = json::parse(R"({
      "headers": {"Authorization": "Bearer ${api_token}"},
      "body": {"count": "${input.count}", "fixed": [1, 2, {"k": "v"}]}
    })");
    const auto compiled = compile_json(config);
    CHECK(compiled.references() == std::vector<std::string>{"api_token", "input"});
    CHECK_FALSE(compiled.is_constant());

    fixture f;
    CHECK(same(compiled.render(f.ctx), R"({"headers": {"Authorization": "Bearer abc123"},
                                          "body": {"count": 3, "fixed": [1, 2, {"k": "v"}]}})"));
    json::object other = json::parse(R"({"api_token": "zzz", "input": {"count": 10}})").as_object();
    CHECK(same(compiled.render(chainbot::expr::context::over(other)),
               R"({"headers": {"Authorization": "Bearer zzz"}, "body": {"count": 10, "fixed": [1, 2, {"k": "v"}]}})"));

    CHECK(compile_json(json::parse(R"({"a": [1, "x"]})")).is_constant());
    CHECK(same(compile_json(json::parse(R"({"a": [1, "x"]})")).render({}), R"({"a": [1, "x"]})"));
    CHECK(same(chainbot::expr::compiled_json().render({}), "null"));
}

TEST_CASE("templates: errors in documents carry the JSON pointer of the string", "[expr][templates]") {
    fixture f;
    const auto bad = json::parse(R"({"a": {"b/c": ["ok", "x ${oops"]}})");
    CHECK_THROWS_WITH(compile_json(bad), "/a/b~1c/1: expected '}' at column 8");
    CHECK_THROWS_WITH(render_json(bad, f.ctx), "/a/b~1c/1: expected '}' at column 8");

    const auto missing = json::parse(R"({"headers": {"Authorization": "Bearer ${secret}"}})");
    CHECK_THROWS_WITH(compile_json(missing).render(f.ctx), "/headers/Authorization: unknown reference secret");
    CHECK_THROWS_WITH(render_json(missing, f.ctx), "/headers/Authorization: unknown reference secret");
    try {
        compile_json(missing).render(f.ctx);
    } catch (const chainbot::expr::eval_error& e) {
        CHECK(e.column() == 9);  // inside "Bearer ${secret}"
    }
}
