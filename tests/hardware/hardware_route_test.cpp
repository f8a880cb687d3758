// GET /api/chainbot/hardware through the router: the latest readings and the GPIO lines.

#include "api/hardware_routes.hpp"
#include "gpio_rig.hpp"

#include <boost/json.hpp>

#include <optional>

using namespace chainbot;
using namespace chainbot::hardware;
using chainbot::test::fixture_copy;
using chainbot::test::gpio_rig;
using chainbot::test::hardware_settings;
namespace json = boost::json;

namespace {

http::response get(const http::router& r, std::string target) {
    http::request req;
    req.method = "GET";
    req.target = std::move(target);
    std::optional<http::response> out;
    r.dispatch(req, [&](http::response res) { out = std::move(res); });
    REQUIRE(out.has_value());
    return *out;
}

}  // namespace

TEST_CASE("GET /api/chainbot/hardware: readings, thermal state and GPIO lines", "[hardware][api]") {
    gpio_rig rig;
    rig.hw->set_line(17, true);
    http::router r;
    api::add_hardware_routes(r, rig.hw);

    const auto res = get(r, "/api/chainbot/hardware");
    CHECK(res.status == 200);
    CHECK(res.content_type == "application/json");
    const auto body = json::parse(res.body).as_object();
    CHECK(body.at("monitoring") == true);
    const auto& readings = body.at("readings").as_object();
    CHECK(readings.at("board_model") == "Raspberry Pi 5 Model B Rev 1.0");
    CHECK(readings.at("cpu").at("temperature_celsius") == 61.85);
    CHECK(readings.at("cpu").at("usage_percent").is_null());  // only the start sample so far
    CHECK(readings.at("memory").at("usage_percent") == 50.0);
    CHECK(readings.at("throttling").at("under_voltage") == false);
    CHECK(body.at("thermal").at("state") == "normal");
    CHECK(body.at("thermal").at("admission_hold") == false);

    const auto& gpio = body.at("gpio").as_object();
    CHECK(gpio.at("enabled") == true);
    CHECK(gpio.at("driver") == "simulated");
    CHECK(gpio.at("status") == "ok");
    CHECK(gpio.at("allowed_pins") == json::array{17, 27});
    bool saw_17 = false, saw_status = false;
    for (const auto& line : gpio.at("lines").as_array()) {
        if (line.at("pin") == 17) {
            saw_17 = true;
            CHECK(line.at("value") == true);
            CHECK(line.at("role") == "workflow");
            CHECK(line.at("direction") == "output");
        }
        if (line.at("pin") == 18) saw_status = line.at("role") == "status_led";
    }
    CHECK(saw_17);
    CHECK(saw_status);
    CHECK(get(r, "/api/chainbot/hardware?x=1").status == 200);
    CHECK(get(r, "/api/chainbot/hardwarez").status == 404);
}

TEST_CASE("GET /api/chainbot/hardware on an x86 server: unavailable values are null", "[hardware][api]") {
    fixture_copy tree("x86_server");
    runtime rt(hardware_settings(tree.data_dir()), host_services{});
    auto hw = std::make_shared<hardware_service>(hardware_options{.root = tree.root()});
    rt.add_service(hw);
    rt.start();
    http::router r;
    api::add_hardware_routes(r, hw);
    const auto body = json::parse(get(r, "/api/chainbot/hardware").body).as_object();
    CHECK(body.at("readings").at("board_model").is_null());
    CHECK(body.at("readings").at("throttling").is_null());
    CHECK(body.at("readings").at("cpu").at("temperature_celsius") == 45.0);
    CHECK(body.at("gpio").at("enabled") == false);
    CHECK_FALSE(body.at("gpio").as_object().contains("lines"));
    rt.stop();
}
