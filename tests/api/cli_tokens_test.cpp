// A token issued by the `token issue` command (run_command, as `alex_os chainbot token
// issue` runs it) works against the REST API with its user's roles; revoked, it stops.
#include <chainbot/module.hpp>

#include "support/http_get.hpp"
#include "support/temp_dir.hpp"

#include <catch2/catch.hpp>

using namespace chainbot;
using namespace chainbot::test;

namespace {

std::string last_line(const std::string& text) {
    auto end = text.find_last_not_of('\n');
    auto start = text.rfind('\n', end);
    return text.substr(start + 1, end - start);
}

}  // namespace

TEST_CASE("tokens from the command line carry their user's roles to the REST API", "[api][cli][auth]") {
    temp_dir dir;
    chainbot_module module;
    module.initialize({}, R"({"api": {"port": 0}, "module": {"data_dir": ")" + dir.str() + R"("}})");
    auto made = module.run_command("user", {"create", "reader", "--role", "viewer"});
    INFO(made.output << made.error);
    REQUIRE(made.exit_code == 0);
    auto issued = module.run_command("token", {"issue", "reader"});
    REQUIRE(issued.exit_code == 0);
    const auto secret = last_line(issued.output);
    const auto id_start = issued.output.find("issued token ") + 13;
    const auto token_id = issued.output.substr(id_start, issued.output.find(' ', id_start) - id_start);

    module.start();
    const header_list auth{{"Authorization", "Bearer " + secret}, {"Content-Type", "application/json"}};
    CHECK(http_request(module.api_port(), "GET", "/api/chainbot/workflows", "", auth).status == 200);
    auto denied = http_request(module.api_port(), "POST", "/api/chainbot/agents", R"({"agent_type": "api"})", auth);
    CHECK(denied.status == 403);  // a viewer may not spawn
    module.stop();

    REQUIRE(module.run_command("token", {"revoke", token_id}).exit_code == 0);
    module.start();
    CHECK(http_request(module.api_port(), "GET", "/api/chainbot/workflows", "", auth).status == 401);
}
