#include "expr_test_support.hpp"

using namespace expr_test;
using chainbot::expr::eval_error;
using chainbot::expr::expression;
using chainbot::expr::parse_error;
using chainbot::expr::template_string;

TEST_CASE("errors: parse errors name what was expected and where", "[expr][errors]") {
    struct row {
        const char* source;
        const char* message;
        std::size_t column;
    };
    const row rows[] = {
        {"(1 + 2", "expected ')' at column 6", 6},
        {"(input.a + 1 * (2)", "expected ')' at column 18", 18},
        {"", "expected an expression at column 0", 0},
        {"1 +", "expected an expression at column 3", 3},
        {"1 * )", "expected an expression, found ')' at column 4", 4},
        {"and", "expected an expression, found 'and' at column 0", 0},
        {"1 2", "expected an operator or the end of the expression at column 2", 2},
        {"a }", "expected an operator or the end of the expression at column 2", 2},
        {"a = 1", "unexpected '=' (use '==' to compare) at column 2", 2},
        {"a # b", "unexpected character '#' at column 2", 2},
        {"a & b", "unexpected character '&' at column 2", 2},
        {"a \x01", "unexpected byte 0x01 at column 2", 2},
        {"'abc", "unterminated string starting at column 0", 0},
        {"x == \"abc", "unterminated string starting at column 5", 5},
        {R"('a\qb')", "invalid escape '\\q' at column 2", 2},
        {R"('\u12')", "expected 4 hex digits after \\u at column 5", 5},
        {R"('\ud800')", "invalid \\u escape (high surrogate without its low half) at column 1", 1},
        {"3abc", "expected an operator after a number at column 1", 1},
        {"99999999999999999999", "integer literal out of range at column 0", 0},
        {"1e999", "number literal out of range at column 0", 0},
        {"[1, 2", "expected ',' or ']' at column 5", 5},
        {"a[1", "expected ']' at column 3", 3},
        {"a.", "expected a name after '.' at column 2", 2},
        {"a.0", "expected a name after '.' (index arrays with [n]) at column 2", 2},
        {"${a", "expected '}' at column 3", 3},
        {"1 < 2 < 3", "comparison operators cannot be chained; expected 'and' or 'or' at column 6", 6},
        {"foo(1)", "unknown function 'foo' at column 0", 0},
        {"x and bar()", "unknown function 'bar' at column 6", 6},
        {"round(1, 2, 3)", "function 'round' takes 1 to 2 arguments, got 3 at column 0", 0},
        {"length()", "function 'length' takes 1 argument, got 0 at column 0", 0},
        {"1 + replace('a')", "function 'replace' takes 3 arguments, got 1 at column 4", 4},
        {"min()", "function 'min' takes at least 1 argument, got 0 at column 0", 0},
        {"now(1)", "function 'now' takes 0 arguments, got 1 at column 0", 0},
        {"upper('a' 'b')", "expected ',' or ')' at column 10", 10},
        {"exists(1)", "exists() expects a path such as step1.output at column 7", 7},
        {"exists(upper(a))", "exists() expects a path such as step1.output at column 7", 7},
    };
    for (const auto& r : rows) {
        INFO(r.source);
        const parse_error e = parse_failure(r.source);
        CHECK(std::string(e.what()) == r.message);
        CHECK(e.column() == r.column);
    }
}

TEST_CASE("errors: an invalid literal regular expression is a parse error", "[expr][errors]") {
    const parse_error e = parse_failure("matches(x, '(a')");
    CHECK(std::string(e.what()).rfind("invalid regular expression: ", 0) == 0);
    CHECK(e.column() == 11);
    CHECK(std::string(parse_failure("matches(x, '(a)\\\\1')").what()).rfind("invalid regular expression", 0) == 0);
}

TEST_CASE("errors: template parse errors count columns in the whole text", "[expr][errors]") {
    auto failure = [](std::string_view text) -> parse_error {
        try {
            template_string::parse(text);
        } catch (const parse_error& e) {
            return e;
        }
        FAIL("no parse_error for: " << text);
        return parse_error("", 0);
    };
    CHECK(std::string(failure("Hello ${name").what()) == "expected '}' at column 12");
    CHECK(std::string(failure("x ${} y").what()) == "expected an expression, found '}' at column 4");
    CHECK(std::string(failure("ok ${a} ${b +}").what()) == "expected an expression, found '}' at column 13");
    CHECK(failure("ok ${a} ${(b}").column() == 12);
}

