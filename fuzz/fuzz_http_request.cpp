// Fuzz target: the HTTP request path, from raw bytes to a JSON response, without a socket.
//
// The server (src/http/http_session.cpp) reads a connection with Beast's request_parser
// (header limit 8 KiB, body limit 1 MiB: server_options' defaults), turns each parsed message
// into an http::request (lower-case header names, repeated fields joined with ", ") and
// hands it to the router. This harness does the same with the input as the bytes of one
// keep-alive connection (pipelined requests included), then dispatches each request through
// the real http::router and api::route_table (its authorization hook and error mapping) to
// handlers that read requests the way the REST handlers do before they reach a backend:
// api/request_parsing (JSON bodies, pages, integer and boolean query parameters), workflow
// definitions (orchestrator::parse_definition, as POST/PUT /workflows validate them) and the
// WebSocket route's ?topics= check (ws::pattern_problem).
//
// Input: the raw bytes a client sends (the corpus holds real requests: curl's, the README's).
//
// Invariants:
//  - the parser stops on a Beast HTTP error or yields a message: nothing throws;
//  - every dispatched request is answered exactly once, with a status from 200 to 599 and
//    never 500 (a handler whose input made something throw that is not an http_error, a
//    validation_error or std::invalid_argument);
//  - every JSON response body parses; every error (>= 400) is {"error": {"code": string,
//    "message": string, "details": ...}}; a 405 names the allowed methods in Allow;
//  - a 401 carries WWW-Authenticate.
#include "fuzz_support.hpp"

#include "api/request_parsing.hpp"
#include "api/route_table.hpp"
#include "http/message.hpp"
#include "http/router.hpp"
#include "orchestrator/definition.hpp"
#include "util/ascii.hpp"
#include "ws/protocol.hpp"

#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include <cctype>
#include <memory>
#include <optional>
#include <string>

namespace {

namespace json = boost::json;
namespace bhttp = boost::beast::http;
namespace http = chainbot::http;
namespace api = chainbot::api;

constexpr std::size_t max_header_bytes = 8 * 1024;  // http::server_options{}
constexpr std::size_t max_body_bytes = 1024 * 1024;
constexpr int max_requests_per_input = 8;

http::response ok(int status, json::value body) { return http::response::json(status, json::serialize(body)); }

json::value definition_summary(const http::request& req) {
    const auto doc = api::parse_json_body(req);
    const auto def = chainbot::orchestrator::parse_definition(doc);  // validation_error -> 400
    return json::object{{"name", def->name}, {"steps", def->steps.size()}};
}

void execute_body(const http::request& req) {
    const auto body = api::parse_json_body(req, json::object());
    if (!body.is_object())
        throw http::http_error(400, "validation_error", "$: expected a JSON object", json::array{});
    (void)api::query_bool(req, "wait");
    (void)api::query_bool(req, "ephemeral");
    (void)api::query_bool(req, "queue");
    (void)api::query_unsigned(req, "timeout_ms");
}

struct api_surface {
    http::router router;
    api::route_table table{router};

