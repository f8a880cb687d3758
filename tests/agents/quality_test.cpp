#include "tasks_test_support.hpp"

#include "expr/expression.hpp"

using namespace tasks_test;

TEST_CASE("analyze_data_quality: a worked example with nulls, a stray type and a duplicate", "[agents][tasks]") {
    const auto out = tasks::analyze_data_quality(
        j(R"({"records": [{"a": 1, "b": "x"}, {"a": null, "b": "y"}, {"a": "3", "b": "x"}, {"a": 1, "b": "x"}]})"), {});
    CHECK(num(out.at("completeness")) == Approx(7.0 / 8));  // 7 non-null values of 4 records x 2 fields
    CHECK(num(out.at("validity")) == Approx(6.0 / 7));      // "3" is a string where a is mostly a number
    CHECK(num(out.at("uniqueness")) == Approx(3.0 / 4));    // records 0 and 3 are equal
    CHECK(num(out.at("quality_score")) == Approx(0.65 * 7 / 8 + 0.2 * 6 / 7 + 0.15 * 3 / 4));
    CHECK(out.at("record_count") == 4);
    CHECK(out.at("field_count") == 2);
    CHECK(out.at("duplicate_count") == 1);
    const auto& a = out.at("fields").at("a");
    CHECK(a.at("present") == 3);
    CHECK(a.at("missing_or_null") == 1);
    CHECK(num(a.at("completeness")) == Approx(0.75));
    CHECK(num(a.at("validity")) == Approx(2.0 / 3));
    CHECK(a.at("dominant_type") == "number");
    CHECK(a.at("distinct_values") == 2);
    CHECK_FALSE(out.contains("passed"));
}

TEST_CASE("analyze_data_quality: the seed workflow branches high on clean records", "[agents][tasks]") {
    const auto condition = chainbot::expr::expression::parse("${step1.quality_score} > 0.8");
    auto branch = [&](const char* input) {
        json::object roots{{"step1", tasks::analyze_data_quality(j(input), cfg(R"({"threshold": 0.8})"))}};
        return condition.test(chainbot::expr::context::over(roots));
    };
    const auto clean = tasks::analyze_data_quality(
        j(R"({"records": [{"a": 1, "b": 2}, {"a": 3, "b": 4}, {"a": 5, "b": 6}]})"), cfg(R"({"threshold": 0.8})"));
    CHECK(num(clean.at("quality_score")) == 1.0);
    CHECK(clean.at("threshold") == 0.8);
    CHECK(clean.at("passed") == true);
    CHECK(branch(R"({"records": [{"a": 1, "b": 2}, {"a": 3, "b": 4}]})"));

    // A third of the values missing.
    const char* nulls = R"({"records": [{"a": 1, "b": null}, {"a": null, "b": 4}, {"a": 5, "b": 6}]})";
    CHECK(num(tasks::analyze_data_quality(j(nulls), {}).at("quality_score")) < 0.8);
    CHECK_FALSE(branch(nulls));

    // Many nulls and duplicates.
    const char* messy = R"([{"name": "a", "age": null, "email": null}, {"name": "a", "age": null, "email": null},
                            {"name": "a", "age": null, "email": null}, {"name": "b", "age": 30, "email": "b@x.org"}])";
    const auto low = tasks::analyze_data_quality(j(messy), cfg(R"({"threshold": 0.8})"));
    CHECK(num(low.at("quality_score")) < 0.8);
    CHECK(low.at("passed") == false);
    CHECK_FALSE(branch(messy));
}

TEST_CASE("analyze_data_quality: empty input scores 0 with a note", "[agents][tasks]") {
    const auto out = tasks::analyze_data_quality(j(R"({"records": []})"), cfg(R"({"threshold": 0.5})"));
    CHECK(out.at("quality_score") == 0.0);
    CHECK(out.at("completeness") == 0.0);
    CHECK(out.at("record_count") == 0);
    CHECK(std::string(out.at("note").as_string()).find("no records") != std::string::npos);
    CHECK(out.at("passed") == false);

    const auto empty_objects = tasks::analyze_data_quality(j("[{}, {}]"), {});
    CHECK(num(empty_objects.at("quality_score")) == Approx(0.15 * 0.5));
    CHECK(empty_objects.contains("note"));
}

TEST_CASE("analyze_data_quality: config rules lower validity and required fields count as incomplete", "[agents][tasks]") {
    const auto out = tasks::analyze_data_quality(
        j(R"([{"age": 20}, {"age": -5}, {"age": 40}, {"age": 30}])"),
        cfg(R"({"validation_rules": {"fields": {"age": {"min": 0}, "email": {"required": true, "format": "email"}}}})"));
    CHECK(num(out.at("validity")) == Approx(3.0 / 4));
    CHECK(num(out.at("completeness")) == Approx(4.0 / 8));
    CHECK(out.at("fields").at("email").at("present") == 0);
}

TEST_CASE("analyze_data_quality: non-object records are invalid and weights are configurable", "[agents][tasks]") {
    const auto out = tasks::analyze_data_quality(j(R"([1, {"a": 1}])"), {});
    CHECK(num(out.at("completeness")) == Approx(0.5));
    CHECK(num(out.at("validity")) == Approx(0.5));
    CHECK(num(out.at("uniqueness")) == 1.0);
    CHECK(out.at("non_object_records") == 1);

    const auto weighted = tasks::analyze_data_quality(j(R"([{"a": 1, "b": null}])"),
                                                      cfg(R"({"weights": {"completeness": 2, "validity": 0, "uniqueness": 0}})"));
    CHECK(num(weighted.at("quality_score")) == Approx(0.5));
    CHECK(num(weighted.at("weights").at("completeness")) == 1.0);
}

TEST_CASE("analyze_data_quality: bad config names the key", "[agents][tasks]") {
    CHECK_THAT(validation_message([] { tasks::analyze_data_quality(j("[]"), cfg(R"({"threshold": 1.5})")); }),
               Catch::StartsWith("config.threshold: expected a number from 0 to 1"));
    CHECK_THAT(validation_message([] { tasks::analyze_data_quality(j("[]"), cfg(R"({"threshold": "high"})")); }),
               Catch::StartsWith("config.threshold: expected a number"));
    CHECK_THAT(validation_message([] { tasks::analyze_data_quality(j("[]"), cfg(R"({"weights": {"validity": -1}})")); }),
               Catch::StartsWith("config.weights.validity:"));
    CHECK_THAT(validation_message([] { tasks::analyze_data_quality(j("[]"), cfg(R"({"weights": {"completeness": 0, "validity": 0, "uniqueness": 0}})")); }),
               Catch::StartsWith("config.weights:"));
}
