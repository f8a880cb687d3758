#include "api/webhook_routes.hpp"

#include "api/api_errors.hpp"
#include "api/execute_route.hpp"
#include "api/request_parsing.hpp"
#include "store/database.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

namespace chainbot::api {

namespace json = boost::json;

namespace {

void trigger(api_context& ctx, http::request& req, http::responder respond) {
    // The body is the input as it is (no {"input_data": ...} envelope: the sender is
    // another system, whose payload is the input); an empty body is {}.
    auto body = parse_json_body(req, json::object());
    if (!body.is_object())
        throw http::http_error(400, "validation_error", "$: expected a JSON object (the workflow's input)",
                               json::array{json::object{{"path", "$"}, {"message", "expected a JSON object"}}});
    execute_options options;
    options.request.input = std::move(body);
    read_execute_query(req, options);
    auto name = req.params.at("name");
    // The lookup reads the store: on the blocking pool, then the execute route's own path.
    auto shared = std::make_shared<http::responder>(std::move(respond));
    const bool queued = ctx.rt.post_blocking([&ctx, shared, name = std::move(name), o = std::move(options)]() mutable {
        std::string workflow_id;
        try {
            ctx.orch();  // 503 now, while the responder is still here to answer it
            const auto workflow = ctx.db()->workflows().find_by_webhook(name);
            if (!workflow)
                throw http::http_error(404, "not_found", "no workflow is bound to webhook '" + name + "'",
                                       json::object{{"webhook", name}});
            workflow_id = workflow->id;
        } catch (...) {
            return (*shared)(error_response(std::current_exception(), &ctx.rt.log()));
        }
        // From here the execute route's path answers, errors included.
        start_execution(ctx, std::move(workflow_id), std::move(o), std::move(*shared));
    });
    if (!queued) (*shared)(busy_response());
}

}  // namespace

void add_webhook_routes(api_context& ctx) {
    ctx.table.add({"POST", "/api/chainbot/webhooks/{name}", std::string(permission::workflow_execute),
                   [&ctx](http::request& req, http::responder respond) { trigger(ctx, req, std::move(respond)); },
                   "Start the workflow bound to this webhook name (its definition's \"webhook\") with the JSON "
                   "body as its input. Answers like .../execute: 202 with the execution; an Idempotency-Key "
                   "header, ?wait=true and ?timeout_ms as there."});
}

}  // namespace chainbot::api
