#include "tasks_test_support.hpp"

using namespace tasks_test;

namespace {

json::array errors_of(const json::object& out) { return out.at("errors").as_array(); }

std::vector<std::string> rules_broken(const json::object& out) {
    std::vector<std::string> rules;
    for (const auto& e : errors_of(out)) rules.emplace_back(e.at("rule").as_string());
    return rules;
}

}  // namespace

TEST_CASE("validate_input_data: the seed rules pass clean records and echo them", "[agents][tasks]") {
    const auto input = j(R"({"records": [{"name": "a", "age": 30}, {"name": "b", "age": 41.5}]})");
    const auto out = tasks::validate_input_data(input, cfg(R"({"validation_rules": ["required", "format"]})"));
    CHECK(out.at("valid") == true);
    CHECK(out.at("valid_count") == 2);
    CHECK(out.at("invalid_count") == 0);
    CHECK(errors_of(out).empty());
    CHECK(out.at("records") == input.at("records"));
}

TEST_CASE("validate_input_data: required flags null fields and empty records", "[agents][tasks]") {
    const auto out = tasks::validate_input_data(j(R"([{"a": 1, "b": null}, {}, {"a": 2, "b": 3}])"),
                                                cfg(R"({"validation_rules": ["required"]})"));
    CHECK(out.at("valid") == false);
    CHECK(out.at("valid_count") == 1);
    CHECK(out.at("invalid_count") == 2);
    const auto errors = errors_of(out);
    REQUIRE(errors.size() == 2);
    CHECK(errors[0] == j(R"({"record": 0, "field": "b", "rule": "required", "message": "field 'b' is null"})"));
    CHECK(errors[1].at("record") == 1);
    CHECK(errors[1].at("field").is_null());
    CHECK(errors[1].at("rule") == "required");
}

TEST_CASE("validate_input_data: format flags a field whose type differs from most records", "[agents][tasks]") {
    const auto out = tasks::validate_input_data(
        j(R"([{"age": 30}, {"age": 31.5}, {"age": "old"}, {"age": null}])"), cfg(R"({"validation_rules": ["format"]})"));
    CHECK(out.at("invalid_count") == 1);
    const auto errors = errors_of(out);
    REQUIRE(errors.size() == 1);
    CHECK(errors[0].at("record") == 2);
    CHECK(errors[0].at("field") == "age");
    CHECK(errors[0].at("rule") == "format");
    CHECK(std::string(errors[0].at("message").as_string()) == "field 'age' is string, but number in most records");
}

TEST_CASE("validate_input_data: a non-object record is one error, rule object", "[agents][tasks]") {
    const auto out = tasks::validate_input_data(j(R"([{"a": 1}, 7, [1], null])"),
                                                cfg(R"({"validation_rules": ["required", "format"]})"));
    CHECK(out.at("valid_count") == 1);
    CHECK(out.at("invalid_count") == 3);
    CHECK(rules_broken(out) == std::vector<std::string>{"object", "object", "object"});
}

TEST_CASE("validate_input_data: detailed required and type rules", "[agents][tasks]") {
    const auto config = cfg(R"({"validation_rules": {"fields": {
        "name": {"required": true, "type": "string"},
        "age": {"type": "integer"},
        "tags": {"type": "array"}, "ok": {"type": "boolean"}, "meta": {"type": "object"}, "score": {"type": "number"}}}})");
    const auto out = tasks::validate_input_data(j(R"([
        {"name": "a", "age": 3, "tags": [], "ok": true, "meta": {}, "score": 1.5},
        {"name": "b", "age": 4.0},
        {"age": 5},
        {"name": null},
        {"name": 1},
        {"name": "c", "age": 4.5},
        {"name": "d", "tags": "x", "ok": 1, "meta": [], "score": "1"}])"), config);
    CHECK(out.at("valid_count") == 2);
    const auto errors = errors_of(out);
    REQUIRE(errors.size() == 8);
    CHECK(errors[0] == j(R"({"record": 2, "field": "name", "rule": "required", "message": "field 'name' is missing"})"));
    CHECK(errors[1].at("message") == "field 'name' is null");
    CHECK(errors[2] == j(R"({"record": 4, "field": "name", "rule": "type", "message": "field 'name' is 1, expected string"})"));
    CHECK(errors[3].at("field") == "age");
    CHECK(errors[3].at("rule") == "type");
    for (std::size_t i = 4; i < 8; ++i) {
        CHECK(errors[i].at("record") == 6);
        CHECK(errors[i].at("rule") == "type");
    }
}

