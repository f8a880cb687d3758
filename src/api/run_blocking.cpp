#include "api/run_blocking.hpp"

#include "api/api_errors.hpp"

namespace chainbot::api {

void run_blocking(runtime& rt, http::responder respond, std::function<http::response()> fn) {
    // The responder is shared: if the pool refuses the job, the copy inside it is gone.
    auto shared = std::make_shared<http::responder>(std::move(respond));
    const bool queued = rt.post_blocking([&rt, shared, fn = std::move(fn)] {
        http::response res;
        try {
            res = fn();
        } catch (...) {
            res = error_response(std::current_exception(), &rt.log());
        }
        (*shared)(std::move(res));
    });
    if (!queued) (*shared)(busy_response());
}

http::handler blocking_handler(runtime& rt, std::function<http::response(http::request&)> fn) {
    auto shared = std::make_shared<const std::function<http::response(http::request&)>>(std::move(fn));
    return [&rt, shared](http::request& req, http::responder respond) {
        // The request stays valid until the responder is called, which is after fn returns.
        run_blocking(rt, std::move(respond), [shared, &req] { return (*shared)(req); });
    };
}

}  // namespace chainbot::api
