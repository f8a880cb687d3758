#include "host_test_support.hpp"
#include "module_config_builder.hpp"
#include "module_manifest.hpp"

#include <boost/json/serialize.hpp>
#include <catch2/catch.hpp>

namespace {

alex_os::module_manifest manifest(const std::string& id, const std::filesystem::path& dir) {
    return alex_os::module_manifest::parse(
        R"({"id": ")" + id + R"(", "library": "l.so", "abi_version": "1.0", "default_config": "default.yaml"})",
        dir / "module.json");
}

}  // namespace

TEST_CASE("module_config_builder.settings_become_sections", "[host][config]") {
    alex_os::module_config_builder b;
    b.add_setting("chainbot.api.port=8001");
    b.add_setting("chainbot.api.host=0.0.0.0");  // not JSON: a string
    b.add_setting("chainbot.workflow.retry={\"attempts\": 3}");
    b.add_setting("chainbot.log.level=\"debug\"");
    b.add_setting("chainbot.api.port=8002");  // later wins
    b.add_setting("other.enabled=true");
    const auto chainbot = boost::json::serialize(b.build(manifest("chainbot", "/nowhere")));
    CHECK(chainbot ==
          R"({"api":{"port":8002,"host":"0.0.0.0"},"workflow":{"retry":{"attempts":3}},"log":{"level":"debug"}})");
    CHECK(boost::json::serialize(b.build(manifest("other", "/nowhere"))) == R"({"enabled":true})");
    CHECK(boost::json::serialize(b.build(manifest("third", "/nowhere"))) == "{}");
    REQUIRE(b.config_keys().size() == 6);
    CHECK(b.config_keys()[0] == std::pair<std::string, std::string>{"chainbot.api.port", "8001"});
    CHECK(b.config_keys()[1] == std::pair<std::string, std::string>{"chainbot.api.host", "\"0.0.0.0\""});
    CHECK(b.named_modules() == std::set<std::string>{"chainbot", "other"});
}

TEST_CASE("module_config_builder.malformed_settings", "[host][config]") {
    alex_os::module_config_builder b;
    CHECK_THROWS_AS(b.add_setting("chainbot.api.port"), alex_os::option_error);
    CHECK_THROWS_AS(b.add_setting("chainbot=1"), alex_os::option_error);
    CHECK_THROWS_AS(b.add_setting("chainbot..port=1"), alex_os::option_error);
    CHECK_THROWS_AS(b.add_setting(".api=1"), alex_os::option_error);
    b.add_setting("m.api=1");
    CHECK_THROWS_WITH(b.add_setting("m.api.port=2"), Catch::Contains("m.api already holds a value"));
    b.add_setting("m.db.path=\"x\"");
    CHECK_THROWS_WITH(b.add_setting("m.db=3"), Catch::Contains("m.db is a section"));
}

TEST_CASE("module_config_builder.config_files_and_default", "[host][config]") {
    host_test::temp_dir dir;
    host_test::write_file(dir / "chainbot/default.yaml", "api: {}\n");
    alex_os::module_config_builder b;
    b.add_config_file("/etc/common.yaml");
    b.add_config_file("chainbot=/etc/chainbot.yaml");
    b.add_config_file("other=/etc/other.toml");
    b.add_config_file("relative.json");
    CHECK_THROWS_AS(b.add_config_file("chainbot="), alex_os::option_error);

    const auto config = b.build(manifest("chainbot", dir / "chainbot"));
    CHECK(config.at("default_config").as_string() == (dir / "chainbot/default.yaml").string());
    const auto& files = config.at("config_files").as_array();
    REQUIRE(files.size() == 3);
    CHECK(files[0].as_string() == "/etc/common.yaml");
    CHECK(files[1].as_string() == "/etc/chainbot.yaml");
    CHECK(files[2].as_string() == (std::filesystem::current_path() / "relative.json").string());

    // No default.yaml in its folder: no "default_config".
    const auto other = b.build(manifest("other", dir / "other"));
    CHECK_FALSE(other.contains("default_config"));
    CHECK(other.at("config_files").as_array().size() == 3);
}
