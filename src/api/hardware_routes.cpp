#include "api/hardware_routes.hpp"

#include <boost/json/serialize.hpp>

namespace chainbot::api {

void add_hardware_routes(http::router& r, std::shared_ptr<hardware::hardware_service> hw) {
    // permission: chainbot:read
    r.add("GET", "/api/chainbot/hardware", [hw = std::move(hw)](http::request&, http::responder respond) {
        respond(http::response::json(200, boost::json::serialize(hw->to_json())));
    });
}

}  // namespace chainbot::api
