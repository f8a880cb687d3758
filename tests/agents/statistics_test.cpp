#include "tasks_test_support.hpp"

using namespace tasks_test;

namespace {

json::array numbers(std::initializer_list<double> xs, const char* field = "v") {
    json::array out;
    for (double x : xs) out.push_back(json::object{{field, x}});
    return out;
}

}  // namespace

TEST_CASE("compute_statistics: mean 5 and population stddev 2 for 2 4 4 4 5 5 7 9", "[agents][tasks]") {
    const auto out = tasks::compute_statistics(j(R"({"records": [{"v": 2}, {"v": 4}, {"v": 4}, {"v": 4}, {"v": 5}, {"v": 5}, {"v": 7}, {"v": 9}]})"), {});
    const auto& v = out.at("fields").at("v");
    CHECK(v.at("count") == 8);
    CHECK(num(v.at("mean")) == 5.0);
    CHECK(num(v.at("stddev")) == 2.0);
    CHECK(num(v.at("median")) == 4.5);  // even count: the mean of the two middle values
    CHECK(v.at("min") == 2);
    CHECK(v.at("max") == 9);
    CHECK(out.at("record_count") == 8);
    CHECK(out.at("stddev_kind") == "population");
    CHECK(out.at("percentile_method") == "linear");
}

TEST_CASE("compute_statistics: percentiles of 1 to 10 by linear interpolation", "[agents][tasks]") {
    const auto out = tasks::compute_statistics(numbers({10, 1, 9, 2, 8, 3, 7, 4, 6, 5}), {});
    const auto& p = out.at("fields").at("v").at("percentiles");
    // rank = p / 100 * (n - 1); p90: rank 8.1 -> 9 + 0.1 * (10 - 9)
    CHECK(num(p.at("p90")) == Approx(9.1));
    CHECK(num(p.at("p25")) == Approx(3.25));
    CHECK(num(p.at("p50")) == Approx(5.5));
    CHECK(num(p.at("p75")) == Approx(7.75));
    CHECK(num(p.at("p95")) == Approx(9.55));
    CHECK(num(p.at("p99")) == Approx(9.91));
    CHECK(num(out.at("fields").at("v").at("median")) == 5.5);
    CHECK(num(out.at("fields").at("v").at("mean")) == 5.5);
}

TEST_CASE("compute_statistics: chosen fields and percentiles, odd count median", "[agents][tasks]") {
    const auto out = tasks::compute_statistics(
        j(R"([{"a": 3, "b": 1, "c": "x"}, {"a": 1, "b": "two"}, {"a": 2, "b": null}, {"b": 5}])"),
        cfg(R"({"fields": ["a", "b", "c"], "percentiles": [0, 12.5, 100]})"));
    const auto& f = out.at("fields").as_object();
    REQUIRE(f.size() == 3);
    CHECK(num(f.at("a").at("median")) == 2.0);
    CHECK(f.at("a").at("missing") == 1);
    CHECK(num(f.at("a").at("percentiles").at("p0")) == 1.0);
    CHECK(num(f.at("a").at("percentiles").at("p12.5")) == Approx(1.25));
    CHECK(num(f.at("a").at("percentiles").at("p100")) == 3.0);
    CHECK(f.at("b").at("count") == 2);
    CHECK(f.at("b").at("non_numeric") == 1);
    CHECK(f.at("b").at("missing") == 1);
    CHECK(f.at("c").at("count") == 0);
    CHECK(f.at("c").at("mean").is_null());
    CHECK(f.at("c").at("percentiles").at("p0").is_null());
}

TEST_CASE("compute_statistics: default fields are the numeric ones and huge values stay finite", "[agents][tasks]") {
    const auto out = tasks::compute_statistics(j(R"([{"name": "a", "x": 1e308, "ok": true}, {"name": "b", "x": 1e308}])"), {});
    const auto& f = out.at("fields").as_object();
    CHECK(f.size() == 1);
    CHECK(num(f.at("x").at("mean")) == 1e308);
    CHECK(num(f.at("x").at("stddev")) == 0.0);
    CHECK(tasks::compute_statistics(j("[]"), {}).at("fields").as_object().empty());
}

TEST_CASE("compute_statistics: bad config names the key", "[agents][tasks]") {
    CHECK_THAT(validation_message([] { tasks::compute_statistics(j("[]"), cfg(R"({"percentiles": [50, 101]})")); }),
               Catch::StartsWith("config.percentiles[1]:"));
    CHECK_THAT(validation_message([] { tasks::compute_statistics(j("[]"), cfg(R"({"percentiles": 50})")); }),
               Catch::StartsWith("config.percentiles:"));
    CHECK_THAT(validation_message([] { tasks::compute_statistics(j("[]"), cfg(R"({"fields": {"a": 1}})")); }),
               Catch::StartsWith("config.fields:"));
    CHECK(validation_message([] { tasks::compute_statistics(j("[1, 2]"), {}); }) ==
          "records[0]: expected an object, got number");
}

