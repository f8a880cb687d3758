#include "tasks_test_support.hpp"

using namespace tasks_test;

TEST_CASE("transform_data: the seed's normalize is min-max over every numeric field", "[agents][tasks]") {
    const auto out = tasks::transform_data(j(R"({"records": [{"x": 10, "y": 5, "name": "a"}, {"x": 20, "y": 5, "name": "b"},
                                                             {"x": 30, "y": 5, "name": "c"}]})"),
                                           cfg(R"({"transformation": "normalize"})"));
    CHECK(column(out, "x") == std::vector<double>{0.0, 0.5, 1.0});
    CHECK(column(out, "y") == std::vector<double>{0.0, 0.0, 0.0});  // a constant field becomes 0
    CHECK(out.at("records").as_array()[1].at("name") == "b");
    CHECK(out.at("count") == 3);
    CHECK(out.at("operations") == j(R"(["normalize"])"));
}

TEST_CASE("transform_data: z-score uses the population standard deviation", "[agents][tasks]") {
    const auto out = tasks::transform_data(j(R"([{"v": 2}, {"v": 4}, {"v": 4}, {"v": 4}, {"v": 5}, {"v": 5}, {"v": 7}, {"v": 9}])"),
                                           cfg(R"({"operations": [{"op": "normalize", "method": "z_score"}]})"));
    // mean 5, population stddev 2
    CHECK(column(out, "v") == std::vector<double>{-1.5, -0.5, -0.5, -0.5, 0.0, 0.0, 1.0, 2.0});

    const auto constant = tasks::transform_data(j(R"([{"v": 3}, {"v": 3}])"),
                                                cfg(R"({"operations": [{"op": "normalize", "method": "z_score"}]})"));
    CHECK(column(constant, "v") == std::vector<double>{0.0, 0.0});
}

TEST_CASE("transform_data: normalize only the listed fields and leave non-numbers alone", "[agents][tasks]") {
    const auto out = tasks::transform_data(
        j(R"([{"a": 0, "b": 1}, {"a": "n/a", "b": 2}, {"a": 4, "b": 3}, {"b": 4}])"),
        cfg(R"({"operations": [{"op": "normalize", "fields": ["a"]}]})"));
    const auto& recs = out.at("records").as_array();
    CHECK(recs[0].at("a") == 0.0);
    CHECK(recs[1].at("a") == "n/a");
    CHECK(recs[2].at("a") == 1.0);
    CHECK(recs[0].at("b") == 1);
    CHECK_FALSE(recs[3].as_object().contains("a"));
}

TEST_CASE("transform_data: huge magnitudes normalize without infinity", "[agents][tasks]") {
    const auto out = tasks::transform_data(j(R"([{"v": -1.5e308}, {"v": 0}, {"v": 1.5e308}])"),
                                           cfg(R"({"transformation": "normalize"})"));
    CHECK(column(out, "v") == std::vector<double>{0.0, 0.5, 1.0});
    const auto z = tasks::transform_data(j(R"([{"v": -1.5e308}, {"v": 1.5e308}])"),
                                         cfg(R"({"operations": [{"op": "normalize", "method": "z_score"}]})"));
    CHECK(column(z, "v") == std::vector<double>{-1.0, 1.0});
}

TEST_CASE("transform_data: rename keeps the position and replaces an existing target", "[agents][tasks]") {
    const auto out = tasks::transform_data(j(R"([{"a": 1, "b": 2, "c": 3}, {"b": 5}, {"x": 1}])"),
                                           cfg(R"({"operations": [{"op": "rename", "from": "a", "to": "c"}]})"));
    const auto& recs = out.at("records").as_array();
    CHECK(json::serialize(recs[0]) == R"({"c":1,"b":2})");
    CHECK(json::serialize(recs[1]) == R"({"b":5})");
    CHECK(json::serialize(recs[2]) == R"({"x":1})");
}

