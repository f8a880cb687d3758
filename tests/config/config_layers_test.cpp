// Layer precedence: defaults < default.yaml < files < initialize config < environment
// < runtime change, key by key.

#include "config/loader.hpp"
#include "config/parsers.hpp"
#include "config/schema.hpp"
#include "config_test_support.hpp"

#include <boost/json.hpp>

using namespace chainbot::config;
using chainbot::config::test::temp_dir;
namespace json = boost::json;

namespace {

const std::filesystem::path shipped_defaults = std::filesystem::path(CHAINBOT_SOURCE_DIR) / "config" / "default.yaml";

/// Whether `object` holds the dotted key.
bool has_key(const json::object& object, std::string_view key) {
    const json::object* section = &object;
    for (auto dot = key.find('.'); dot != std::string_view::npos; dot = key.find('.')) {
        auto it = section->find(key.substr(0, dot));
        if (it == section->end() || !it->value().is_object()) return false;
        section = &it->value().get_object();
        key.remove_prefix(dot + 1);
    }
    return section->contains(key);
}

}  // namespace

TEST_CASE("each layer overrides the ones before it, key by key", "[config][layers]") {
    CHECK(load({}).workflow.retry_attempts == 3);

    temp_dir dir;
    load_request request;
    request.default_file = dir.write("default.yaml", "workflow:\n  retry_attempts: 4\ndatabase:\n  pool_size: 11\n");
    settings s = load(request);
    CHECK(s.workflow.retry_attempts == 4);
    CHECK(s.database.pool_size == 11);
    CHECK(s.database.max_overflow == 20);  // untouched: built-in

    request.files.push_back(dir.write("first.json", R"({"workflow": {"retry_attempts": 5},
        "database": {"max_overflow": 21}, "api": {"port": 9000}})"));
    s = load(request);
    CHECK(s.workflow.retry_attempts == 5);
    CHECK(s.database.pool_size == 11);  // from default.yaml
    CHECK(s.database.max_overflow == 21);
    CHECK(s.api.port == 9000);

    request.files.push_back(dir.write("second.toml", "[workflow]\nretry_attempts = 6\n[api]\nport = 9001\n"));
    s = load(request);
    CHECK(s.workflow.retry_attempts == 6);
    CHECK(s.api.port == 9001);  // the later file wins
    CHECK(s.database.max_overflow == 21);

    request.inline_layer = json::parse(R"({"workflow": {"retry_attempts": 7}, "logging": {"level": "DEBUG"}})")
                               .as_object();
    s = load(request);
    CHECK(s.workflow.retry_attempts == 7);
    CHECK(s.logging.level == chainbot::log_level::debug);
    CHECK(s.api.port == 9001);

    request.environment = {{"ALEX_OS_CHAINBOT_WORKFLOW_RETRY_ATTEMPTS", "8"}};
    s = load(request);
    CHECK(s.workflow.retry_attempts == 8);
    CHECK(s.logging.level == chainbot::log_level::debug);
    CHECK(s.database.pool_size == 11);
    CHECK(s.database.max_overflow == 21);
    CHECK(s.api.port == 9001);

    auto changed = apply_change(s, "workflow.retry_attempts", json::value(9));
    CHECK(changed.updated.workflow.retry_attempts == 9);
    CHECK(changed.updated.api.port == 9001);
}

TEST_CASE("the shipped default.yaml lists every key with exactly the built-in defaults", "[config][layers]") {
    REQUIRE(std::filesystem::exists(shipped_defaults));
    settings from_file = load({.default_file = shipped_defaults});
    settings built_in = load({});
    CHECK(to_json(from_file, false) == to_json(built_in, false));

    problem_list problems;
    auto sections = read_config_file(shipped_defaults, problems);
    REQUIRE(sections);
    for (const auto& spec : schema()) {
        INFO(spec.key);
        CHECK(has_key(*sections, spec.key));
    }
}

TEST_CASE("a missing default file is skipped, a missing listed file is an error", "[config][layers]") {
    temp_dir dir;
    settings s = load({.default_file = dir.path() / "absent.yaml"});
    CHECK(s.workflow.retry_attempts == 3);

    auto missing = dir.path() / "absent.json";
    std::string message = test::load_error({.files = {missing}});
    CHECK(message == missing.string() + ": file not found");

    auto ini = dir.write("settings.ini", "[workflow]\n");
    message = test::load_error({.files = {ini}});
    CHECK_THAT(message, Catch::StartsWith(ini.string() + ": unknown file type \".ini\""));
}

TEST_CASE("the data dir is made absolute and the default database URL derived from it", "[config][layers]") {
    settings s = load({});
    auto expected_dir = std::filesystem::current_path() / "data";
    CHECK(s.module.data_dir == expected_dir.string());
    CHECK(s.database.url == "sqlite://" + (expected_dir / "chainbot.db").string());

    temp_dir dir;
    auto data = dir.path() / "state";
    s = load({.inline_layer = {{"module", {{"data_dir", data.string() + "/"}}}}});
    CHECK(s.module.data_dir == data.string());
    CHECK(s.database.url == "sqlite://" + data.string() + "/chainbot.db");

    s = load({.inline_layer = {{"database", {{"url", "sqlite:///srv/chainbot/main.db"}}}}});
    CHECK(s.database.url == "sqlite:///srv/chainbot/main.db");
}

TEST_CASE("the initialize config may name files next to its sections", "[config][layers]") {
    auto inline_layer = json::parse(R"({"config_files": ["a.yaml"], "default_config": "d.yaml",
                                        "api": {"port": 0}})").as_object();
    settings s = load({.inline_layer = inline_layer});
    CHECK(s.api.port == 0);
}
