#pragma once
// The REST API as a runtime service: owns the router, the route table (every route with
// its permission, behind the authorization hook) and the HTTP server, binds to
// api.host:api.port on start and drains in-flight requests on stop.

#include "api/api_context.hpp"
#include "api/pending_waits.hpp"
#include "api/route_table.hpp"
#include "http/router.hpp"
#include "http/server.hpp"
#include "runtime/runtime.hpp"

#include <atomic>
#include <functional>
#include <memory>
#include <optional>

namespace chainbot::api {

class api_service final : public service {
public:
    /// @brief `module_info` supplies the JSON of GET /api/chainbot/info.
    explicit api_service(std::function<boost::json::object()> module_info);
    ~api_service() override;

    std::string_view name() const override { return "api"; }
    /// @brief Adds the routes (the first time), then listens.
    void start(runtime& rt) override;
    /// @brief Stops listening, answers pending waits (202), lets in-flight requests finish.
    void stop() noexcept override;

    /// @brief The components behind the workflow, execution and metrics routes; before
    /// start. Without it only the system routes (health, info, openapi) exist.
    void attach(api_backends backends) { backends_ = std::move(backends); }

    /// @brief The route table: add routes here (not to the router) so that they declare
    /// their permission and pass the authorization hook; install the hook with
    /// table().set_authorizer(). Lists every route once started.
    route_table& table() noexcept { return table_; }
    http::router& routes() noexcept { return router_; }
    /// @brief The bound port (useful with api.port 0); 0 while stopped.
    unsigned short port() const noexcept { return port_.load(); }

private:
    std::function<boost::json::object()> module_info_;
    http::router router_;
    route_table table_{router_};
    pending_waits waits_;
    std::optional<api_backends> backends_;
    std::unique_ptr<api_context> context_;
    std::unique_ptr<http::server> server_;
    std::atomic<unsigned short> port_{0};
    bool routes_added_ = false;
};

}  // namespace chainbot::api
