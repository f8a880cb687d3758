#include "api/route_table.hpp"

#include <algorithm>

#include "api/api_errors.hpp"

#include <array>
#include <chrono>
#include <stdexcept>

namespace chainbot::api {

bool permission::is_known(std::string_view p) noexcept {
    return p == public_access || std::find(all.begin(), all.end(), p) != all.end();
}

route_table::route_table(http::router& router) : router_(router) {}

void route_table::add(route r) {
    const auto name = r.method + " " + r.pattern;
    if (!permission::is_known(r.permission))
        throw std::invalid_argument("route " + name + ": unknown permission '" + r.permission + "'");
    if (!r.handler) throw std::invalid_argument("route " + name + ": no handler");
    if (r.summary.empty()) throw std::invalid_argument("route " + name + ": no summary");
    route descriptor{r.method, r.pattern, r.permission, nullptr, r.summary};
    router_.add(descriptor.method, descriptor.pattern, wrap(std::move(r)));
    std::lock_guard lock(mutex_);
    routes_.push_back(std::move(descriptor));
}

void route_table::add_forwarded(route r, std::shared_ptr<const http::router> inner) {
    if (!inner) throw std::invalid_argument("route " + r.method + " " + r.pattern + ": no router to forward to");
    r.handler = [inner](http::request& req, http::responder respond) { inner->dispatch(req, std::move(respond)); };
    add(std::move(r));
}

std::vector<route> route_table::routes() const {
    std::lock_guard lock(mutex_);
    return routes_;
}

void route_table::set_authorizer(authorizer hook) {
    if (!hook) return set_async_authorizer(nullptr);
    set_async_authorizer([hook = std::move(hook)](http::request& req, const route& r,
                                                  std::function<void(std::optional<http::response>)> decided) {
        decided(hook(req, r));
    });
}

void route_table::set_async_authorizer(async_authorizer hook) {
    auto shared = hook ? std::make_shared<const async_authorizer>(std::move(hook)) : nullptr;
    std::lock_guard lock(mutex_);
    authorizer_ = std::move(shared);
}

std::shared_ptr<const async_authorizer> route_table::current_authorizer() const {
    std::lock_guard lock(mutex_);
    return authorizer_;
}

// The one wrapper every route runs through: authorize, run the handler, and record the
// answer (whoever gives it, from whichever thread) once.
http::handler route_table::wrap(route r) {
    auto descriptor = std::make_shared<const route>(route{r.method, r.pattern, r.permission, nullptr, r.summary});
    auto handler = std::make_shared<const http::handler>(std::move(r.handler));
    return [this, descriptor, handler, metrics = metrics_](http::request& req, http::responder respond) {
        const auto started = std::chrono::steady_clock::now();
        auto recorded = std::make_shared<std::atomic<bool>>(false);
        http::responder answer = [descriptor, metrics, started, recorded,
                                  respond = std::move(respond)](http::response res) {
            if (!recorded->exchange(true))
                metrics->record(descriptor->method, descriptor->pattern, res.status,
                                std::chrono::steady_clock::now() - started);
            respond(std::move(res));
        };
        auto run = [this, &req, answer, handler](std::optional<http::response> refusal) {
            if (refusal) return answer(std::move(*refusal));
            try {
                (*handler)(req, answer);
            } catch (...) {
                answer(error_response(std::current_exception(), log_.load()));
            }
        };
        auto hook = current_authorizer();
        if (!hook) return run(std::nullopt);
        try {
            (*hook)(req, *descriptor, run);
        } catch (...) {
            answer(error_response(std::current_exception(), log_.load()));
        }
    };
}

}  // namespace chainbot::api
