// The route table: every route declares its permission, the authorization hook guards
// every route, and openapi.json lists them all.
#include "api_fixture.hpp"

#include <fstream>

#include "api/run_blocking.hpp"
#include "store/errors.hpp"

#include <chainbot/module.hpp>

#include <mutex>
#include <set>

using namespace chainbot;
using namespace chainbot::test;
namespace json = boost::json;

namespace {

// A request to `pattern` with each {capture} filled in.
std::string filled_in(std::string pattern) {
    for (auto open = pattern.find('{'); open != std::string::npos; open = pattern.find('{'))
        pattern.replace(open, pattern.find('}', open) - open + 1, "x");
    return pattern;
}

}  // namespace

TEST_CASE("every route declares the permission issue 6 gives it", "[api][routes]") {
    api_fixture f;
    f.start();
    std::map<std::string, std::string> expected{
        {"GET /api/chainbot/health", "public"},
        {"GET /api/chainbot/openapi.json", "public"},
        {"GET /api/chainbot/info", "chainbot:read"},
        {"GET /api/chainbot/workflows", "chainbot:read"},
        {"POST /api/chainbot/workflows", "chainbot:workflow:create"},
        {"GET /api/chainbot/workflows/{id}", "chainbot:read"},
        {"PUT /api/chainbot/workflows/{id}", "chainbot:workflow:create"},
        {"DELETE /api/chainbot/workflows/{id}", "chainbot:workflow:delete"},
        {"POST /api/chainbot/workflows/{id}/execute", "chainbot:workflow:execute"},
        {"POST /api/chainbot/webhooks/{name}", "chainbot:workflow:execute"},
        {"GET /api/chainbot/executions", "chainbot:read"},
        {"GET /api/chainbot/executions/{id}", "chainbot:read"},
        {"POST /api/chainbot/executions/{id}/cancel", "chainbot:workflow:execute"},
        {"POST /api/chainbot/executions/{id}/pause", "chainbot:workflow:execute"},
        {"POST /api/chainbot/executions/{id}/resume", "chainbot:workflow:execute"},
        {"GET /api/chainbot/metrics", "chainbot:read"},
        {"GET /api/chainbot/metrics/prometheus", "chainbot:read"},
        {"GET /api/chainbot/cluster", "chainbot:read"},
        {"GET /api/chainbot/ws", "chainbot:read"},
        {"GET /api/chainbot/agents", "chainbot:read"},
        {"POST /api/chainbot/agents", "chainbot:agent:spawn"},
        {"GET /api/chainbot/agents/{id}", "chainbot:read"},
        {"DELETE /api/chainbot/agents/{id}", "chainbot:agent:terminate"},
        {"GET /api/chainbot/entanglements", "chainbot:read"},
        {"POST /api/chainbot/entanglements", "chainbot:entanglement:manage"},
        {"GET /api/chainbot/entanglements/{id}", "chainbot:read"},
        {"DELETE /api/chainbot/entanglements/{id}", "chainbot:entanglement:manage"},
        {"POST /api/chainbot/entanglements/{id}/agents", "chainbot:entanglement:manage"},
        {"DELETE /api/chainbot/entanglements/{id}/agents", "chainbot:entanglement:manage"},
        {"DELETE /api/chainbot/entanglements/{id}/agents/{agent_id}", "chainbot:entanglement:manage"},
        {"POST /api/chainbot/entanglements/{id}/messages", "chainbot:entanglement:manage"},
        {"GET /api/chainbot/entanglements/{id}/messages", "chainbot:read"}};
    std::map<std::string, std::string> actual;
    for (const auto& r : f.api->table().routes()) actual[r.method + " " + r.pattern] = r.permission;
    CHECK(actual == expected);
}

TEST_CASE("the table refuses a route with an unknown permission", "[api][routes]") {
    http::router router;
    api::route_table table(router);
    auto ok = [](http::request&, http::responder respond) { respond(http::response::json(200, "{}")); };
    CHECK_THROWS_AS(table.add({"GET", "/x", "chainbot:everything", ok, "x"}), std::invalid_argument);
    CHECK_THROWS_AS(table.add({"GET", "/x", "chainbot:read", ok, ""}), std::invalid_argument);
    CHECK_NOTHROW(table.add({"GET", "/x", "chainbot:read", ok, "x"}));
    CHECK(table.routes().size() == 1);
}

TEST_CASE("the authorization hook sees every route with its permission", "[api][routes]") {
    api_fixture f;
    std::mutex mutex;
    std::set<std::string> seen;
    const std::string denied(api::permission::workflow_execute);
    f.api->table().set_authorizer([&](http::request&, const api::route& r) -> std::optional<http::response> {
        std::lock_guard lock(mutex);
        seen.insert(r.method + " " + r.pattern + " " + r.permission);
        if (r.permission == denied) return http::response::error(403, "forbidden", "missing " + r.permission);
        return std::nullopt;
    });
    f.start();
    std::set<std::string> declared;
    for (const auto& r : f.api->table().routes()) {
        declared.insert(r.method + " " + r.pattern + " " + r.permission);
        auto reply = f.request(r.method, filled_in(r.pattern));
        INFO(r.method << " " << r.pattern << " -> " << reply.status << " " << reply.body);
        if (r.permission == denied) {
            CHECK(reply.status == 403);
            CHECK(reply.error_code() == "forbidden");
        } else {
            CHECK(reply.status != 403);
        }
    }
    CHECK(seen == declared);
}

