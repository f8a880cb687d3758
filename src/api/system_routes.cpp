#include "api/system_routes.hpp"

#include <boost/json/serialize.hpp>

namespace chainbot::api {

void add_system_routes(route_table& t, runtime& rt, std::function<boost::json::object()> module_info) {
    // Public: `curl http://localhost:8000/api/chainbot/health` must answer without a token.
    t.add({"GET", "/api/chainbot/health", std::string(permission::public_access), [&rt](http::request&, http::responder respond) {
        auto report = rt.health().report();
        // 503 when unhealthy, so a load balancer or `curl -f` can tell without parsing.
        const int status = report.at("status").as_string() == "unhealthy" ? 503 : 200;
        respond(http::response::json(status, boost::json::serialize(report)));
    }, "Overall and per-component health (503 when unhealthy)"});
    t.add({"GET", "/api/chainbot/info", std::string(permission::read),
           [info = std::move(module_info)](http::request&, http::responder respond) {
               respond(http::response::json(200, boost::json::serialize(info())));
           },
           "The module's identity, version, capabilities and endpoints"});
}

}  // namespace chainbot::api
