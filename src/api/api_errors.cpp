#include "api/api_errors.hpp"

#include "http/router.hpp"
#include "orchestrator/definition.hpp"
#include "orchestrator/orchestrator.hpp"
#include "runtime/service_error.hpp"
#include "store/errors.hpp"

#include <boost/json/array.hpp>

#include <string>

namespace chainbot::api {

namespace {

http::response with_retry_after(http::response r, int seconds = retry_after_seconds) {
    r.headers.emplace_back("Retry-After", std::to_string(seconds > 0 ? seconds : retry_after_seconds));
    return r;
}

}  // namespace

http::response busy_response() {
    return with_retry_after(http::response::error(503, "unavailable", "the server is busy or stopping; retry later"));
}

http::response error_response(std::exception_ptr error, logger* log) {
    try {
        std::rethrow_exception(error);
    } catch (const http::http_error& e) {
        auto r = e.to_response();
        return e.status() == 503 ? with_retry_after(std::move(r)) : r;
    } catch (const orchestrator::validation_error& e) {
        boost::json::array details;
        for (const auto& p : e.problems()) details.push_back(boost::json::object{{"path", p.path}, {"message", p.message}});
        const auto message = "invalid workflow definition: " + std::to_string(details.size()) +
                             (details.size() == 1 ? " problem" : " problems") + " (see details)";
        return http::response::error(400, "validation_error", message, std::move(details));
    } catch (const service_error& e) {  // orchestrator_error among them
        auto r = http::response::error(e.status(), e.code(), e.what());
        // Refused for load (a full queue, a resource limit): the caller may come back later.
        const bool later = e.status() == 503 || e.status() == 429;
        return later ? with_retry_after(std::move(r), e.retry_after_seconds()) : r;
    } catch (const store::store_not_found& e) {
        return http::response::error(404, "not_found", e.what());
    } catch (const store::store_conflict& e) {
        return http::response::error(409, "conflict", e.what());
    } catch (const store::store_unavailable& e) {
        return with_retry_after(http::response::error(503, "database_unavailable", e.what()));
    } catch (const std::invalid_argument& e) {
        return http::response::error(400, "invalid_argument", e.what());
    } catch (const std::exception& e) {
        if (log) log->error("api", "request failed: {}", e.what());
    } catch (...) {
        if (log) log->error("api", "request failed with a non-exception");
    }
    return http::response::error(500, "internal_error", "internal error");
}

}  // namespace chainbot::api
