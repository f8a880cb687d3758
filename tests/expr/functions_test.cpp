#include "expr_test_support.hpp"

using namespace expr_test;

TEST_CASE("functions: text", "[expr][functions]") {
    fixture f;
    check_examples(f, {
        {"length('hello')", "5"},
        {"length('h\xC3\xA9llo')", "5"},
        {"length(input.tags)", "2"},
        {"length(step1)", "3"},
        {"length('')", "0"},
        {"contains('hello', 'ell')", "true"},
        {"contains(input.tags, 'y')", "true"},
        {"contains(input, 'price')", "true"},
        {"contains([1, 2], 3)", "false"},
        {"starts_with('workflow', 'work')", "true"},
        {"starts_with('workflow', 'flow')", "false"},
        {"ends_with('report.pdf', '.pdf')", "true"},
        {"ends_with('report.pdf', '.doc')", "false"},
        {"lower('MiXeD 123')", R"("mixed 123")"},
        {"upper('MiXeD 123')", R"("MIXED 123")"},
        {"upper(trim(input.name))", R"("ADA LOVELACE")"},
        {"trim('  \t padded \n')", R"("padded")"},
        {"trim('   ')", R"("")"},
        {"split('a,b,c', ',')", R"(["a", "b", "c"])"},
        {"split(input.csv, ',')", R"(["a", "b", "", "c"])"},
        {"split('a--b', '--')", R"(["a", "b"])"},
        {"split('abc', ';')", R"(["abc"])"},
        {"split('', ',')", R"([""])"},
        {"split('h\xC3\xA9!', '')", "[\"h\", \"\xC3\xA9\", \"!\"]"},
        {"join(['a', 'b', 'c'], ', ')", R"("a, b, c")"},
        {"join(['a', 'b'])", R"("ab")"},
        {"join([1, true, null, 'x', [2]], '|')", R"("1|true|null|x|[2]")"},
        {"join([], ',')", R"("")"},
        {"replace('a-b-c', '-', '+')", R"("a+b+c")"},
        {"replace('aaa', 'a', 'bb')", R"("bbbbbb")"},
        {"replace('abc', 'x', 'y')", R"("abc")"},
        {"matches('order-1234', '[0-9]+')", "true"},
        {"matches('order-1234', '^[0-9]+$')", "false"},
        {"matches('ABC', '^[A-Z]{3}$')", "true"},
        {"matches('hello world', 'wor(ld|k)')", "true"},
        {"matches('', '^$')", "true"},
        {"matches(item.name, '^w' + 'id')", "true"},
        {"matches('a.b', 'a[.]b') and not matches('axb', 'a\\\\.b')", "true"},
    });
}

TEST_CASE("functions: numbers", "[expr][functions]") {
    fixture f;
    check_examples(f, {
        {"round(2.5)", "3"},
        {"round(-2.5)", "-3"},
        {"round(2.4)", "2"},
        {"round(7)", "7"},
        {"round(3.14159, 2)", "3.14"},
        {"round(1.005, 1)", "1.0"},
        {"round(1.005, 2)", "1.0"},
        {"round(1234.5, -2)", "1200"},
        {"round(1250, -2)", "1300"},
        {"round(-1250, -2)", "-1300"},
        {"round(1249, -2)", "1200"},
        {"round(42, 3)", "42"},
        {"floor(2.7)", "2"},
        {"floor(-2.1)", "-3"},
        {"floor(5)", "5"},
        {"ceil(2.1)", "3"},
        {"ceil(-2.7)", "-2"},
        {"ceil(1e300)", "1e300"},
        {"abs(-3)", "3"},
        {"abs(-2.5)", "2.5"},
        {"abs(4)", "4"},
        {"min(3, 1, 2)", "1"},
        {"max(3, 1, 2)", "3"},
        {"min(scores)", "-2"},
        {"max(scores)", "7"},
        {"max(1, 2.5)", "2.5"},
        {"min('pear', 'apple')", R"("apple")"},
        {"max(words)", R"("pear")"},
        {"min(5)", "5"},
        {"min([])", "null"},
        {"sum([1, 2, 3])", "6"},
        {"sum(scores)", "9.5"},
        {"sum([])", "0"},
        {"sum(step1.items)", "60"},
        {"avg([1, 2, 3])", "2"},
        {"avg([1, 2])", "1.5"},
        {"avg(scores)", "2.375"},
        {"avg([])", "null"},
    });
}