TEST_CASE("aggregate: sums, averages, counts, minimums and maximums by group, sorted by key", "[agents][tasks]") {
    const auto out = tasks::aggregate(j(R"({"records": [
        {"region": "west", "amount": 10, "qty": 1},
        {"region": "east", "amount": 5, "qty": 2},
        {"region": "west", "amount": 30, "qty": null},
        {"region": "east", "amount": 2.5},
        {"amount": 7}]})"),
        cfg(R"({"group_by": "region", "aggregations": {
            "total": {"op": "sum", "field": "amount"}, "average": {"op": "avg", "field": "amount"},
            "rows": {"op": "count"}, "with_qty": {"op": "count", "field": "qty"},
            "smallest": {"op": "min", "field": "amount"}, "largest": {"op": "max", "field": "amount"}}})"));
    CHECK(out.at("group_count") == 3);
    const auto& g = out.at("groups").as_array();
    // null sorts first, then strings byte by byte
    CHECK(g[0] == j(R"({"key": {"region": null}, "total": 7, "average": 7.0, "rows": 1, "with_qty": 0, "smallest": 7, "largest": 7})"));
    CHECK(g[1] == j(R"({"key": {"region": "east"}, "total": 7.5, "average": 3.75, "rows": 2, "with_qty": 1, "smallest": 2.5, "largest": 5})"));
    CHECK(g[2] == j(R"({"key": {"region": "west"}, "total": 40, "average": 20.0, "rows": 2, "with_qty": 1, "smallest": 10, "largest": 30})"));
}

TEST_CASE("aggregate: several group fields, defaults and empty groups", "[agents][tasks]") {
    const auto out = tasks::aggregate(
        j(R"([{"y": 2024, "m": 2, "v": "x"}, {"y": 2023, "m": 5}, {"y": 2024, "m": 1}, {"y": 2024, "m": 2}])"),
        cfg(R"({"group_by": ["y", "m"], "aggregations": {"n": {"op": "count"}, "s": {"op": "sum", "field": "v"},
                                                          "a": {"op": "avg", "field": "v"}}})"));
    const auto& g = out.at("groups").as_array();
    REQUIRE(g.size() == 3);
    CHECK(g[0].at("key") == j(R"({"y": 2023, "m": 5})"));
    CHECK(g[1].at("key") == j(R"({"y": 2024, "m": 1})"));
    CHECK(g[2] == j(R"({"key": {"y": 2024, "m": 2}, "n": 2, "s": 0, "a": null})"));

    const auto all = tasks::aggregate(j(R"([{"a": 1}, {"a": 2}])"), {});
    CHECK(all.at("groups") == j(R"([{"key": {}, "count": 2}])"));
    CHECK(tasks::aggregate(j("[]"), {}).at("group_count") == 0);
}

TEST_CASE("aggregate: integer sums that overflow become doubles", "[agents][tasks]") {
    const auto out = tasks::aggregate(j(R"([{"v": 9223372036854775807}, {"v": 1}])"),
                                      cfg(R"({"aggregations": {"s": {"op": "sum", "field": "v"}}})"));
    CHECK(out.at("groups").as_array()[0].at("s").is_double());
    CHECK(num(out.at("groups").as_array()[0].at("s")) == Approx(9.223372036854775808e18));
    const auto inf = tasks::aggregate(j(R"([{"v": 1e308}, {"v": 1e308}])"),
                                      cfg(R"({"aggregations": {"s": {"op": "sum", "field": "v"}, "a": {"op": "avg", "field": "v"}}})"));
    CHECK(inf.at("groups").as_array()[0].at("s").is_null());  // not representable: null, never inf
    CHECK(num(inf.at("groups").as_array()[0].at("a")) == 1e308);
}

TEST_CASE("aggregate: bad config names the key", "[agents][tasks]") {
    auto message = [](const char* config) {
        return validation_message([&] { tasks::aggregate(j("[]"), cfg(config)); });
    };
    CHECK_THAT(message(R"({"group_by": 3})"), Catch::StartsWith("config.group_by:"));
    CHECK_THAT(message(R"({"aggregations": []})"), Catch::StartsWith("config.aggregations:"));
    CHECK_THAT(message(R"({"aggregations": {"t": {"op": "median", "field": "a"}}})"),
               Catch::StartsWith("config.aggregations.t.op:"));
    CHECK_THAT(message(R"({"aggregations": {"t": {"op": "sum"}}})"), Catch::StartsWith("config.aggregations.t.field:"));
    CHECK_THAT(message(R"({"aggregations": {"key": {"op": "count"}}})"), Catch::StartsWith("config.aggregations.key:"));
    CHECK_THAT(message(R"({"aggregations": {"t": 1}})"), Catch::StartsWith("config.aggregations.t:"));
}
