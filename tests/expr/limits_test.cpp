#include "expr_test_support.hpp"

#include <chrono>

using namespace expr_test;
using chainbot::expr::compile_json;
using chainbot::expr::eval_error;
using chainbot::expr::expression;
using chainbot::expr::limits;
using chainbot::expr::parse_error;
using chainbot::expr::template_string;

namespace {

std::string repeat(std::string_view s, std::size_t n) {
    std::string out;
    for (std::size_t i = 0; i < n; ++i) out += s;
    return out;
}

// "1 + 1 + … + 1" with `terms` ones.
std::string long_sum(std::size_t terms) { return "1" + repeat(" + 1", terms - 1); }

}  // namespace

TEST_CASE("limits: nesting depth is bounded at parse time", "[expr][limits]") {
    fixture f;
    CHECK(same(f.eval(repeat("(", 64) + "1" + repeat(")", 64)), "1"));
    const auto deep = parse_failure(repeat("(", 65) + "1" + repeat(")", 65));
    CHECK(std::string(deep.what()) == "expression nested deeper than 64 levels at column 64");
    CHECK(deep.column() == 64);
    CHECK_THROWS_AS(expression::parse(repeat("not ", 65) + "true"), parse_error);
    CHECK_THROWS_AS(expression::parse(repeat("-", 65) + "1"), parse_error);
    CHECK_THROWS_AS(expression::parse(repeat("[", 65) + repeat("]", 65)), parse_error);
    CHECK_THROWS_AS(expression::parse(repeat("abs(", 65) + "1" + repeat(")", 65)), parse_error);
    CHECK_THROWS_AS(expression::parse("a" + repeat("[a", 65) + repeat("]", 65)), parse_error);
    CHECK_THROWS_AS(expression::parse(repeat("${", 65) + "1" + repeat("}", 65)), parse_error);
    // Ten thousand nested parentheses are refused without exhausting the stack.
    CHECK_THROWS_AS(expression::parse(repeat("(", 10000)), parse_error);

    limits shallow;
    shallow.max_depth = 3;
    CHECK_NOTHROW(expression::parse("(((1)))", shallow));
    CHECK_THROWS_WITH(expression::parse("((((1))))", shallow), "expression nested deeper than 3 levels at column 3");
    // Long flat chains are not nesting: they evaluate iteratively.
    CHECK(same(f.eval(long_sum(1000)), "1000"));
    CHECK(f.test(repeat("true and ", 400) + "true"));
}

TEST_CASE("limits: source length is bounded at parse time", "[expr][limits]") {
    const std::string fits = "1" + std::string(4095, ' ');
    CHECK_NOTHROW(expression::parse(fits));
    const auto e = parse_failure(fits + " ");
    CHECK(std::string(e.what()) == "expression longer than 4096 characters at column 4096");

    // Each placeholder of a template has the same bound; the template as a whole has its own.
    const std::string placeholder = "${" + long_sum(1500) + "}";
    CHECK_THROWS_WITH(template_string::parse("x " + placeholder),
                      "expression longer than 4096 characters at column 4100");
    CHECK_NOTHROW(template_string::parse(repeat("text ${input.a} ", 5000)));
    limits small;
    small.max_template_length = 100;
    CHECK_THROWS_WITH(template_string::parse(std::string(101, 'x'), small),
                      "template longer than 100 bytes at column 100");
    small.max_source_length = 5;
    CHECK_THROWS_WITH(expression::parse("1 + 23", small), "expression longer than 5 characters at column 5");
}

TEST_CASE("limits: the evaluation budget stops large evaluations", "[expr][limits]") {
    fixture f;
    limits lim;
    lim.max_steps = 500;
    const auto big = expression::parse(long_sum(1000));
    CHECK(same(big.evaluate(f.ctx), "1000"));  // the default budget is enough
    chainbot::expr::context tight = chainbot::expr::context::over(f.roots);
    tight.lim = lim;
    CHECK_THROWS_WITH(big.evaluate(tight), Catch::Matchers::StartsWith("evaluation budget of 500 steps exceeded"));

    // Work over large arrays counts too.
    json::array many(200000, json::value(1));
    json::object roots{{"many", many}};
    const auto ctx = chainbot::expr::context::over(roots);
    CHECK_THROWS_WITH(expression::parse("sum(many)").evaluate(ctx),
                      Catch::Matchers::StartsWith("evaluation budget of 100000 steps exceeded"));
    CHECK_THROWS_AS(expression::parse("2 in many").evaluate(ctx), eval_error);
    CHECK_THROWS_AS(expression::parse("join(many, ',')").evaluate(ctx), eval_error);
    CHECK(same(expression::parse("length(many)").evaluate(ctx), "200000"));
    CHECK(same(expression::parse("many[-1]").evaluate(ctx), "1"));

    // One budget covers a whole document.
    json::array strings(15, json::value("${" + long_sum(40) + "}"));
    chainbot::expr::context doc_ctx = chainbot::expr::context::over(f.roots);
    doc_ctx.lim = lim;
    CHECK_NOTHROW(compile_json(json::array(strings.begin(), strings.begin() + 5)).render(doc_ctx));
    CHECK_THROWS_AS(compile_json(strings).render(doc_ctx), eval_error);
}

