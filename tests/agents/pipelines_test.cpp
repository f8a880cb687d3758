#include "tasks_test_support.hpp"

using namespace tasks_test;

TEST_CASE("basic_processing: drops invalid records and duplicates, then min-max normalizes", "[agents][tasks]") {
    const char* input = R"({"records": [{"id": 1, "v": 10}, {"id": 2, "v": null}, {"id": 3, "v": 30},
                                         {"id": 1, "v": 10}, {"id": 4, "v": 20}]})";
    const auto out = tasks::basic_processing(j(input), cfg(R"({"fields": ["v"]})"));
    CHECK(out.at("records") == j(R"([{"id": 1, "v": 0.0}, {"id": 3, "v": 1.0}, {"id": 4, "v": 0.5}])"));
    CHECK(out.at("count") == 3);
    CHECK(out.at("removed_invalid") == 1);
    CHECK(out.at("removed_duplicates") == 1);
    CHECK(out.at("validation").at("invalid_count") == 1);
    CHECK(out.at("validation").at("errors").as_array()[0].at("record") == 1);
    CHECK(out.at("normalization").at("method") == "min_max");
    CHECK(out.at("normalization").at("parameters").at("v") == j(R"({"min": 10, "max": 30})"));
    CHECK(out.at("steps") == j(R"(["validate", "deduplicate", "normalize_min_max"])"));

    const auto every = tasks::basic_processing(j(input), {});
    CHECK(column(every, "id") == std::vector<double>{0.0, 2.0 / 3, 1.0});

    const auto kept = tasks::basic_processing(j(input), cfg(R"({"drop_invalid": false, "fields": ["v"]})"));
    CHECK(kept.at("count") == 4);
    CHECK(kept.at("records").as_array()[1].at("v").is_null());
}

TEST_CASE("advanced_processing: statistics and quality of the cleaned data, then z-scores", "[agents][tasks]") {
    const auto out = tasks::advanced_processing(j(R"([
        {"id": 1, "v": 2}, {"id": 2, "v": 4}, {"id": 3, "v": 4}, {"id": 4, "v": 4}, {"id": 5, "v": 5},
        {"id": 6, "v": 5}, {"id": 7, "v": 7}, {"id": 8, "v": 9}, {"id": 9, "v": "bad"}, {"id": 8, "v": 9}])"), {});
    CHECK(out.at("removed_invalid") == 1);  // "bad" breaks the format rule: v is a number elsewhere
    CHECK(out.at("removed_duplicates") == 1);
    CHECK(out.at("count") == 8);
    CHECK(column(out, "v") == std::vector<double>{-1.5, -0.5, -0.5, -0.5, 0.0, 0.0, 1.0, 2.0});
    const auto& v = out.at("statistics").at("fields").at("v");
    CHECK(num(v.at("mean")) == 5.0);
    CHECK(num(v.at("stddev")) == 2.0);
    CHECK(num(v.at("median")) == 4.5);
    CHECK(num(out.at("quality_score")) == 1.0);
    CHECK(out.at("quality").at("record_count") == 8);
    CHECK(out.at("normalization").at("parameters").at("v") == j(R"({"mean": 5.0, "stddev": 2.0})"));
    CHECK(out.at("steps") == j(R"(["validate", "deduplicate", "statistics", "analyze_quality", "normalize_z_score"])"));
}

TEST_CASE("processing pipelines: empty input and bad config", "[agents][tasks]") {
    const auto basic = tasks::basic_processing(j(R"({"records": []})"), {});
    CHECK(basic.at("count") == 0);
    const auto advanced = tasks::advanced_processing(j(R"({"records": []})"), {});
    CHECK(advanced.at("quality_score") == 0.0);
    CHECK_THAT(validation_message([] { tasks::basic_processing(j("[]"), cfg(R"({"drop_invalid": "yes"})")); }),
               Catch::StartsWith("config.drop_invalid:"));
    CHECK_THAT(validation_message([] { tasks::advanced_processing(j("[]"), cfg(R"({"validation_rules": ["strict"]})")); }),
               Catch::StartsWith("config.validation_rules[0]:"));
}
