#include "host_test_support.hpp"
#include "module_manifest.hpp"
#include "module_registry.hpp"

#include <catch2/catch.hpp>

using host_test::temp_dir;
using host_test::write_file;

namespace {

void write_manifest(const std::filesystem::path& dir, const std::string& id, const std::string& extra = "") {
    write_file(dir / "module.json", R"({"id": ")" + id + R"(", "library": "lib)" + id +
                                        R"(.so", "abi_version": "1.0")" + extra + "}");
}

std::string joined(const std::vector<std::string>& lines) {
    std::string out;
    for (const auto& l : lines) out += l + "\n";
    return out;
}

}  // namespace

TEST_CASE("module_manifest.parse", "[host][registry]") {
    const auto m = alex_os::module_manifest::parse(
        R"({"id": "chainbot", "name": "ChainBot", "library": "libchainbot.so", "abi_version": "1.0",
            "default_config": "default.yaml", "description": "workflows", "future_key": [1]})",
        "/opt/mods/chainbot/module.json");
    CHECK(m.id == "chainbot");
    CHECK(m.name == "ChainBot");
    CHECK(m.library_path() == "/opt/mods/chainbot/libchainbot.so");
    CHECK(m.abi_version == "1.0");
    CHECK(m.version.empty());
    CHECK(m.default_config == "default.yaml");
    CHECK_FALSE(m.default_config_path());  // the file does not exist
}

TEST_CASE("module_manifest.errors_name_file_and_key", "[host][registry]") {
    const std::filesystem::path file = "/m/x/module.json";
    auto error_of = [&](const std::string& json) {
        try {
            (void)alex_os::module_manifest::parse(json, file);
        } catch (const alex_os::manifest_error& e) {
            return std::string(e.what());
        }
        return std::string("no error");
    };
    CHECK(error_of(R"({"id": "x", "abi_version": "1.0"})") == "/m/x/module.json: missing required key \"library\"");
    CHECK(error_of(R"({"id": 5, "library": "l.so", "abi_version": "1.0"})") ==
          "/m/x/module.json: key \"id\": expected a string, found a number");
    CHECK_THAT(error_of(R"({"id": "a b", "library": "l.so", "abi_version": "1.0"})"),
               Catch::StartsWith("/m/x/module.json: key \"id\":"));
    CHECK_THAT(error_of(R"({"id": "x", "library": "l.so", "abi_version": "one"})"),
               Catch::StartsWith("/m/x/module.json: key \"abi_version\":"));
    CHECK_THAT(error_of(R"({"id": "x", "library": "/abs/l.so", "abi_version": "1.0"})"),
               Catch::StartsWith("/m/x/module.json: key \"library\":"));
    CHECK_THAT(error_of(R"({"id": "x", "library": "l.so", "abi_version": "1.0", "name": false})"),
               Catch::StartsWith("/m/x/module.json: key \"name\": expected a string, found a boolean"));
    CHECK_THAT(error_of("{\"id\": "), Catch::StartsWith("/m/x/module.json: not valid JSON"));
    CHECK(error_of("[]") == "/m/x/module.json: expected a JSON object");
}

TEST_CASE("module_registry.discovery", "[host][registry]") {
    temp_dir root;
    write_manifest(root / "mods/beta", "beta");
    write_manifest(root / "mods/alpha", "alpha", R"(, "version": "2.0.1")");
    std::filesystem::create_directories(root / "mods/not_a_module");
    write_file(root / "mods/README", "not a folder");
    write_manifest(root / "single", "single");  // a search dir that is itself a module folder
    write_manifest(root / "more/alpha2", "alpha");  // same id later on the path: shadowed

    alex_os::module_registry registry({root / "mods", root / "single", root / "more", root / "missing"}, root / "home");
    const auto found = registry.discover();
    REQUIRE(found.modules.size() == 3);
    CHECK(found.modules[0].id == "alpha");
    CHECK(found.modules[0].version == "2.0.1");
    CHECK(found.modules[0].dir() == root.path() / "mods/alpha");
    CHECK(found.modules[1].id == "beta");
    CHECK(found.modules[2].id == "single");
    const auto problems = joined(found.problems);
    CHECK_THAT(problems, Catch::Contains("module 'alpha' in " + (root / "more/alpha2").string() + " is shadowed"));
    CHECK_THAT(problems, Catch::Contains("modules directory " + (root / "missing").string() + " does not exist"));
}

