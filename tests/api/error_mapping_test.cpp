// The one mapping from exceptions to HTTP errors, kind by kind.
#include "api/api_errors.hpp"
#include "http/router.hpp"
#include "orchestrator/definition.hpp"
#include "orchestrator/orchestrator.hpp"
#include "store/errors.hpp"

#include <boost/json/parse.hpp>
#include <catch2/catch.hpp>

using namespace chainbot;

namespace {

template <typename E>
http::response map(E e) {
    return api::error_response(std::make_exception_ptr(std::move(e)));
}

boost::json::object error_of(const http::response& r) { return boost::json::parse(r.body).at("error").as_object(); }

std::string retry_after(const http::response& r) {
    for (const auto& [name, value] : r.headers)
        if (name == "Retry-After") return value;
    return {};
}

}  // namespace

TEST_CASE("validation errors map to 400 with every problem at its JSON path", "[api][errors]") {
    auto r = map(orchestrator::validation_error({{"$.steps[0].id", "duplicate step id"}, {"$.name", "required"}}));
    CHECK(r.status == 400);
    auto e = error_of(r);
    CHECK(e.at("code") == "validation_error");
    const auto& details = e.at("details").as_array();
    REQUIRE(details.size() == 2);
    CHECK(details[0].at("path") == "$.steps[0].id");
    CHECK(details[0].at("message") == "duplicate step id");
    CHECK(details[1].at("path") == "$.name");
}

TEST_CASE("orchestrator errors keep their status and code", "[api][errors]") {
    auto r = map(orchestrator::orchestrator_error(409, "conflict", "execution e1 is not running"));
    CHECK(r.status == 409);
    CHECK(error_of(r).at("code") == "conflict");
    CHECK(error_of(r).at("message") == "execution e1 is not running");
    auto stopping = map(orchestrator::orchestrator_error(503, "unavailable", "the orchestrator is not running"));
    CHECK(stopping.status == 503);
    CHECK_FALSE(retry_after(stopping).empty());
}

TEST_CASE("store errors map to 404, 409 and 503 with Retry-After", "[api][errors]") {
    auto missing = map(store::store_not_found("no workflow w1"));
    CHECK(missing.status == 404);
    CHECK(error_of(missing).at("code") == "not_found");
    auto conflict = map(store::store_conflict("executions are active"));
    CHECK(conflict.status == 409);
    CHECK(error_of(conflict).at("code") == "conflict");
    auto down = map(store::store_unavailable("database is down"));
    CHECK(down.status == 503);
    CHECK(error_of(down).at("code") == "database_unavailable");
    CHECK(retry_after(down) == std::to_string(api::retry_after_seconds));
}

TEST_CASE("http errors and invalid arguments map to their status", "[api][errors]") {
    auto r = map(http::http_error(415, "unsupported_media_type", "JSON only", boost::json::object{{"got", "text/plain"}}));
    CHECK(r.status == 415);
    CHECK(error_of(r).at("details").at("got") == "text/plain");
    auto bad = map(std::invalid_argument("limit must be positive"));
    CHECK(bad.status == 400);
    CHECK(error_of(bad).at("code") == "invalid_argument");
}

TEST_CASE("any other error is a 500 whose text stays out of the response", "[api][errors]") {
    for (auto r : {map(std::runtime_error("secret connection string")), map(store::store_error("disk I/O error")),
                   api::error_response(std::make_exception_ptr(42))}) {
        CHECK(r.status == 500);
        CHECK(error_of(r).at("code") == "internal_error");
        CHECK(r.body.find("secret") == std::string::npos);
        CHECK(r.body.find("disk") == std::string::npos);
    }
}

TEST_CASE("a full blocking pool answers 503 with Retry-After", "[api][errors]") {
    auto r = api::busy_response();
    CHECK(r.status == 503);
    CHECK_FALSE(retry_after(r).empty());
}
