#include "api/api_service.hpp"

#include "api/system_routes.hpp"

namespace chainbot::api {

api_service::api_service(std::function<boost::json::object()> module_info) : module_info_(std::move(module_info)) {}

api_service::~api_service() { stop(); }

void api_service::start(runtime& rt) {
    if (!routes_added_) {
        add_system_routes(router_, rt, module_info_);
        routes_added_ = true;
    }
    const auto s = rt.settings();
    auto server = std::make_unique<http::server>(rt.io(), router_);
    server->listen(s->api.host, static_cast<unsigned short>(s->api.port));
    port_ = server->port();
    server_ = std::move(server);
    rt.health().add("api", [this] {
        return port_.load() != 0 ? component_health{1.0, {}} : component_health{0.0, "API server is not listening"};
    });
    rt.log().info("api", "listening on http://{}:{}/api/chainbot/", s->api.host, port_.load());
}

void api_service::stop() noexcept {
    if (server_) server_->stop();
    server_.reset();
    port_ = 0;
}

}  // namespace chainbot::api
