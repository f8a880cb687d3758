#pragma once
/// @file route_table.hpp
/// @brief The REST API's one route table: every route with the permission it needs. The
/// table adds each route to the router through one wrapper, which asks the authorization
/// hook before the handler runs and records the request's count and latency when it is
/// answered. The same table describes the API in GET /api/chainbot/openapi.json.
///
/// @code
///   route_table table(router);
///   table.add({"GET", "/api/chainbot/workflows", std::string(permission::read), list_workflows,
///              "List workflows (paginated)"});
///   table.set_authorizer([&](http::request& req, const route& r) -> std::optional<http::response> {
///       if (r.permission == permission::public_access) return std::nullopt;
///       if (!token_grants(req.header("authorization"), r.permission))
///           return http::response::error(403, "forbidden", "missing permission " + r.permission);
///       return std::nullopt;  // allowed
///   });
/// @endcode

#include "api/request_metrics.hpp"
#include "http/router.hpp"
#include "runtime/logger.hpp"

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include "security/permissions.hpp"

#include <string_view>
#include <vector>

namespace chainbot::api {

/// @brief The permission values a route may declare: security's eight (one list for the
/// whole module) plus `public` (no token: health, the README's first curl, and openapi.json).
namespace permission {
using namespace security::permission;
/// @brief True for `public` and the eight permissions.
bool is_known(std::string_view p) noexcept;
}  // namespace permission

/// @brief One route: what the router matches, the permission it needs, what runs.
struct route {
    std::string method;      ///< "GET", "POST", ...
    std::string pattern;     ///< "/api/chainbot/workflows/{id}"
    std::string permission;  ///< one of permission::*
    http::handler handler;
    std::string summary;  ///< one line for the OpenAPI description
};

/// @brief Decides whether a request may reach its route's handler. Returns the response
/// to send instead (401, 403, 429...) or nullopt to let it through. Called on an I/O
/// thread for every request of every route, public ones included (the hook decides
/// what `public` means); it must not block. It may set headers of the request (e.g. a
/// resolved principal) for the handler to read.
using authorizer = std::function<std::optional<http::response>(http::request&, const route&)>;

/// @brief The same decision for hooks that may need blocking work (a token lookup on a
/// cache miss): the hook calls `decided` exactly once, from any thread, with the refusal
/// or nullopt; the handler then runs on that thread. The request stays valid until then.
using async_authorizer = std::function<void(http::request&, const route&,
                                            std::function<void(std::optional<http::response>)> decided)>;

class route_table {
public:
    /// @brief Routes are added to `router`, which must outlive the table's use.
    explicit route_table(http::router& router);

    /// @brief Adds a route to the table and the router.
    /// @throws std::invalid_argument for an unknown permission, a missing handler or
    /// summary, or what router::add refuses (a duplicate...).
    void add(route r);
    /// @brief Adds a route whose handler lives on another router (code that registers
    /// itself on a plain router, like add_hardware_routes): the table's wrapper runs as
    /// for any route, then `inner` dispatches. `r.handler` is ignored.
    void add_forwarded(route r, std::shared_ptr<const http::router> inner);

    /// @brief Routes of the table, without handlers, in the order added. Safe once the
    /// routes are added (api_service adds its own on start).
    std::vector<route> routes() const;

    /// @brief Installs the authorization hook (default: allow everything). Callable at
    /// any time; requests already past the hook are not affected.
    void set_authorizer(authorizer hook);
    /// @brief Installs an asynchronous hook instead (replacing either kind).
    void set_async_authorizer(async_authorizer hook);

    /// @brief Where internal errors of handlers that throw are logged; may be null.
    void set_log(logger* log) noexcept { log_.store(log); }

    request_metrics& metrics() noexcept { return *metrics_; }
    const request_metrics& metrics() const noexcept { return *metrics_; }

private:
    http::handler wrap(route r);
    std::shared_ptr<const async_authorizer> current_authorizer() const;

    http::router& router_;
    std::atomic<logger*> log_{nullptr};
    std::shared_ptr<request_metrics> metrics_ = std::make_shared<request_metrics>();
    mutable std::mutex mutex_;
    std::vector<route> routes_;  // descriptors (handlers cleared)
    std::shared_ptr<const async_authorizer> authorizer_;  // a synchronous hook is adapted to this
};

}  // namespace chainbot::api
