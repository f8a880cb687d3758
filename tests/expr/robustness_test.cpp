#include "expr_test_support.hpp"

#include <random>

using namespace expr_test;

namespace {

// Parses and evaluates `source` as an expression and as a template. Only the language's own errors
// may come out; anything else escapes to Catch and fails the test. Returns true if the expression parsed.
bool exercise(const fixture& f, const std::string& source) {
    bool parsed = false;
    try {
        const auto e = expr::expression::parse(source);
        parsed = true;
        (void)e.references();
        try {
            (void)e.evaluate(f.ctx);
            (void)e.test(f.ctx);
        } catch (const expr::eval_error&) {
        }
    } catch (const expr::parse_error&) {
    }
    try {
        const auto t = expr::template_string::parse(source);
        try {
            (void)t.render(f.ctx);
            (void)t.render_string(f.ctx);
        } catch (const expr::eval_error&) {
        }
    } catch (const expr::parse_error&) {
    }
    return parsed;
}

}  // namespace

TEST_CASE("robustness: random bytes raise only parse_error or eval_error", "[expr][robustness]") {
    fixture f;
    std::mt19937 rng(20240501);
    const std::string alphabet = "abinotdrxyz_0123456789.+-*/%()[]{}$'\"\\!=<>&|, \t\ne";
    for (int i = 0; i < 4000; ++i) {
        std::string source;
        const std::size_t length = rng() % 48;
        for (std::size_t k = 0; k < length; ++k)
            source += rng() % 5 == 0 ? char(rng() % 256) : alphabet[rng() % alphabet.size()];
        INFO(source);
        exercise(f, source);
    }
}

TEST_CASE("robustness: random token sequences raise only parse_error or eval_error", "[expr][robustness]") {
    fixture f;
    const char* tokens[] = {
        "input", "step1", "item", "matrix", "scores", "nothing", ".", "quality_score", "items", "tags", "name",
        "[", "]", "(", ")", "${", "}", "0", "1", "-1", "2.5", "9223372036854775807", "1e308", "'s'", "\"t\"",
        "'${x}'", "true", "false", "null", "+", "-", "*", "/", "%", "==", "!=", "<", "<=", ">", ">=", "in",
        "not", "and", "or", "!", "&&", "||", ",", "length(", "upper(", "lower(", "trim(", "default(",
        "coalesce(", "exists(", "join(", "split(", "replace(", "matches(", "'a+'", "'(x|y)*$'", "round(",
        "floor(", "abs(", "min(", "max(", "sum(", "avg(", "number(", "int(", "string(", "bool(", "keys(",
        "values(", "type_of(", "json_parse(", "json_stringify(", "now(", "contains(", "starts_with(", "[1, 2]",
        "input.tags", "step1.items", "-1]", "$${", "'{\"a\": 1}'",
    };
    std::mt19937 rng(7);
    int parsed = 0;
    for (int i = 0; i < 6000; ++i) {
        std::string source;
        const std::size_t count = 1 + rng() % 16;
        for (std::size_t k = 0; k < count; ++k) {
            source += tokens[rng() % std::size(tokens)];
            if (rng() % 3 != 0) source += ' ';
        }
        INFO(source);
        parsed += exercise(f, source) ? 1 : 0;
    }
    CHECK(parsed > 100);  // enough sequences are valid for evaluation to be exercised too
}

TEST_CASE("robustness: mutated valid expressions raise only parse_error or eval_error", "[expr][robustness]") {
    fixture f;
    const std::string seeds[] = {
        "${step1.quality_score} > 0.8",
        "${input.count} >= 3 and not ${flags.skip}",
        "default(step9.x, [1, 2])[-1] * 2 in [4, 6]",
        "join(split(upper(trim(input.name)), ' '), '-') + string(round(avg(scores), 2))",
        "matches(item.name, '^w[a-z]+$') or exists(input['my-key'])",
        "json_parse('{\"a\": [1, {\"b\": null}]}').a[1].b == null",
        "Bearer ${api_token} for ${item.name}: ${item.price * 2}",
    };
    const std::string noise = "()[]{}$.,'\"\\+-*/%!<>=&| 0123456789abcin";
    std::mt19937 rng(99);
    for (int i = 0; i < 4000; ++i) {
        std::string source = seeds[rng() % std::size(seeds)];
        const int edits = 1 + int(rng() % 4);
        for (int k = 0; k < edits && !source.empty(); ++k) {
            const std::size_t at = rng() % source.size();
            switch (rng() % 3) {
            case 0: source.erase(at, 1 + rng() % 3); break;
            case 1: source.insert(at, 1, noise[rng() % noise.size()]); break;
            default: source[at] = noise[rng() % noise.size()]; break;
            }
        }
        INFO(source);
        exercise(f, source);
    }
}
