// File formats: YAML core-schema typing, TOML and JSON conversion.

#include "config/loader.hpp"
#include "config/parsers.hpp"
#include "config_test_support.hpp"

#include <boost/json.hpp>

#include <cmath>

using namespace chainbot::config;
using chainbot::config::test::load_error;
using chainbot::config::test::temp_dir;
using Catch::Contains;
namespace json = boost::json;

namespace {

json::object parse_yaml_text(const std::string& text) {
    problem_list problems;
    auto value = parse_document(text, file_format::yaml, "test.yaml", problems);
    REQUIRE(problems.empty());
    REQUIRE(value);
    REQUIRE(value->is_object());
    return value->get_object();
}

}  // namespace

TEST_CASE("YAML plain scalars are typed, quoted scalars stay strings", "[config][formats]") {
    json::object doc = parse_yaml_text(
        "int: 5\nquoted_int: '5'\ndouble_quoted_bool: \"true\"\nbool: true\nTitle_bool: False\nfloat: 1.5\n"
        "exp: 1e3\nnull_word: null\ntilde: ~\nempty:\nquoted_null: 'null'\nhex: 0x1F\noctal: 0o17\n"
        "word: text\nversion: 1.2.3\nstr_tag: !!str 7\nlist: [1, '1']\ninf: .inf\nnegative: -42\n");
    CHECK(doc.at("int") == json::value(5));
    CHECK(doc.at("quoted_int") == json::value("5"));
    CHECK(doc.at("double_quoted_bool") == json::value("true"));
    CHECK(doc.at("bool") == json::value(true));
    CHECK(doc.at("Title_bool") == json::value(false));
    CHECK(doc.at("float") == json::value(1.5));
    CHECK(doc.at("exp") == json::value(1000.0));
    CHECK(doc.at("null_word").is_null());
    CHECK(doc.at("tilde").is_null());
    CHECK(doc.at("empty").is_null());
    CHECK(doc.at("quoted_null") == json::value("null"));
    CHECK(doc.at("hex") == json::value(31));
    CHECK(doc.at("octal") == json::value(15));
    CHECK(doc.at("word") == json::value("text"));
    CHECK(doc.at("version") == json::value("1.2.3"));
    CHECK(doc.at("str_tag") == json::value("7"));
    CHECK(doc.at("list") == json::parse(R"([1, "1"])"));
    CHECK(std::isinf(doc.at("inf").as_double()));
    CHECK(doc.at("negative") == json::value(-42));
}

TEST_CASE("YAML typing decides whether a value fits its key", "[config][formats]") {
    temp_dir dir;
    auto quoted_port = dir.write("quoted.yaml", "api:\n  port: \"8001\"\n");
    CHECK(load_error({.files = {quoted_port}}) ==
          quoted_port.string() + R"(: api.port: expected an integer from 0 to 65535, got "8001")");

    auto plain_chip = dir.write("plain.yml", "raspberry_pi:\n  gpio_chip: 4\n");
    CHECK(load_error({.files = {plain_chip}}) ==
          plain_chip.string() + ": raspberry_pi.gpio_chip: expected a non-empty string, got 4");

    auto good = dir.write("good.yaml", "api:\n  port: 8001\nraspberry_pi:\n  gpio_chip: \"4\"\n"
                                       "workflow:   # all keys commented out\nagents:\n  types: [api]\n");
    settings s = load({.files = {good}});
    CHECK(s.api.port == 8001);
    CHECK(s.raspberry_pi.gpio_chip == "4");
    CHECK(s.agents.types == std::vector<std::string>{"api"});

    auto empty = dir.write("empty.yaml", "# nothing set\n");
    CHECK(load({.files = {empty}}).workflow.retry_attempts == 3);

    auto null_value = dir.write("null.yaml", "logging:\n  file:\n");
    CHECK_THAT(load_error({.files = {null_value}}), Contains("logging.file: expected a string, got null"));
}

TEST_CASE("TOML tables, arrays and numbers map onto the sections", "[config][formats]") {
    temp_dir dir;
    auto file = dir.write("chainbot.toml",
                          "[raspberry_pi]\ncpu_temp_threshold_celsius = 65\n"
                          "[raspberry_pi.gpio_pins]\nstatus_led = 5\n"
                          "[agents]\ntypes = ['assistant', 'api']\n"
                          "[workflow]\ndefault_timeout_hours = 2.5\n[database]\nauto_migrate = false\n");
    settings s = load({.files = {file}});
    CHECK(s.raspberry_pi.cpu_temp_threshold_celsius == 65.0);
    CHECK(s.raspberry_pi.gpio_pins.status_led == 5);
    CHECK(s.agents.types == std::vector<std::string>{"assistant", "api"});
    CHECK(s.workflow.default_timeout_hours == 2.5);
    CHECK_FALSE(s.database.auto_migrate);

    auto dated = dir.write("dated.toml", "[api]\nport = 1979-05-27\n");
    CHECK(load_error({.files = {dated}}) ==
          dated.string() + R"(: api.port: expected an integer from 0 to 65535, got "1979-05-27")");
}

TEST_CASE("JSON errors carry the line and column of the fault", "[config][formats]") {
    problem_list problems;
    auto value = parse_document("{\n  \"a\": 1,\n  \"b\": tru\n}", file_format::json, "x.json", problems);
    CHECK_FALSE(value);
    REQUIRE(problems.lines().size() == 1);
    CHECK_THAT(problems.lines()[0], Catch::StartsWith("x.json: line 3, column 8: invalid JSON"));
}

TEST_CASE("the format follows the extension, in any case", "[config][formats]") {
    CHECK(format_of("a/b.json") == file_format::json);
    CHECK(format_of("b.YAML") == file_format::yaml);
    CHECK(format_of("b.yml") == file_format::yaml);
    CHECK(format_of("b.Toml") == file_format::toml);
    CHECK_FALSE(format_of("b.ini"));
    CHECK_FALSE(format_of("yaml"));

    temp_dir dir;
    auto upper = dir.write("CONFIG.JSON", R"({"api": {"port": 1234}})");
    CHECK(load({.files = {upper}}).api.port == 1234);
}
