#include "api/api_service.hpp"

#include "api/agent_routes.hpp"

#include "api/execute_route.hpp"
#include "api/execution_routes.hpp"
#include "api/metrics_routes.hpp"
#include "api/openapi.hpp"
#include "api/system_routes.hpp"
#include "api/webhook_routes.hpp"
#include "api/workflow_routes.hpp"
#include "api/ws_route.hpp"
#include "orchestrator/orchestrator.hpp"
#include "store/database.hpp"
#include "store/errors.hpp"
#include "ws/hub.hpp"

namespace chainbot::api {

std::shared_ptr<store::database> api_context::db() const {
    if (!backends.store) throw store::store_unavailable("the store is not configured");
    try {
        return backends.store();
    } catch (const std::logic_error&) {
        throw store::store_unavailable("the store is not open");
    }
}

orchestrator::orchestrator& api_context::orch() const {
    if (!backends.orchestrator)
        throw http::http_error(503, "unavailable", "the workflow orchestrator is not available");
    return *backends.orchestrator;
}

api_service::api_service(std::function<boost::json::object()> module_info) : module_info_(std::move(module_info)) {}

api_service::~api_service() { stop(); }

void api_service::start(runtime& rt) {
    table_.set_log(&rt.log());
    waits_.open();
    if (!routes_added_) {
        add_system_routes(table_, rt, module_info_);
        add_openapi_route(table_);
        if (backends_) {
            context_ = std::make_unique<api_context>(api_context{rt, *backends_, table_, waits_});
            add_workflow_routes(*context_);
            add_execute_route(*context_);
            add_execution_routes(*context_);
            add_metrics_routes(*context_);
            add_agent_routes(*context_);
            add_webhook_routes(*context_);
            add_ws_route(*context_);
        }
        routes_added_ = true;
    }
    const auto s = rt.settings();
    auto server = std::make_unique<http::server>(rt.io(), router_);
    server->listen(s->api.host, static_cast<unsigned short>(s->api.port));
    port_ = server->port();
    server_ = std::move(server);
    if (context_ && context_->ws) context_->ws->start();
    rt.health().add("api", [this] {
        return port_.load() != 0 ? component_health{1.0, {}} : component_health{0.0, "API server is not listening"};
    });
    rt.log().info("api", "listening on http://{}:{}/api/chainbot/", s->api.host, port_.load());
}

void api_service::stop() noexcept {
    if (context_ && context_->ws) context_->ws->stop();  // WebSocket clients get 1001 (going away)
    if (server_) server_->stop();
    server_.reset();
    waits_.abandon_all();
    port_ = 0;
}

}  // namespace chainbot::api