TEST_CASE("an asynchronous hook may decide later, on another thread", "[api][routes]") {
    api_fixture f;
    std::mutex mutex;
    std::vector<std::thread> deciders;
    f.api->table().set_async_authorizer([&](http::request& req, const api::route&,
                                            std::function<void(std::optional<http::response>)> decided) {
        const bool allowed = req.header("authorization") == "Bearer good";
        std::lock_guard lock(mutex);
        deciders.emplace_back([allowed, decided] {
            decided(allowed ? std::nullopt : std::optional(http::response::error(401, "unauthorized", "no")));
        });
    });
    f.start();
    CHECK(f.get("/api/chainbot/workflows").status == 401);
    CHECK(f.request("GET", "/api/chainbot/workflows", "", {{"Authorization", "Bearer good"}}).status == 200);
    std::lock_guard lock(mutex);
    for (auto& t : deciders) t.join();
}

TEST_CASE("blocking handlers run off the I/O threads and map their errors", "[api][routes]") {
    api_fixture f;
    f.api->table().add({"GET", "/api/chainbot/test/blocking/{id}", std::string(api::permission::read),
                        api::blocking_handler(*f.rt, [](http::request& req) -> http::response {
                            if (req.params.at("id") == "missing") throw store::store_not_found("no such thing");
                            return http::response::json(200, R"({"id": ")" + req.params.at("id") + R"("})");
                        }),
                        "a test route"});
    f.start();
    CHECK(f.get("/api/chainbot/test/blocking/abc").json().at("id") == "abc");
    CHECK(f.get("/api/chainbot/test/blocking/missing").status == 404);
}

TEST_CASE("openapi.json lists every route of the table with its x-permission", "[api][routes]") {
    api_fixture f;
    f.start();
    auto r = f.get("/api/chainbot/openapi.json");
    REQUIRE(r.status == 200);
    auto doc = r.json().as_object();
    CHECK(doc.at("openapi") == "3.0.3");
    CHECK(doc.at("components").at("securitySchemes").at("bearerAuth").at("scheme") == "bearer");
    const auto& paths = doc.at("paths").as_object();
    std::size_t operations = 0;
    for (const auto& kv : paths) operations += kv.value().as_object().size();
    const auto routes = f.api->table().routes();
    CHECK(operations == routes.size());
    for (const auto& route : routes) {
        std::string method = route.method;
        for (auto& c : method) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        INFO(route.method << " " << route.pattern);
        REQUIRE(paths.contains(route.pattern));
        const auto& op = paths.at(route.pattern).at(method).as_object();
        CHECK(op.at("x-permission") == json::value(route.permission));
        CHECK(op.at("summary") == json::value(route.summary));
        CHECK(op.contains("security") == (route.permission == "public"));
    }
    CHECK(paths.at("/api/chainbot/workflows/{id}").at("get").at("parameters").at(0).at("name") == "id");
}

TEST_CASE("a full blocking pool answers 503 with Retry-After instead of queuing", "[api][routes]") {
    api_fixture f;
    f.start();
    std::mutex gate;
    std::unique_lock hold(gate);
    std::size_t posted = 0;
    while (f.rt->post_blocking([&gate] { std::lock_guard wait(gate); })) ++posted;
    CHECK(posted == runtime::max_blocking_jobs);
    auto r = f.get("/api/chainbot/workflows");
    CHECK(r.status == 503);
    CHECK_FALSE(r.header("retry-after").empty());
    CHECK(f.get("/api/chainbot/health").status != 503);  // health needs no store call
    hold.unlock();
}

TEST_CASE("the embedded module serves the REST API with health public", "[api][routes]") {
    temp_dir dir;
    chainbot_module module;
    module.initialize({}, R"({"api": {"port": 0}, "module": {"data_dir": ")" + dir.str() + R"("}})");
    module.start();
    const auto port = module.api_port();
    CHECK(http_request(port, "GET", "/api/chainbot/health").status == 200);
    // Everything else needs a token: the first start wrote the admin's.
    std::string token;
    std::ifstream(dir.path() / "admin_token") >> token;
    REQUIRE_FALSE(token.empty());
    const header_list auth{{"Authorization", "Bearer " + token}};
    CHECK(http_request(port, "POST", "/api/chainbot/workflows", sum_workflow).status == 401);
    auto created = http_request(port, "POST", "/api/chainbot/workflows", sum_workflow, auth);
    REQUIRE(created.status == 201);
    const std::string id(created.json().at("id").as_string());
    auto run = http_request(port, "POST", "/api/chainbot/workflows/" + id + "/execute?wait=true", R"({"a": 4, "b": 5})", auth);
    CHECK(run.json().at("output").at("sum") == 9);
    const auto openapi = http_request(port, "GET", "/api/chainbot/openapi.json").json();
    CHECK(openapi.at("paths").at("/api/chainbot/hardware").at("get").at("x-permission") == "chainbot:read");
    CHECK(http_request(port, "GET", "/api/chainbot/hardware", "", auth).status == 200);
    CHECK(http_request(port, "GET", "/api/chainbot/hardware").status == 401);
    module.stop();
}
