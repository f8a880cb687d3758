#include "api/execution_routes.hpp"

#include "api/json_views.hpp"
#include "api/request_parsing.hpp"
#include "api/run_blocking.hpp"
#include "orchestrator/orchestrator.hpp"
#include "store/database.hpp"

#include <boost/json/serialize.hpp>

namespace chainbot::api {

namespace json = boost::json;

namespace {

http::http_error no_execution(const std::string& id) {
    return http::http_error(404, "not_found", "no execution '" + id + "'");
}

void list_executions(api_context& ctx, http::request& req, http::responder respond) {
    const auto page = parse_page(req);
    store::execution_filter filter;
    if (auto it = req.query.find("workflow_id"); it != req.query.end()) filter.workflow_id = it->second;
    if (auto it = req.query.find("status"); it != req.query.end()) {
        filter.status = store::parse_execution_status(it->second);
        if (!filter.status)
            throw http::http_error(400, "invalid_parameter",
                                   "query parameter 'status': expected queued, running, paused, completed, failed, "
                                   "cancelled or timed_out",
                                   json::object{{"parameter", "status"}});
    }
    run_blocking(ctx.rt, std::move(respond), [&ctx, page, filter] {
        auto db = ctx.db();
        json::array items;
        for (const auto& e : db->executions().list(filter, page)) items.push_back(to_json(e));
        const auto total = db->executions().count(filter);
        return http::response::json(200, json::serialize(page_body(std::move(items), total, page)));
    });
}

void get_execution(api_context& ctx, http::request& req, http::responder respond) {
    run_blocking(ctx.rt, std::move(respond), [&ctx, id = req.params.at("id")] {
        auto db = ctx.db();
        auto e = db->executions().get(id);
        if (!e) throw no_execution(id);
        auto body = to_json(*e);
        json::array runs;
        for (const auto& s : db->step_runs().list(id)) runs.push_back(to_json(s));
        body["step_runs"] = std::move(runs);
        return http::response::json(200, json::serialize(body));
    });
}

using control_fn = void (orchestrator::orchestrator::*)(const std::string&);

http::handler control(api_context& ctx, control_fn fn, std::string action) {
    return [&ctx, fn, action](http::request& req, http::responder respond) {
        run_blocking(ctx.rt, std::move(respond), [&ctx, fn, action, id = req.params.at("id")] {
            try {
                (ctx.orch().*fn)(id);
            } catch (const orchestrator::orchestrator_error& e) {
                // The orchestrator only knows executions in memory: tell "finished" from "never existed".
                if (e.status() == 409 && !ctx.db()->executions().get(id)) throw no_execution(id);
                throw;
            }
            std::string status = "unknown";
            if (auto e = ctx.db()->executions().get(id)) status = store::to_string(e->status);
            json::object body{{"execution_id", id}, {"action", action}, {"status", status}};
            return http::response::json(202, json::serialize(body));
        });
    };
}

}  // namespace

void add_execution_routes(api_context& ctx) {
    const std::string base = "/api/chainbot/executions";
    auto& t = ctx.table;
    t.add({"GET", base, std::string(permission::read),
           [&ctx](http::request& req, http::responder respond) { list_executions(ctx, req, std::move(respond)); },
           "List executions, newest first (?workflow_id=&status=&limit=&offset=)"});
    t.add({"GET", base + "/{id}", std::string(permission::read),
           [&ctx](http::request& req, http::responder respond) { get_execution(ctx, req, std::move(respond)); },
           "An execution with its step runs (one per attempt)"});
    t.add({"POST", base + "/{id}/cancel", std::string(permission::workflow_execute),
           control(ctx, &orchestrator::orchestrator::cancel, "cancel"), "Cancel a queued, running or paused execution"});
    t.add({"POST", base + "/{id}/pause", std::string(permission::workflow_execute),
           control(ctx, &orchestrator::orchestrator::pause, "pause"), "Pause a running execution"});
    t.add({"POST", base + "/{id}/resume", std::string(permission::workflow_execute),
           control(ctx, &orchestrator::orchestrator::resume, "resume"), "Resume a paused execution"});
}

}  // namespace chainbot::api
