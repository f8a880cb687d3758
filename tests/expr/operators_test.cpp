#include "expr_test_support.hpp"

using namespace expr_test;

TEST_CASE("operators: literals", "[expr][operators]") {
    fixture f;
    check_examples(f, {
        {"42", "42"},
        {"-7", "-7"},
        {"2.5", "2.5"},
        {"1e3", "1000.0"},
        {"2.5E-1", "0.25"},
        {"'single'", R"("single")"},
        {R"("double")", R"("double")"},
        {R"('it\'s' )", R"("it's")"},
        {R"("say \"hi\"")", R"("say \"hi\"")"},
        {R"('a\nb\t\\')", R"("a\nb\t\\")"},
        {R"('\u00e9\ud83d\ude00')", "\"\xC3\xA9\xF0\x9F\x98\x80\""},
        {"true", "true"},
        {"false", "false"},
        {"null", "null"},
        {"[]", "[]"},
        {"[1, 'two', [3], null]", R"([1, "two", [3], null])"},
        {"[input.a, input.a + 1]", "[1, 2]"},
    });
}

TEST_CASE("operators: arithmetic keeps integers exact and divides to double unless exact", "[expr][operators]") {
    fixture f;
    check_examples(f, {
        {"1 + 2", "3"},
        {"7 - 10", "-3"},
        {"6 * 7", "42"},
        {"7 / 2", "3.5"},
        {"6 / 3", "2"},
        {"-6 / 4", "-1.5"},
        {"7 % 3", "1"},
        {"-7 % 3", "-1"},
        {"7.5 % 2", "1.5"},
        {"1.5 + 1", "2.5"},
        {"2.0 * 3", "6.0"},
        {"0.1 + 0.2", "0.30000000000000004"},
        {"1 + 2 * 3", "7"},
        {"(1 + 2) * 3", "9"},
        {"10 - 2 - 3", "5"},
        {"24 / 4 / 2", "3"},
        {"2 * 3 % 4", "2"},
        {"--3", "3"},
        {"-(2 + 3)", "-5"},
        {"- input.a", "-1"},
        {"9223372036854775806 + 1", "9223372036854775807"},
        {"input.big - 1", "9223372036854775806"},
        {"input.count * 2", "6"},
        {"input.price * 2", "5.0"},
        {"item.price * 2", "8"},
    });
}

TEST_CASE("operators: + concatenates strings and arrays", "[expr][operators]") {
    fixture f;
    check_examples(f, {
        {"'ab' + 'cd'", R"("abcd")"},
        {"'a' + 'b' + 'c' + 'd'", R"("abcd")"},
        {"item.name + '-' + step1.status", R"("widget-ok")"},
        {"[1] + [2, 3]", "[1, 2, 3]"},
        {"input.tags + ['z']", R"(["x", "y", "z"])"},
        {"[] + []", "[]"},
    });
    // The context is not modified by concatenation.
    CHECK(js(f.roots.at("input").at("tags")) == R"(["x","y"])");
}

TEST_CASE("operators: comparisons", "[expr][operators]") {
    fixture f;
    check_examples(f, {
        {"1 == 1", "true"},
        {"1 == 1.0", "true"},
        {"1 != 2", "true"},
        {"'a' == 'a'", "true"},
        {"'a' == 1", "false"},
        {"'1' != 1", "true"},
        {"null == null", "true"},
        {"input.nothing == null", "true"},
        {"0 == false", "false"},
        {"'' == null", "false"},
        {"[1, 2] == [1, 2.0]", "true"},
        {"[1, 2] == [2, 1]", "false"},
        {"input.tags == ['x', 'y']", "true"},
        {"step1 == step1", "true"},
        {"item == step1", "false"},
        {"2 < 3", "true"},
        {"3 <= 3", "true"},
        {"2.5 > 2", "true"},
        {"-1 >= 0", "false"},
        {"input.big > 9223372036854775806", "true"},
        {"'apple' < 'banana'", "true"},
        {"'Z' < 'a'", "true"},
        {"'abc' >= 'abd'", "false"},
        {"'' < 'a'", "true"},
    });
}

TEST_CASE("operators: membership with in and not in", "[expr][operators]") {
    fixture f;
    check_examples(f, {
        {"'x' in input.tags", "true"},
        {"'z' in input.tags", "false"},
        {"'z' not in input.tags", "true"},
        {"2 in [1, 2.0]", "true"},
        {"[1] in [[1], [2]]", "true"},
        {"null in [null]", "true"},
        {"'Love' in input.name", "true"},
        {"'love' in input.name", "false"},
        {"'' in 'abc'", "true"},
        {"'count' in input", "true"},
        {"'nope' in input", "false"},
        {"'nope' not in input", "true"},
        {"1 + 1 in [2]", "true"},
    });
}

TEST_CASE("operators: and, or, not return booleans with documented precedence", "[expr][operators]") {
    fixture f;
    check_examples(f, {
        {"true and false", "false"},
        {"true or false", "true"},
        {"true && true", "true"},
        {"false || 0", "false"},
        {"1 and 'x'", "true"},
        {"not true", "false"},
        {"!0", "true"},
        {"not not 1", "true"},
        {"!!''", "false"},
        {"not 1 == 2", "true"},
        {"true or false and false", "true"},
        {"(true or false) and false", "false"},
        {"not flags.skip", "true"},
        {"!flags.skip and flags.on", "true"},
        {"1 == 1 and 2 == 2 or false", "true"},
        {"1 < 2 && 'a' < 'b' || false", "true"},
        {"not 'a' in ['a']", "false"},
        {"[!true, -1]", "[false, -1]"},
    });
}

TEST_CASE("operators: and/or short-circuit evaluation errors", "[expr][operators]") {
    fixture f;
    CHECK(f.test("false and step9.x > 1") == false);
    CHECK(f.test("true or step9.x") == true);
    CHECK(f.test("flags.on or 1 / 0") == true);
    CHECK(f.test("flags.skip and upper(1) == 'x'") == false);
    CHECK_THROWS_AS(f.test("true and step9.x"), chainbot::expr::eval_error);
    CHECK_THROWS_AS(f.test("false or 1 / 0"), chainbot::expr::eval_error);
    // Unknown functions are rejected when parsing, whatever the evaluation would reach.
    CHECK_THROWS_AS(chainbot::expr::expression::parse("false and unknown_fn()"), chainbot::expr::parse_error);
}

TEST_CASE("operators: truthiness", "[expr][operators]") {
    fixture f;
    const std::pair<const char*, bool> rows[] = {
        {"null", false}, {"false", false}, {"0", false}, {"0.0", false}, {"''", false}, {"[]", false},
        {"json_parse('{}')", false}, {"input.nothing", false}, {"input.empty", false}, {"input.zero", false},
        {"flags.skip", false}, {"true", true}, {"1", true}, {"-1", true}, {"0.1", true}, {"'0'", true},
        {"'false'", true}, {"' '", true}, {"[0]", true}, {"[[]]", true}, {"input", true}, {"flags.on", true},
    };
    for (const auto& [source, expected] : rows) {
        INFO(source);
        CHECK(f.test(source) == expected);
        CHECK(same(f.eval(std::string("bool(") + source + ")"), expected ? "true" : "false"));
    }
}
