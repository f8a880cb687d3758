#include "api/system_routes.hpp"

#include <boost/json/serialize.hpp>

namespace chainbot::api {

void add_system_routes(http::router& r, runtime& rt, std::function<boost::json::object()> module_info) {
    r.add("GET", "/api/chainbot/health", [&rt](http::request&, http::responder respond) {
        auto report = rt.health().report();
        // 503 when unhealthy, so a load balancer or `curl -f` can tell without parsing.
        const int status = report.at("status").as_string() == "unhealthy" ? 503 : 200;
        respond(http::response::json(status, boost::json::serialize(report)));
    });
    r.add("GET", "/api/chainbot/info", [info = std::move(module_info)](http::request&, http::responder respond) {
        respond(http::response::json(200, boost::json::serialize(info())));
    });
}

}  // namespace chainbot::api