TEST_CASE("module_registry.bad_manifest_is_reported_not_fatal", "[host][registry]") {
    temp_dir root;
    write_manifest(root / "mods/good", "good");
    write_file(root / "mods/bad/module.json", R"({"id": "bad", "library": 7, "abi_version": "1.0"})");
    alex_os::module_registry registry({root / "mods"}, root / "home");
    std::vector<std::string> problems;
    const auto records = registry.list(&problems);
    REQUIRE(records.size() == 1);
    CHECK(records[0].id == "good");
    REQUIRE(problems.size() == 1);
    CHECK(problems[0] == (root / "mods/bad/module.json").string() + ": key \"library\": expected a string, found a number");
}

TEST_CASE("module_registry.register_and_unregister_persist", "[host][registry]") {
    temp_dir root;
    write_manifest(root / "mods/alpha", "alpha");
    write_manifest(root / "elsewhere/gamma", "gamma");
    {
        alex_os::module_registry registry({root / "mods"}, root / "home");
        CHECK(registry.registered().empty());
        CHECK(registry.register_module("alpha").id == "alpha");
        CHECK(registry.register_module((root / "elsewhere/gamma").string()).id == "gamma");  // by path
        CHECK_THROWS_WITH(registry.register_module("nosuch"),
                          Catch::Contains("module 'nosuch' not found in " + (root / "mods").string()));
        CHECK_THROWS_WITH(registry.register_module((root / "mods").string() + "/"),
                          Catch::Contains("is not a module folder"));
    }
    REQUIRE(std::filesystem::exists(root / "home/modules.json"));
    {
        alex_os::module_registry registry({root / "mods"}, root / "home");  // a later run
        const auto registered = registry.registered();
        REQUIRE(registered.size() == 2);
        CHECK(registered[0].id == "alpha");
        CHECK(registered[0].dir == root.path() / "mods/alpha");
        CHECK(registered[1].dir == root.path() / "elsewhere/gamma");
        const auto records = registry.list();
        REQUIRE(records.size() == 2);
        CHECK(records[0].state() == "registered");
        CHECK(records[0].discovered);
        CHECK(records[1].id == "gamma");
        CHECK(records[1].state() == "registered");
        CHECK_FALSE(records[1].discovered);

        registry.unregister_module("alpha");
        CHECK_THROWS_WITH(registry.unregister_module("alpha"), "module 'alpha' is not registered");
    }
    {
        alex_os::module_registry registry({root / "mods"}, root / "home");
        REQUIRE(registry.registered().size() == 1);
        CHECK(registry.find("alpha")->state() == "discovered");
        // A registered folder that lost its manifest shows as unavailable.
        std::filesystem::remove(root / "elsewhere/gamma/module.json");
        std::vector<std::string> problems;
        const auto gamma = registry.find("gamma");
        REQUIRE(gamma);
        CHECK(gamma->state() == "unavailable");
        CHECK_THAT(gamma->problem, Catch::Contains("cannot read"));
    }
}

TEST_CASE("module_registry.corrupt_registry_file_is_named", "[host][registry]") {
    temp_dir root;
    write_file(root / "home/modules.json", "{\"modules\": 3}");
    alex_os::module_registry registry({}, root / "home");
    CHECK_THROWS_WITH(registry.registered(), Catch::Contains((root / "home/modules.json").string()) &&
                                                 Catch::Contains("key \"modules\""));
}