TEST_CASE("transform_data: map sets a field from an expression over value and record", "[agents][tasks]") {
    const auto out = tasks::transform_data(
        j(R"([{"price": 2, "qty": 3}, {"price": 1.5, "qty": 2}])"),
        cfg(R"x({"operations": [{"op": "map", "field": "price", "expression": "value * 2"},
                               {"op": "map", "field": "total", "expression": "record.price * record.qty"},
                               {"op": "map", "field": "label", "expression": "upper('item ') + string(record.qty)"}]})x"));
    const auto& recs = out.at("records").as_array();
    CHECK(recs[0] == j(R"({"price": 4, "qty": 3, "total": 12, "label": "ITEM 3"})"));
    CHECK(recs[1] == j(R"({"price": 3.0, "qty": 2, "total": 6.0, "label": "ITEM 2"})"));
    CHECK(out.at("operations") == j(R"(["map", "map", "map"])"));
}

TEST_CASE("transform_data: filter keeps records whose expression is true", "[agents][tasks]") {
    const auto out = tasks::transform_data(
        j(R"([{"name": "a", "age": 17}, {"name": "b", "age": 18}, {"name": "c", "age": 40}, {"name": "d"}])"),
        cfg(R"({"operations": [{"op": "filter", "expression": "default(record.age, 0) >= 18"}]})"));
    CHECK(out.at("count") == 2);
    CHECK(out.at("records") == j(R"([{"name": "b", "age": 18}, {"name": "c", "age": 40}])"));
}

TEST_CASE("transform_data: expression errors name the operation and the record", "[agents][tasks]") {
    const auto msg = validation_message([] {
        tasks::transform_data(j(R"([{"age": 20}, {"name": "x"}])"),
                              cfg(R"({"operations": [{"op": "filter", "expression": "record.age >= 18"}]})"));
    });
    CHECK(msg == "config.operations[0].expression: records[1]: unknown reference record.age");
    const auto parse = validation_message([] {
        tasks::transform_data(j(R"([{"a": 1}])"), cfg(R"({"operations": [{"op": "map", "field": "a", "expression": "value *"}]})"));
    });
    CHECK_THAT(parse, Catch::StartsWith("config.operations[0].expression: expected an expression"));
}

TEST_CASE("transform_data: sort ascending and descending, missing values last, stable", "[agents][tasks]") {
    const char* input = R"([{"id": 1, "x": 3}, {"id": 2}, {"id": 3, "x": 1}, {"id": 4, "x": 3}, {"id": 5, "x": null}, {"id": 6, "x": 2.5}])";
    auto ids = [](const json::object& out) {
        std::vector<std::int64_t> v;
        for (const auto& r : out.at("records").as_array()) v.push_back(r.at("id").as_int64());
        return v;
    };
    CHECK(ids(tasks::transform_data(j(input), cfg(R"({"operations": [{"op": "sort", "field": "x"}]})"))) ==
          std::vector<std::int64_t>{3, 6, 1, 4, 2, 5});
    CHECK(ids(tasks::transform_data(j(input), cfg(R"({"operations": [{"op": "sort", "field": "x", "order": "desc"}]})"))) ==
          std::vector<std::int64_t>{1, 4, 6, 3, 2, 5});
    CHECK(ids(tasks::transform_data(j(R"([{"id": 1, "x": "b"}, {"id": 2, "x": 10}, {"id": 3, "x": "a"}])"),
                                    cfg(R"({"operations": [{"op": "sort", "field": "x"}]})"))) ==
          std::vector<std::int64_t>{2, 3, 1});
}

TEST_CASE("transform_data: deduplicate on all fields or on the listed ones", "[agents][tasks]") {
    const char* input = R"([{"a": 1, "b": 2}, {"b": 2, "a": 1.0}, {"a": 1, "b": 3}, {"a": 2, "b": 3}])";
    const auto all = tasks::transform_data(j(input), cfg(R"({"transformation": "deduplicate"})"));
    CHECK(all.at("count") == 3);
    const auto by_b = tasks::transform_data(j(input), cfg(R"({"operations": [{"op": "deduplicate", "fields": ["b"]}]})"));
    CHECK(by_b.at("records") == j(R"([{"a": 1, "b": 2}, {"a": 1, "b": 3}])"));
}

