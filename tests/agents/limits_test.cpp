// Bad and odd inputs: every task refuses what it cannot take with a validation failure that
// names the limit or the field, and never emits NaN or infinity.
#include "tasks_test_support.hpp"

#include "agents/tasks/records.hpp"

#include <cmath>
#include <functional>

using namespace tasks_test;

namespace {

struct named_task {
    const char* name;
    std::function<json::object(const json::value&)> run;
};

std::vector<named_task> all_tasks() {
    return {
        {"validate_input_data", [](const json::value& in) { return tasks::validate_input_data(in, {}); }},
        {"transform_data", [](const json::value& in) { return tasks::transform_data(in, cfg(R"({"transformation": "normalize"})")); }},
        {"analyze_data_quality", [](const json::value& in) { return tasks::analyze_data_quality(in, {}); }},
        {"compute_statistics", [](const json::value& in) { return tasks::compute_statistics(in, {}); }},
        {"aggregate", [](const json::value& in) { return tasks::aggregate(in, cfg(R"({"group_by": "a"})")); }},
        {"basic_processing", [](const json::value& in) { return tasks::basic_processing(in, {}); }},
        {"advanced_processing", [](const json::value& in) { return tasks::advanced_processing(in, {}); }},
    };
}

bool all_finite(const json::value& v) {
    switch (v.kind()) {
    case json::kind::double_: return std::isfinite(v.get_double());
    case json::kind::array:
        for (const auto& e : v.get_array())
            if (!all_finite(e)) return false;
        return true;
    case json::kind::object:
        for (const auto& kv : v.get_object())
            if (!all_finite(kv.value())) return false;
        return true;
    default: return true;
    }
}

}  // namespace

TEST_CASE("limits: input that is not records is refused by every task", "[agents][tasks]") {
    for (const auto& t : all_tasks()) {
        INFO(t.name);
        CHECK(validation_message([&] { t.run(j("42")); }) ==
              "input: expected an array of records or an object with 'records', got number");
        CHECK_THAT(validation_message([&] { t.run(j(R"({"rows": []})")); }), Catch::StartsWith("input.records: missing"));
        CHECK(validation_message([&] { t.run(j(R"({"records": "a,b"})")); }) ==
              "input.records: expected an array, got string");
    }
}

TEST_CASE("limits: more than 100000 records are refused by every task", "[agents][tasks]") {
    json::array records(tasks::max_records + 1, json::object{});
    const json::value input = json::object{{"records", std::move(records)}};
    for (const auto& t : all_tasks()) {
        INFO(t.name);
        CHECK(validation_message([&] { t.run(input); }) ==
              "input.records: 100001 records exceed the limit of 100000 records");
    }
    json::array at_limit(tasks::max_records, json::object{{"a", 1}});
    CHECK(tasks::compute_statistics(at_limit, {}).at("fields").at("a").at("count") == 100000);
}

TEST_CASE("limits: inputs above 10 MB or nested too deeply are refused by every task", "[agents][tasks]") {
    json::array big;
    for (int i = 0; i < 11; ++i) big.push_back(json::object{{"text", std::string(1024 * 1024, 'x')}});
    json::value deep = json::array{};
    for (int i = 0; i < 70; ++i) deep = json::array{std::move(deep)};
    const json::value deep_input = json::array{json::object{{"a", deep}}};
    for (const auto& t : all_tasks()) {
        INFO(t.name);
        CHECK(validation_message([&] { t.run(big); }) == "input: larger than the limit of 10 MB (10485760 bytes)");
        CHECK(validation_message([&] { t.run(deep_input); }) == "input: nested deeper than the limit of 64 levels");
    }
}

TEST_CASE("limits: odd records never crash and never produce NaN or infinity", "[agents][tasks]") {
    const char* inputs[] = {
        "[]",
        "[{}]",
        R"([{"a": [1, {"b": null}], "c": {"d": {"e": 1}}}, {"a": "x"}])",
        R"([{"a": 1e308}, {"a": -1e308}, {"a": 1.7976931348623157e308}])",
        R"([{"a": 5e-324}, {"a": 0}, {"a": -5e-324}])",
        R"([{"a": 18446744073709551615}, {"a": -9223372036854775808}])",
        R"([{"a": true}, {"a": null}, {"a": "1"}, {"a": 1}])",
        R"([null, 1, "x", [], {"a": 1}])",
    };
    for (const char* text : inputs) {
        for (const auto& t : all_tasks()) {
            INFO(t.name << " on " << text);
            json::object out;
            try {
                out = t.run(j(text));
            } catch (const step_failure& e) {
                CHECK(e.kind() == "validation");
                continue;
            }
            CHECK(all_finite(out));
        }
    }
}