TEST_CASE("limits: produced strings and arrays are capped", "[expr][limits]") {
    json::object roots{{"s", std::string(300 * 1024, 'x')}, {"parts", json::array(5, json::value(std::string(300 * 1024, 'y')))}};
    const auto ctx = chainbot::expr::context::over(roots);
    auto message = [&](std::string_view source) {
        try {
            expression::parse(source).evaluate(ctx);
        } catch (const eval_error& e) {
            return std::string(e.what());
        }
        return std::string();
    };
    CHECK(message("length(s + s + s)") == "");
    CHECK(message("s + s + s + s") == "string longer than 1048576 bytes in 's + s + s + s'");
    CHECK(message("join(parts, '')") == "string longer than 1048576 bytes in 'join(parts, '')'");
    CHECK(message("join([s, s, s, s], '-')") == "string longer than 1048576 bytes in 'join([s, s, s, s], '-')'");
    const std::string replace = "replace(s, '" + std::string(10, 'x') + "', '" + std::string(40, 'x') + "')";
    CHECK(message(replace) == "string longer than 1048576 bytes in '" + replace + "'");
    CHECK(message("json_stringify(parts)") == "string longer than 1048576 bytes in 'json_stringify(parts)'");
    CHECK(message("string(parts)") == "string longer than 1048576 bytes in 'string(parts)'");
    CHECK_THROWS_WITH(template_string::parse("${s}${s}${s}${s}").render(ctx),
                      "string longer than 1048576 bytes in 's'");

    chainbot::expr::context small;
    small.lim.max_value_size = 10;
    auto small_message = [&](std::string_view source) {
        try {
            expression::parse(source).evaluate(small);
        } catch (const eval_error& e) {
            return std::string(e.what());
        }
        return std::string();
    };
    CHECK(small_message("'abcdef' + 'ghij'") == "");
    CHECK(small_message("'abcdef' + 'ghijk'") == "string longer than 10 bytes in ''abcdef' + 'ghijk''");
    CHECK(small_message("[1, 2, 3, 4, 5, 6] + [7, 8, 9, 10, 11]") ==
          "array longer than 10 items in '[1, 2, 3, 4, 5, 6] + [7, 8, 9, 10, 11]'");
    CHECK(small_message("split('a,b,c,d,e,f,g,h,i,j,k', ',')") ==
          "array longer than 10 items in 'split('a,b,c,d,e,f,g,h,i,j,k', ',')'");
}

TEST_CASE("limits: matches() stays fast on pathological patterns", "[expr][limits][regex]") {
    fixture f;
    json::object roots{{"a", std::string(4000, 'a')}, {"long", std::string(5000, 'a')}};
    const auto ctx = chainbot::expr::context::over(roots);
    const auto start = std::chrono::steady_clock::now();
    for (const char* pattern : {"(a+)+b", "(a|aa)*c", "(a*)*b", "(x+x+)+y", "^(a|a?)+$b", "(\\\\w+\\\\s?)+!"}) {
        INFO(pattern);
        CHECK_FALSE(expression::parse(std::string("matches(a, '") + pattern + "')").test(ctx));
    }
    const auto elapsed = std::chrono::steady_clock::now() - start;
    CHECK(elapsed < std::chrono::seconds(10));  // backtracking would take longer than the universe's age

    CHECK_THROWS_WITH(expression::parse("matches(long, 'a')").evaluate(ctx),
                      "matches: text longer than 4096 bytes in 'matches(long, 'a')'");
    // Counted repetition cannot inflate the automaton past the pattern budget.
    CHECK_THROWS_WITH(expression::parse("matches(a, '((a?){100}){100}')"),
                      Catch::Matchers::StartsWith("regular expression too complex"));
    CHECK_THROWS_WITH(expression::parse("matches(a, '(a{50}|b{50}|c{50}|d{50}){10}x')"),
                      Catch::Matchers::StartsWith("regular expression too complex"));
    CHECK_NOTHROW(expression::parse("matches(a, '^[a-z]{1,50}[0-9]{0,20}$')"));
    CHECK_THROWS_WITH(expression::parse("matches(a, '(a?){300}')"), Catch::Matchers::StartsWith("regular expression too complex"));
    CHECK_THROWS_WITH(expression::parse("matches(a, '" + std::string(257, 'a') + "')"),
                      Catch::Matchers::StartsWith("regular expression too complex"));
    CHECK_THROWS_WITH(expression::parse("matches(a, '(a?){300}' + '')").evaluate(ctx),
                      Catch::Matchers::StartsWith("matches: regular expression too complex"));
}

TEST_CASE("limits: JSON documents are bounded in depth", "[expr][limits]") {
    json::value doc = "${1}";
    for (int i = 0; i < 300; ++i) doc = json::array{doc};
    CHECK_THROWS_WITH(compile_json(doc), Catch::Matchers::EndsWith("JSON nested deeper than 256 levels"));
    fixture f;
    CHECK_THROWS_AS(chainbot::expr::render_json(doc, f.ctx), parse_error);
}