TEST_CASE("transform_data: flatten nested objects with a separator", "[agents][tasks]") {
    const auto dot = tasks::transform_data(j(R"([{"id": 1, "user": {"name": "a", "address": {"city": "X"}}, "tags": [1, {"k": 2}], "e": {}}])"),
                                           cfg(R"({"transformation": "flatten"})"));
    CHECK(json::serialize(dot.at("records").as_array()[0]) ==
          R"({"id":1,"user.name":"a","user.address.city":"X","tags":[1,{"k":2}],"e":{}})");
    const auto underscore = tasks::transform_data(j(R"([{"a": {"b": 1}}])"),
                                                  cfg(R"({"operations": [{"op": "flatten", "separator": "_"}]})"));
    CHECK(underscore.at("records").as_array()[0] == j(R"({"a_b": 1})"));
}

TEST_CASE("transform_data: operations chain in order", "[agents][tasks]") {
    const auto out = tasks::transform_data(
        j(R"({"records": [{"n": "c", "s": {"v": 30}}, {"n": "a", "s": {"v": 10}}, {"n": "b", "s": {"v": 20}}, {"n": "a", "s": {"v": 10}}]})"),
        cfg(R"({"transformation": {"operations": [{"op": "flatten"}, {"op": "deduplicate"}, {"op": "rename", "from": "s.v", "to": "v"},
                                                  {"op": "sort", "field": "v", "order": "desc"}, {"op": "normalize"}]}})"));
    CHECK(out.at("records") == j(R"([{"n": "c", "v": 1.0}, {"n": "b", "v": 0.5}, {"n": "a", "v": 0.0}])"));
    CHECK(out.at("operations") == j(R"(["flatten", "deduplicate", "rename", "sort", "normalize"])"));
}

TEST_CASE("transform_data: bad config names the key", "[agents][tasks]") {
    auto message = [](const char* config, const char* input = "[]") {
        return validation_message([&] { tasks::transform_data(j(input), cfg(config)); });
    };
    CHECK_THAT(message("{}"), Catch::StartsWith("config.transformation: missing"));
    CHECK_THAT(message(R"({"transformation": "denormalize"})"),
               Catch::StartsWith("config.transformation: unknown transformation 'denormalize'"));
    CHECK_THAT(message(R"({"operations": {"op": "sort"}})"), Catch::StartsWith("config.operations: expected an array"));
    CHECK_THAT(message(R"({"operations": [42]})"), Catch::StartsWith("config.operations[0]: expected an object"));
    CHECK_THAT(message(R"({"operations": [{"op": "explode"}]})"),
               Catch::StartsWith("config.operations[0].op: unknown operation 'explode'"));
    CHECK_THAT(message(R"({"operations": [{"op": "sort"}]})"), Catch::StartsWith("config.operations[0].field:"));
    CHECK_THAT(message(R"({"operations": [{"op": "sort", "field": "x", "order": "up"}]})"),
               Catch::StartsWith("config.operations[0].order:"));
    CHECK_THAT(message(R"({"operations": [{"op": "normalize", "method": "log"}]})"),
               Catch::StartsWith("config.operations[0].method:"));
    CHECK_THAT(message(R"({"operations": [{"op": "rename", "from": "a"}]})"), Catch::StartsWith("config.operations[0].to:"));
    CHECK_THAT(message(R"({"operations": [{"op": "filter"}]})"), Catch::StartsWith("config.operations[0].expression:"));
    CHECK_THAT(message(R"({"operations": [{"op": "normalize", "fields": [1]}]})"),
               Catch::StartsWith("config.operations[0].fields[0]:"));
    CHECK(message(R"({"transformation": "normalize"})", R"([{"a": 1}, "text"])") ==
          "records[1]: expected an object, got string");
}
