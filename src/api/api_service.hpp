#pragma once
// The REST API as a runtime service: owns the router and the HTTP server, binds to
// api.host:api.port on start and drains in-flight requests on stop.

#include "http/router.hpp"
#include "http/server.hpp"
#include "runtime/runtime.hpp"

#include <atomic>
#include <functional>
#include <memory>

namespace chainbot::api {

class api_service final : public service {
public:
    /// @brief `module_info` supplies the JSON of GET /api/chainbot/info.
    explicit api_service(std::function<boost::json::object()> module_info);
    ~api_service() override;

    std::string_view name() const override { return "api"; }
    void start(runtime& rt) override;
    void stop() noexcept override;

    http::router& routes() noexcept { return router_; }
    /// @brief The bound port (useful with api.port 0); 0 while stopped.
    unsigned short port() const noexcept { return port_.load(); }

private:
    std::function<boost::json::object()> module_info_;
    http::router router_;
    std::unique_ptr<http::server> server_;
    std::atomic<unsigned short> port_{0};
    bool routes_added_ = false;
};

}  // namespace chainbot::api