TEST_CASE("functions: conversions", "[expr][functions]") {
    fixture f;
    check_examples(f, {
        {"number('42')", "42"},
        {"number(' -3.5 ')", "-3.5"},
        {"number('+7')", "7"},
        {"number('1e3')", "1000.0"},
        {"number(true)", "1"},
        {"number(2.5)", "2.5"},
        {"int('42')", "42"},
        {"int(3.99)", "3"},
        {"int(-3.99)", "-3"},
        {"int('7.8')", "7"},
        {"int(false)", "0"},
        {"string(42)", R"("42")"},
        {"string(2.5)", R"("2.5")"},
        {"string(0.1)", R"("0.1")"},
        {"string(null)", R"("null")"},
        {"string(true)", R"("true")"},
        {"string('as is')", R"("as is")"},
        {"string(input.tags)", R"("[\"x\",\"y\"]")"},
        {"string(item)", R"("{\"price\":4,\"name\":\"widget\"}")"},
        {"bool(1)", "true"},
        {"bool('false')", "true"},
        {"bool([])", "false"},
        {"keys(item)", R"(["price", "name"])"},
        {"values(item)", R"([4, "widget"])"},
        {"keys(json_parse('{}'))", "[]"},
        {"type_of(null)", R"("null")"},
        {"type_of(true)", R"("boolean")"},
        {"type_of(1)", R"("number")"},
        {"type_of(1.5)", R"("number")"},
        {"type_of('s')", R"("string")"},
        {"type_of([])", R"("array")"},
        {"type_of(item)", R"("object")"},
        {R"(json_parse('{"a": [1, 2.5, "x", null]}'))", R"({"a": [1, 2.5, "x", null]})"},
        {"json_parse('7')", "7"},
        {"json_stringify(item)", R"("{\"price\":4,\"name\":\"widget\"}")"},
        {"json_stringify('q\"')", R"("\"q\\\"\"")"},
        {"json_stringify([1.5, null])", R"("[1.5,null]")"},
        {"json_parse(json_stringify(step1)) == step1", "true"},
    });
}

TEST_CASE("functions: now() reads the injected clock, else the system clock", "[expr][functions]") {
    fixture f;
    CHECK(same(f.eval("now()"), R"("2024-05-01T12:00:00.000Z")"));
    CHECK(f.test("now() > '2024-01-01'"));
    chainbot::expr::context system;
    const auto stamp = chainbot::expr::expression::parse("now()").evaluate(system);
    REQUIRE(stamp.is_string());
    CHECK(chainbot::expr::expression::parse(
              R"(matches(now(), '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{3}Z$'))")
              .test(system));
}

TEST_CASE("functions: type errors name the function", "[expr][functions]") {
    fixture f;
    CHECK(eval_message(f, "upper(1)") == "upper: expected a string, got number in 'upper(1)'");
    CHECK(eval_message(f, "length(5)") == "length: expected a string, array or object, got number in 'length(5)'");
    CHECK(eval_message(f, "keys([])") == "keys: expected an object, got array in 'keys([])'");
    CHECK(eval_message(f, "sum(1)") == "sum: expected an array, got number in 'sum(1)'");
    CHECK(eval_message(f, "sum([1, 'x'])") ==
          "sum: expected an array of numbers, found string at index 1 in 'sum([1, 'x'])'");
    CHECK(eval_message(f, "min(1, 'a')") == "cannot compare string with number in 'min(1, 'a')'");
    CHECK(eval_message(f, "max([true])") == "max: expected numbers or strings, got boolean in 'max([true])'");
    CHECK(eval_message(f, "round(1.5, 1.5)") ==
          "round: digits must be a whole number from -15 to 15 in 'round(1.5, 1.5)'");
    CHECK(eval_message(f, "number('12abc')") == "number: '12abc' is not a number in 'number('12abc')'");
    CHECK(eval_message(f, "int(1e300)") == "int: number out of integer range in 'int(1e300)'");
    CHECK(eval_message(f, "replace('a', '', 'b')") == "replace: the text to replace is empty in 'replace('a', '', 'b')'");
    CHECK(eval_message(f, "json_parse('{')").rfind("json_parse: ", 0) == 0);
    CHECK(eval_message(f, "abs(-9223372036854775807 - 1)") == "integer overflow in 'abs(-9223372036854775807 - 1)'");
    CHECK(eval_message(f, "matches('x', '(' + '')").rfind("matches: invalid regular expression", 0) == 0);
    CHECK(eval_message(f, "matches('aa', '(a)\\\\1' + '')").rfind("matches: invalid regular expression", 0) == 0);
}