TEST_CASE("errors: evaluation errors quote the failing expression", "[expr][errors]") {
    fixture f;
    struct row {
        const char* source;
        const char* message;
    };
    const row rows[] = {
        {"input.name > 1", "cannot compare string with number in 'input.name > 1'"},
        {"'a' > 1", "cannot compare string with number in ''a' > 1'"},
        {"[1] < [2]", "cannot compare array with array in '[1] < [2]'"},
        {"true < false", "cannot compare boolean with boolean in 'true < false'"},
        {"null >= 0", "cannot compare null with number in 'null >= 0'"},
        {"1 / 0", "division by zero in '1 / 0'"},
        {"1 % 0", "division by zero in '1 % 0'"},
        {"1.5 / 0.0", "division by zero in '1.5 / 0.0'"},
        {"input.count / input.zero", "division by zero in 'input.count / input.zero'"},
        {"'a' + 1", "cannot apply '+' to string and number in ''a' + 1'"},
        {"[1] + 'a'", "cannot apply '+' to array and string in '[1] + 'a''"},
        {"'a' * 2", "cannot apply '*' to string and number in ''a' * 2'"},
        {"true + 1", "cannot apply '+' to boolean and number in 'true + 1'"},
        {"-'a'", "cannot negate string in '-'a''"},
        {"9223372036854775807 + 1", "integer overflow in '9223372036854775807 + 1'"},
        {"input.big * 2", "integer overflow in 'input.big * 2'"},
        {"-input.big - 2", "integer overflow in '-input.big - 2'"},
        {"(-9223372036854775807 - 1) / -1", "integer overflow in '(-9223372036854775807 - 1) / -1'"},
        {"1e308 * 10", "result is not a finite number in '1e308 * 10'"},
        {"1 in 2", "cannot look for a value in number in '1 in 2'"},
        {"1 in 'abc'", "cannot look for number in string in '1 in 'abc''"},
        {"1 in input", "cannot look for number in object in '1 in input'"},
        {"step9.x", "unknown reference step9.x"},
        {"upper(1)", "upper: expected a string, got number in 'upper(1)'"},
    };
    for (const auto& r : rows) {
        INFO(r.source);
        CHECK(eval_message(f, r.source) == r.message);
    }
}

TEST_CASE("errors: eval_error carries the column of the failing part", "[expr][errors]") {
    fixture f;
    try {
        f.eval("1 + (2 / 0)");
        FAIL("no error");
    } catch (const eval_error& e) {
        CHECK(e.column() == 5);
    }
    try {
        f.render("total: ${input.count + step9.x}");
        FAIL("no error");
    } catch (const eval_error& e) {
        CHECK(std::string(e.what()) == "unknown reference step9.x");
        CHECK(e.column() == 23);
    }
}

TEST_CASE("errors: long sources are quoted shortened", "[expr][errors]") {
    fixture f;
    std::string source = "'" + std::string(200, 'a') + "' > 1";
    const std::string message = eval_message(f, source);
    CHECK(message.rfind("cannot compare string with number in ''aaaa", 0) == 0);
    CHECK(message.size() < 150);
    CHECK(message.substr(message.size() - 4) == "...'");
}

TEST_CASE("errors: both kinds derive from expr::error", "[expr][errors]") {
    fixture f;
    CHECK_THROWS_AS(expression::parse("("), chainbot::expr::error);
    CHECK_THROWS_AS(f.eval("1 / 0"), chainbot::expr::error);
    // A resolver that throws something else is reported as an eval_error.
    chainbot::expr::context ctx;
    ctx.resolve = [](std::string_view) -> const boost::json::value* { throw std::runtime_error("store down"); };
    CHECK_THROWS_WITH(expression::parse("x").evaluate(ctx), "internal error: store down");
    CHECK_THROWS_AS(expression::parse("x").evaluate(ctx), eval_error);
}
