#include "host_paths.hpp"
#include "host_test_support.hpp"

#include <catch2/catch.hpp>

using paths = std::vector<std::filesystem::path>;

TEST_CASE("host_paths.module_dirs_precedence", "[host][registry]") {
    host_test::temp_dir root;
    std::filesystem::create_directories(root / "bin/modules");
    const auto exe_dir = root / "bin";

    CHECK(alex_os::host_paths::module_dirs({"/cli/a", "/cli/b"}, "/env/a", exe_dir) == paths{"/cli/a", "/cli/b"});
    CHECK(alex_os::host_paths::module_dirs({}, "/env/a::/env/b:", exe_dir) == paths{"/env/a", "/env/b"});
    // Defaults: only those that exist (/usr/lib/alex_os/modules normally does not).
    const auto defaults = alex_os::host_paths::module_dirs({}, "", exe_dir);
    REQUIRE_FALSE(defaults.empty());
    CHECK(defaults.front() == root / "bin/modules");
    std::filesystem::create_directories(root / "lib/alex_os/modules");
    const auto both = alex_os::host_paths::module_dirs({}, nullptr, exe_dir);
    REQUIRE(both.size() >= 2);
    CHECK(both[1] == (root / "lib/alex_os/modules").lexically_normal());
}

TEST_CASE("host_paths.home_precedence", "[host][registry]") {
    using alex_os::host_paths;
    CHECK(host_paths::home(std::filesystem::path("/cli"), "/env", "/xdg", "/home/u") == "/cli");
    CHECK(host_paths::home(std::nullopt, "/env", "/xdg", "/home/u") == "/env");
    CHECK(host_paths::home(std::nullopt, "", "/xdg", "/home/u") == "/xdg/alex_os");
    CHECK(host_paths::home(std::nullopt, nullptr, nullptr, "/home/u") == "/home/u/.local/state/alex_os");
    CHECK_THROWS(host_paths::home(std::nullopt, nullptr, nullptr, nullptr));
}
