#include "api/execute_route.hpp"

#include "api/api_errors.hpp"
#include "api/pending_waits.hpp"
#include "api/request_parsing.hpp"
#include "orchestrator/orchestrator.hpp"

#include <boost/json/serialize.hpp>

namespace chainbot::api {

namespace json = boost::json;

namespace {

http::http_error invalid_field(const std::string& path, const std::string& message) {
    return http::http_error(400, "validation_error", path + ": " + message,
                            json::array{json::object{{"path", path}, {"message", message}}});
}

// {"input_data": {...}, "timeout_hours", "idempotency_key", "wait", "timeout_ms", "ephemeral", "queue"}, or a
// plain object that is the input itself (the original ChainBot's clients send both).
execute_options parse_execute(const http::request& req) {
    auto body = parse_json_body(req, json::object());
    if (!body.is_object()) throw invalid_field("$", "expected a JSON object (the input, or {\"input_data\": {...}})");
    execute_options o;
    auto& obj = body.as_object();
    if (const auto* input = obj.if_contains("input_data")) {
        if (!input->is_object()) throw invalid_field("$.input_data", "expected an object");
        o.request.input = *input;
        if (const auto* t = obj.if_contains("timeout_hours"); t && !t->is_null()) {
            if (!t->is_number() || t->to_number<double>() <= 0) throw invalid_field("$.timeout_hours", "expected a positive number");
            o.request.timeout_hours = t->to_number<double>();
        }
        if (const auto* k = obj.if_contains("idempotency_key"); k && !k->is_null()) {
            if (!k->is_string() || k->as_string().empty()) throw invalid_field("$.idempotency_key", "expected a non-empty string");
            o.request.idempotency_key = std::string(k->as_string());
        }
        if (const auto* w = obj.if_contains("wait"); w && !w->is_null()) {
            if (!w->is_bool()) throw invalid_field("$.wait", "expected true or false");
            o.wait = w->as_bool();
        }
        if (const auto* e = obj.if_contains("ephemeral"); e && !e->is_null()) {
            if (!e->is_bool()) throw invalid_field("$.ephemeral", "expected true or false");
            o.request.ephemeral = e->as_bool();
        }
        if (const auto* q = obj.if_contains("queue"); q && !q->is_null()) {
            if (!q->is_bool()) throw invalid_field("$.queue", "expected true or false");
            o.request.queue = q->as_bool();
        }
        if (const auto* t = obj.if_contains("timeout_ms"); t && !t->is_null()) {
            if (!t->is_int64() && !t->is_uint64()) throw invalid_field("$.timeout_ms", "expected an integer");
            o.timeout = std::chrono::milliseconds(t->to_number<std::int64_t>());
        }
    } else {
        o.request.input = std::move(body);
    }
    read_execute_query(req, o);
    return o;
}

json::object accepted(const store::execution& e) {
    json::object body{{"execution_id", e.id},
                      {"workflow_id", e.workflow_id},
                      {"workflow_version", e.workflow_version},
                      {"status", store::to_string(e.status)}};
    if (e.idempotency_key) body["idempotency_key"] = *e.idempotency_key;
    return body;
}

void execute(api_context& ctx, http::request& req, http::responder respond) {
    start_execution(ctx, req.params.at("id"), parse_execute(req), std::move(respond));
}

}  // namespace

void read_execute_query(const http::request& req, execute_options& o) {
    if (auto header = req.header("idempotency-key"); !header.empty()) {
        if (o.request.idempotency_key && *o.request.idempotency_key != header)
            throw invalid_field("$.idempotency_key", "differs from the Idempotency-Key header");
        o.request.idempotency_key = std::string(header);
    }
    if (auto w = query_bool(req, "wait")) o.wait = *w;
    if (auto e = query_bool(req, "ephemeral")) o.request.ephemeral = *e;
    if (auto q = query_bool(req, "queue")) o.request.queue = *q;
    if (auto t = query_unsigned(req, "timeout_ms")) o.timeout = std::chrono::milliseconds(*t);
    if (o.timeout.count() < 0 || o.timeout > max_wait_timeout)
        throw http::http_error(400, "invalid_parameter",
                               "timeout_ms: expected 0 to " + std::to_string(max_wait_timeout.count()),
                               json::object{{"parameter", "timeout_ms"}});
}

void start_execution(api_context& ctx, std::string workflow_id, execute_options options, http::responder respond) {
    auto* orch = &ctx.orch();
    // Started here, on the I/O thread, when that touches nothing of the store on this thread
    // (orchestrator::try_execute_now: the definition cached, a free slot, the row going through
    // the group-commit writer, or ephemeral); otherwise on the blocking pool, which may read
    // (the definition, the queue's length) or write the row itself when the writer cannot.
    // Either way, a durable execution's commit is answered on the writer's thread (the 202,
    // or the wait armed), so no thread waits for it.
    orchestrator::orchestrator::started_callback on_started;
    std::function<void(orchestrator::execution_outcome)> on_done;
    std::function<void(http::response)> fail;
    if (!options.wait) {
        auto shared = std::make_shared<http::responder>(std::move(respond));
        on_started = [&ctx, shared](store::execution record, std::exception_ptr error) {
            (*shared)(error ? error_response(error, &ctx.rt.log())
                            : http::response::json(202, json::serialize(accepted(record))));
        };
        fail = [shared](http::response r) { (*shared)(std::move(r)); };
    } else {
        // Waiting holds no thread: the outcome arrives through on_done, the timeout through a timer.
        auto wait = std::make_shared<pending_wait>(ctx.rt, ctx.waits, std::move(respond), workflow_id,
                                                   [&ctx] { return ctx.db(); });
        if (!ctx.waits.add(wait)) return wait->fail(busy_response());  // the API is stopping
        on_started = [&ctx, wait, timeout = options.timeout](store::execution record, std::exception_ptr error) {
            if (error) return wait->fail(error_response(error, &ctx.rt.log()));
            wait->arm(record.id, std::string(store::to_string(record.status)), timeout);
        };
        on_done = [wait](orchestrator::execution_outcome outcome) { wait->finish(std::move(outcome)); };
        fail = [wait](http::response r) { wait->fail(std::move(r)); };
    }
    try {
        if (orch->try_execute_now(workflow_id, options.request, on_started, on_done)) return;
    } catch (...) {
        return fail(error_response(std::current_exception(), &ctx.rt.log()));
    }
    auto run = [&ctx, orch, fail, workflow_id = std::move(workflow_id), request = std::move(options.request),
                on_started = std::move(on_started), on_done = std::move(on_done)]() mutable {
        try {
            orch->execute_async(workflow_id, request, std::move(on_started), std::move(on_done));
        } catch (...) {
            fail(error_response(std::current_exception(), &ctx.rt.log()));
        }
    };
    if (!ctx.rt.post_blocking(std::move(run))) fail(busy_response());
}

void add_execute_route(api_context& ctx) {
    ctx.table.add({"POST", "/api/chainbot/workflows/{id}/execute", std::string(permission::workflow_execute),
                   [&ctx](http::request& req, http::responder respond) { execute(ctx, req, std::move(respond)); },
                   "Start an execution of the workflow's latest version. Body: {\"input_data\": {...}, "
                   "\"timeout_hours\", \"idempotency_key\", \"wait\", \"timeout_ms\", \"ephemeral\", \"queue\"} or a plain "
                   "input object; also an Idempotency-Key header. ?wait=true&timeout_ms=N answers with the outcome "
                   "(200) or, when the timeout passes first, 202 with the current status. ?ephemeral=true (or "
                   "\"ephemeral\") keeps this execution in memory only, overriding the workflow's \"ephemeral\". "
                   "?queue=false (or \"queue\": false) starts it now or refuses with 503 (resource_limit while "
                   "admission is closed, concurrency_limit while every slot is busy) instead of queuing; a full "
                   "queue (workflow.max_queued_executions) answers 429 queue_full. Both carry Retry-After."});
}

}  // namespace chainbot::api