TEST_CASE("validate_input_data: formats email, date, uuid and url", "[agents][tasks]") {
    auto check = [](const char* format, std::vector<const char*> good, std::vector<const char*> bad) {
        json::array records;
        for (auto g : good) records.push_back(json::object{{"v", g}});
        for (auto b : bad) records.push_back(json::object{{"v", b}});
        records.push_back(json::object{{"v", 42}});
        const auto config =
            json::parse(std::string(R"({"validation_rules": {"fields": {"v": {"format": ")") + format + R"("}}}})")
                .as_object();
        const auto out = tasks::validate_input_data(records, config);
        INFO(format);
        CHECK(out.at("valid_count") == good.size());
        CHECK(out.at("invalid_count") == bad.size() + 1);
        for (const auto& e : out.at("errors").as_array()) CHECK(e.at("rule") == "format");
    };
    check("email", {"ada@example.com", "a.b+c@mail.example.org"},
          {"ada", "@example.com", "ada@", "ada@example", "a b@example.com", "a@b@example.com", "ada@example."});
    check("date", {"2024-02-29", "2023-12-31", "2024-05-01T12:00:00Z", "2024-05-01T12:00:00.123+02:00", "2024-05-01 08:30"},
          {"2023-02-29", "2024-13-01", "2024-1-01", "01/05/2024", "2024-05-01T25:00:00Z", "2024-05-01T12:00:00X"});
    check("uuid", {"123e4567-e89b-12d3-a456-426614174000", "123E4567-E89B-12D3-A456-426614174000"},
          {"123e4567e89b12d3a456426614174000", "123e4567-e89b-12d3-a456-42661417400g", ""});
    check("url", {"https://example.com", "http://localhost:8080/x?y=1", "ftp://files.example.com/a"},
          {"example.com", "://example.com", "https://", "https://exa mple.com", "1http://x"});
}

TEST_CASE("validate_input_data: regex, min, max and enum rules", "[agents][tasks]") {
    const auto config = cfg(R"({"validation_rules": {"fields": {
        "code": {"regex": "^[A-Z]{3}-[0-9]+$"},
        "age": {"min": 18, "max": 65},
        "name": {"min": 2, "max": 5},
        "status": {"enum": ["active", "inactive", 1]}}}})");
    const auto out = tasks::validate_input_data(j(R"([
        {"code": "ABC-12", "age": 18, "name": "Al", "status": "active"},
        {"code": "AB-12", "age": 65, "name": "Alice", "status": 1.0},
        {"code": 12, "age": 17.5},
        {"age": 66, "name": "A", "status": "gone"},
        {"name": "Alexandra", "age": true}])"), config);
    CHECK(out.at("valid_count") == 1);
    CHECK(rules_broken(out) ==
          std::vector<std::string>{"regex", "regex", "min", "max", "min", "enum", "range", "max"});
    const auto errors = errors_of(out);
    CHECK(errors[0].at("record") == 1);
    CHECK(errors[2].at("message") == "field 'age' is 17.5, below the minimum 18");
    CHECK(errors[4].at("message") == "field 'name' has length 1, below the minimum 2");
    CHECK(errors[5].at("message") == R"(field 'status' is "gone", not one of ["active","inactive",1])");
}

TEST_CASE("validate_input_data: regex uses the expression language's bounded matches", "[agents][tasks]") {
    const auto config = cfg(R"({"validation_rules": {"fields": {"s": {"regex": "^(a|b)*c$"}, "q": {"regex": "it's\\d"}}}})");
    const std::string long_text(5000, 'a');
    json::array records{json::object{{"s", "ababc"}, {"q", "it's1"}}, json::object{{"s", long_text}}};
    const auto out = tasks::validate_input_data(records, config);
    CHECK(out.at("valid_count") == 1);
    const auto errors = errors_of(out);
    REQUIRE(errors.size() == 1);
    CHECK(errors[0].at("rule") == "regex");
    CHECK(std::string(errors[0].at("message").as_string()).find("4096") != std::string::npos);

    const auto msg = validation_message([] {
        tasks::validate_input_data(j("[]"), cfg(R"({"validation_rules": {"fields": {"s": {"regex": "(a?){300}"}}}})"));
    });
    CHECK_THAT(msg, Catch::StartsWith("config.validation_rules.fields.s.regex: invalid pattern"));
    CHECK_THAT(validation_message([] {
                   tasks::validate_input_data(j("[]"), cfg(R"({"validation_rules": {"fields": {"s": {"regex": "(a"}}}})"));
               }),
               Catch::StartsWith("config.validation_rules.fields.s.regex"));
}

TEST_CASE("validate_input_data: bad rules name the config key", "[agents][tasks]") {
    auto message = [](const char* config) {
        return validation_message([&] { tasks::validate_input_data(j("[]"), cfg(config)); });
    };
    CHECK_THAT(message(R"({"validation_rules": ["required", "sane"]})"),
               Catch::StartsWith("config.validation_rules[1]: unknown rule \"sane\""));
    CHECK_THAT(message(R"({"validation_rules": "required"})"), Catch::StartsWith("config.validation_rules:"));
    CHECK_THAT(message(R"({"validation_rules": {"fields": {"a": {"type": "text"}}}})"),
               Catch::StartsWith("config.validation_rules.fields.a.type:"));
    CHECK_THAT(message(R"({"validation_rules": {"fields": {"a": {"format": "phone"}}}})"),
               Catch::StartsWith("config.validation_rules.fields.a.format:"));
    CHECK_THAT(message(R"({"validation_rules": {"fields": {"a": {"min": "1"}}}})"),
               Catch::StartsWith("config.validation_rules.fields.a.min: expected a number"));
    CHECK_THAT(message(R"({"validation_rules": {"fields": {"a": {"enum": []}}}})"),
               Catch::StartsWith("config.validation_rules.fields.a.enum:"));
    CHECK_THAT(message(R"({"validation_rules": {"fields": {"a": {"requird": true}}}})"),
               Catch::StartsWith("config.validation_rules.fields.a.requird: unknown rule"));
    CHECK_THAT(message(R"({"validation_rules": {"field": {}}})"),
               Catch::StartsWith("config.validation_rules.field: unknown key"));
}

TEST_CASE("validate_input_data: empty input is valid and errors are capped", "[agents][tasks]") {
    const auto empty = tasks::validate_input_data(j(R"({"records": []})"), {});
    CHECK(empty.at("valid") == true);
    CHECK(empty.at("valid_count") == 0);

    json::array records;
    for (int i = 0; i < 1500; ++i) records.push_back(json::object{{"a", nullptr}});
    const auto out = tasks::validate_input_data(records, {});
    CHECK(out.at("invalid_count") == 1500);
    CHECK(out.at("error_count") == 1500);
    CHECK(out.at("errors").as_array().size() == 1000);
    CHECK(out.at("errors_truncated") == true);
}
