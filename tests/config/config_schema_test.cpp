// The schema table agrees with settings.hpp.

#include "config/loader.hpp"
#include "config/schema.hpp"
#include "config_test_support.hpp"

#include <boost/json.hpp>

using namespace chainbot::config;
namespace json = boost::json;

TEST_CASE("each key's documented default equals the built-in settings", "[config][schema]") {
    const settings built_in;
    for (const auto& spec : schema()) {
        INFO(spec.key);
        checked_value def = check_value(spec, json::parse(spec.default_json));
        REQUIRE(def.value);
        CHECK(*def.value == read_field(spec, built_in));
    }
}

TEST_CASE("write_field and read_field round-trip every key", "[config][schema]") {
    settings s;
    const json::object defaults = to_json(s, false);
    for (const auto& spec : schema()) {
        INFO(spec.key);
        json::value value = read_field(spec, s);
        write_field(spec, s, value);
        CHECK(read_field(spec, s) == value);
    }
    CHECK(to_json(s, false) == defaults);
    CHECK(schema().size() == 48);
    CHECK(section_names() ==
          std::vector<std::string>{"database", "workflow", "cluster", "agents", "raspberry_pi", "api", "security", "resources",
                                   "module", "logging"});
}
