#include "expr_test_support.hpp"

#include <atomic>
#include <chrono>
#include <thread>

using namespace expr_test;
using chainbot::expr::context;
using chainbot::expr::expression;

TEST_CASE("workflows: the seed condition ${step1.quality_score} > 0.8", "[expr][workflows]") {
    const auto condition = expression::parse("${step1.quality_score} > 0.8");
    json::object high = json::parse(R"({"step1": {"quality_score": 0.9}})").as_object();
    json::object low = json::parse(R"({"step1": {"quality_score": 0.5}})").as_object();
    json::object exact = json::parse(R"({"step1": {"quality_score": 0.8}})").as_object();
    json::object integer = json::parse(R"({"step1": {"quality_score": 1}})").as_object();
    CHECK(condition.test(context::over(high)));
    CHECK_FALSE(condition.test(context::over(low)));
    CHECK_FALSE(condition.test(context::over(exact)));
    CHECK(condition.test(context::over(integer)));
    CHECK(same(condition.evaluate(context::over(high)), "true"));
    CHECK(condition.references() == std::vector<std::string>{"step1"});
    CHECK(condition.source() == "${step1.quality_score} > 0.8");
    json::object absent = json::parse(R"({"step1": {}})").as_object();
    CHECK_THROWS_WITH(condition.test(context::over(absent)), "unknown reference step1.quality_score");
}

TEST_CASE("workflows: conditions and values written in workflow files", "[expr][workflows]") {
    fixture f;
    CHECK(f.test("${input.count} >= 3 and not ${flags.skip}"));
    CHECK(f.test("step1.quality_score > 0.8"));
    CHECK(f.test("${step1.status} == 'ok' && length(step1.items) == 3"));
    CHECK(f.test("'x' in ${input.tags} or ${input.count} > 100"));
    CHECK_FALSE(f.test("${input.count} >= 3 and ${flags.skip}"));
    CHECK(same(f.eval("item.price * 2"), "8"));
    CHECK(same(f.eval("round(sum(step1.items) / length(step1.items), 1)"), "20"));
    CHECK(same(f.eval("default(step2.result, 'pending')"), R"("pending")"));
    CHECK(same(f.render("Bearer ${api_token}"), R"("Bearer abc123")"));
    CHECK(same(f.render("${step1.items[-1]}"), "30"));
}

TEST_CASE("workflows: an empty expression and template do nothing", "[expr][workflows]") {
    fixture f;
    CHECK(same(expression().evaluate(f.ctx), "null"));
    CHECK_FALSE(expression().test(f.ctx));
    CHECK(expression().source().empty());
    CHECK(same(chainbot::expr::template_string().render(f.ctx), R"("")"));
}

TEST_CASE("workflows: one parsed expression serves many threads", "[expr][workflows][threads]") {
    const auto condition = expression::parse("matches(name, '^item-[0-9]+$') and value * 2 > limit");
    std::atomic<int> wrong{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
        threads.emplace_back([&, t] {
            for (int i = 0; i < 2000; ++i) {
                json::object roots{{"name", "item-" + std::to_string(i)}, {"value", i}, {"limit", 1000 + t}};
                const bool expected = i * 2 > 1000 + t;
                if (condition.test(context::over(roots)) != expected) ++wrong;
            }
        });
    }
    for (auto& thread : threads) thread.join();
    CHECK(wrong == 0);
}

TEST_CASE("workflows: evaluating a parsed condition is cheap", "[expr][workflows][performance]") {
    const auto condition = expression::parse("${step1.quality_score} > 0.8");
    json::object roots = json::parse(R"({"step1": {"quality_score": 0.9}})").as_object();
    const auto ctx = context::over(roots);
    constexpr int runs = 200000;
    int hits = 0;
    const auto start = std::chrono::steady_clock::now();
    for (int i = 0; i < runs; ++i) hits += condition.test(ctx) ? 1 : 0;
    const auto per_run = (std::chrono::steady_clock::now() - start) / runs;
    CHECK(hits == runs);
    // Generous enough for a debug build on a loaded machine; an optimised build is far below this.
    CHECK(per_run < std::chrono::microseconds(20));
}