    api_surface() {
        using api::permission::read;
        namespace p = api::permission;
        auto add = [&](std::string method, std::string pattern, std::string_view permission, http::handler h) {
            table.add({std::move(method), std::move(pattern), std::string(permission), std::move(h), "fuzz"});
        };
        const std::string b = "/api/chainbot";
        add("GET", b + "/health", p::public_access, [](http::request&, http::responder r) { r(ok(200, {{"status", "healthy"}})); });
        add("GET", b + "/openapi.json", p::public_access, [](http::request&, http::responder r) { r(ok(200, json::object{})); });
        add("GET", b + "/info", read, [](http::request&, http::responder r) { r(ok(200, {{"id", "chainbot"}})); });
        add("GET", b + "/metrics", read, [](http::request&, http::responder r) { r(ok(200, json::object{})); });
        add("GET", b + "/workflows", read, [](http::request& q, http::responder r) {
            const auto page = api::parse_page(q);
            r(ok(200, api::page_body({}, 0, page)));
        });
        add("POST", b + "/workflows", p::workflow_create,
            [](http::request& q, http::responder r) { r(ok(201, definition_summary(q))); });
        add("GET", b + "/workflows/{id}", read, [](http::request& q, http::responder) {
            (void)api::query_unsigned(q, "version");
            throw http::http_error(404, "not_found", "no workflow '" + q.params.at("id") + "'");
        });
        add("PUT", b + "/workflows/{id}", p::workflow_create,
            [](http::request& q, http::responder r) { r(ok(200, definition_summary(q))); });
        add("DELETE", b + "/workflows/{id}", p::workflow_delete, [](http::request&, http::responder r) {
            http::response res;
            res.status = 204;
            r(std::move(res));
        });
        add("POST", b + "/workflows/{id}/execute", p::workflow_execute, [](http::request& q, http::responder r) {
            execute_body(q);
            r(ok(202, {{"execution_id", "e1"}, {"workflow_id_bytes", q.params.at("id").size()}, {"status", "queued"}}));
        });
        add("POST", b + "/webhooks/{name}", p::workflow_execute, [](http::request& q, http::responder r) {
            execute_body(q);
            r(ok(202, {{"webhook_bytes", q.params.at("name").size()}}));
        });
        add("GET", b + "/executions", read, [](http::request& q, http::responder r) {
            const auto page = api::parse_page(q);
            r(ok(200, api::page_body({}, 0, page)));
        });
        add("GET", b + "/executions/{id}", read, [](http::request& q, http::responder) {
            throw std::invalid_argument("no execution '" + q.params.at("id") + "'");
        });
        for (const char* action : {"cancel", "pause", "resume"})
            add("POST", b + "/executions/{id}/" + action, p::workflow_execute,
                [](http::request& q, http::responder r) { r(ok(200, {{"id_bytes", q.params.at("id").size()}})); });
        add("GET", b + "/agents", read, [](http::request& q, http::responder r) { r(ok(200, api::page_body({}, 0, api::parse_page(q)))); });
        add("POST", b + "/agents", p::agent_spawn, [](http::request& q, http::responder r) {
            const auto body = api::parse_json_body(q);
            if (!body.is_object()) throw http::http_error(400, "validation_error", "expected an object");
            r(ok(201, {{"agent_type", body.as_object().contains("agent_type") ? body.at("agent_type") : json::value()}}));
        });
        add("DELETE", b + "/agents/{id}", p::agent_terminate, [](http::request&, http::responder r) { r(ok(200, json::object{})); });
        add("POST", b + "/entanglements/{id}/messages", p::entanglement_manage, [](http::request& q, http::responder r) {
            r(ok(201, {{"message", api::parse_json_body(q)}}));
        });
        add("DELETE", b + "/entanglements/{id}/agents/{agent_id}", p::entanglement_manage,
            [](http::request& q, http::responder r) { r(ok(200, {{"agent_bytes", q.params.at("agent_id").size()}})); });
        add("GET", b + "/ws", read, [](http::request& q, http::responder r) {
            if (!http::has_token(q.header("upgrade"), "websocket") || !http::has_token(q.header("connection"), "upgrade")) {
                auto res = http::response::error(426, "upgrade_required", "this endpoint speaks WebSocket");
                res.headers.emplace_back("Upgrade", "websocket");
                return r(std::move(res));
            }
            if (auto it = q.query.find("topics"); it != q.query.end()) {
                std::string_view list = it->second;
                while (!list.empty()) {
                    const auto item = list.substr(0, list.find(','));
                    if (!item.empty())
                        if (auto problem = chainbot::ws::pattern_problem(item); !problem.empty())
                            throw http::http_error(400, "invalid_parameter", "query parameter 'topics': " + problem);
                    list.remove_prefix(std::min(list.size(), item.size() + 1));
                }
            }
            r(ok(200, {{"upgrade", "accepted"}}));  // the real route hands the socket to the WebSocket session
        });
        // The security hook's outline: public routes pass; the rest need "Bearer <token>".
        table.set_authorizer([](http::request& q, const api::route& route) -> std::optional<http::response> {
            if (route.permission == api::permission::public_access) return std::nullopt;
            std::string_view auth = q.header("authorization");
            std::string token;
            if (auth.size() > 7 && (auth.substr(0, 7) == "Bearer " || auth.substr(0, 7) == "bearer "))
                token = std::string(auth.substr(7));
            else if (auto it = q.query.find("access_token"); it != q.query.end())
                token = it->second;
            if (token.empty() || token.find(' ') != std::string::npos) {
                auto res = http::response::error(401, "unauthorized", "missing or malformed bearer token");
                res.headers.emplace_back("WWW-Authenticate", "Bearer");
                return res;
            }
            if (token == "viewer" && route.permission != read)
                return http::response::error(403, "forbidden", "missing permission " + route.permission);
            return std::nullopt;
        });
    }
};

const std::string* header_of(const http::response& res, std::string_view name) {
    for (const auto& [n, v] : res.headers)
        if (chainbot::util::ascii_iequals(n, name)) return &v;
    return nullptr;
}

void check_response(const http::request& req, const http::response& res) {
    const std::string what = req.method + " " + req.target.substr(0, 200);
    FUZZ_CHECK(res.status >= 200 && res.status <= 599, what + ": status " + std::to_string(res.status));
    FUZZ_CHECK(res.status != 500, what + ": 500 internal error: " + res.body.substr(0, 500));
    if (res.status == 204) return;
    FUZZ_CHECK(res.content_type == "application/json", what + ": content type " + res.content_type);
    json::value body;
    FUZZ_CHECK(chainbot::fuzz::is_json(res.body, &body), what + ": the body is not JSON: " + res.body.substr(0, 500));
    if (res.status >= 400) {
        const auto* error = body.is_object() ? body.as_object().if_contains("error") : nullptr;
        FUZZ_CHECK(error && error->is_object(), what + ": an error without {\"error\": {...}}: " + res.body.substr(0, 500));
        const auto& e = error->as_object();
        FUZZ_CHECK(e.contains("code") && e.at("code").is_string() && !e.at("code").as_string().empty(), what + ": error code");
        FUZZ_CHECK(e.contains("message") && e.at("message").is_string(), what + ": error message");
        FUZZ_CHECK(e.contains("details"), what + ": error details");
    }
    if (res.status == 405) FUZZ_CHECK(header_of(res, "allow") && !header_of(res, "allow")->empty(), what + ": 405 without Allow");
    if (res.status == 401) FUZZ_CHECK(header_of(res, "www-authenticate"), what + ": 401 without WWW-Authenticate");
}

// What http_session::handle_request does with a parsed message.
http::request to_request(bhttp::request<bhttp::string_body>&& message) {
    http::request req;
    req.method = std::string(message.method_string());
    req.target = std::string(message.target());
    for (const auto& field : message) {
        auto [it, inserted] = req.headers.try_emplace(chainbot::util::ascii_lower(field.name_string()), field.value());
        if (!inserted) (it->second += ", ").append(field.value());
    }
    req.body = std::move(message.body());
    req.remote_address = "127.0.0.1";
    return req;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static api_surface surface;
    boost::asio::const_buffer rest(data, size);
    for (int n = 0; n < max_requests_per_input && rest.size() > 0; ++n) {
        bhttp::request_parser<bhttp::string_body> parser;
        parser.header_limit(static_cast<std::uint32_t>(max_header_bytes));
        parser.body_limit(max_body_bytes);
        parser.eager(true);
        boost::beast::error_code ec;
        while (!parser.is_done() && rest.size() > 0) {
            const std::size_t used = parser.put(rest, ec);
            FUZZ_CHECK(used <= rest.size(), "the parser consumed more than it was given");
            rest += used;
            if (ec == bhttp::error::need_more) {
                // Beast's read loop (http::async_read_some) parses again only after more bytes
                // arrived; here the rest of the input is all the connection sends, so this is
                // end of stream. Calling put() again on the same bytes is not something the
                // server does (and trips an assertion inside Beast's chunk parser).
                ec = {};
                break;
            }
            if (ec) break;
        }
        if (!ec && !parser.is_done()) parser.put_eof(ec);  // the client closed the connection
        if (ec) {
            // The session answers 413, 431 or 400 (http_session::on_read_error) and closes.
            FUZZ_CHECK(ec.category() == bhttp::make_error_code(bhttp::error::bad_method).category(),
                       "a parse error outside Beast's HTTP category: " + ec.message());
            return 0;
        }
        FUZZ_CHECK(parser.is_done(), "no error and no message");
        const bool keep_alive = parser.get().keep_alive();
        http::request req = to_request(parser.release());
        FUZZ_CHECK(req.body.size() <= max_body_bytes, "a body beyond the body limit");

        int answers = 0;
        http::response answer;
        try {
            surface.router.dispatch(req, [&](http::response res) {
                ++answers;
                answer = std::move(res);
            });
        } catch (const std::exception& e) {
            FUZZ_CHECK(false, std::string("dispatch threw: ") + e.what());
        }
        FUZZ_CHECK(answers == 1, "a request answered " + std::to_string(answers) + " times");
        check_response(req, answer);
        if (!keep_alive) break;
    }
    return 0;
}
