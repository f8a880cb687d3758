#include "api/workflow_routes.hpp"

#include "api/json_views.hpp"
#include "api/request_parsing.hpp"
#include "api/run_blocking.hpp"
#include "orchestrator/orchestrator.hpp"
#include "store/database.hpp"

#include <boost/json/serialize.hpp>

namespace chainbot::api {

namespace json = boost::json;

namespace {

std::string not_found(const std::string& id) { return "no workflow '" + id + "'"; }

void list_workflows(api_context& ctx, http::request& req, http::responder respond) {
    const auto page = parse_page(req);
    run_blocking(ctx.rt, std::move(respond), [&ctx, page] {
        auto db = ctx.db();
        json::array items;
        for (const auto& w : db->workflows().list(page)) items.push_back(to_json(w));
        const auto total = db->workflows().count();
        return http::response::json(200, json::serialize(page_body(std::move(items), total, page)));
    });
}

void create_workflow(api_context& ctx, http::request& req, http::responder respond) {
    auto definition = parse_json_body(req);
    run_blocking(ctx.rt, std::move(respond), [&ctx, definition = std::move(definition)] {
        return http::response::json(201, json::serialize(to_json(ctx.orch().create_workflow(definition))));
    });
}

void get_workflow(api_context& ctx, http::request& req, http::responder respond) {
    std::optional<int> version;
    if (auto v = query_unsigned(req, "version")) version = static_cast<int>(*v);
    run_blocking(ctx.rt, std::move(respond), [&ctx, id = req.params.at("id"), version] {
        auto db = ctx.db();
        auto w = db->workflows().get(id);
        if (!w) throw http::http_error(404, "not_found", not_found(id));
        auto v = db->workflows().get_version(id, version);
        if (!v)
            throw http::http_error(404, "not_found", "workflow '" + id + "' has no version " + std::to_string(version.value_or(w->latest_version)));
        auto body = to_json(*v);
        body["latest_version"] = w->latest_version;
        body["updated_at"] = iso8601(w->updated_at);
        json::array versions;
        for (const auto& each : db->workflows().versions(id))
            versions.push_back(json::object{{"version", each.version}, {"name", each.name},
                                            {"created_at", iso8601(each.created_at)}});
        body["versions"] = std::move(versions);
        return http::response::json(200, json::serialize(body));
    });
}

void update_workflow(api_context& ctx, http::request& req, http::responder respond) {
    auto definition = parse_json_body(req);
    run_blocking(ctx.rt, std::move(respond), [&ctx, id = req.params.at("id"), definition = std::move(definition)] {
        return http::response::json(200, json::serialize(to_json(ctx.orch().update_workflow(id, definition))));
    });
}

void delete_workflow(api_context& ctx, http::request& req, http::responder respond) {
    run_blocking(ctx.rt, std::move(respond), [&ctx, id = req.params.at("id")] {
        ctx.orch().delete_workflow(id);  // store_conflict (409) while executions are active
        http::response r;
        r.status = 204;
        return r;
    });
}

// Binds a handler of this file to the context.
template <typename F>
http::handler bind(api_context& ctx, F f) {
    return [&ctx, f](http::request& req, http::responder respond) { f(ctx, req, std::move(respond)); };
}

}  // namespace

void add_workflow_routes(api_context& ctx) {
    const std::string base = "/api/chainbot/workflows";
    auto& t = ctx.table;
    t.add({"GET", base, std::string(permission::read), bind(ctx, list_workflows),
           "List workflows, by name (paginated: ?limit=&offset=)"});
    t.add({"POST", base, std::string(permission::workflow_create), bind(ctx, create_workflow),
           "Create a workflow from its JSON definition (validated completely; 400 lists every problem with its "
           "JSON path)"});
    t.add({"GET", base + "/{id}", std::string(permission::read), bind(ctx, get_workflow),
           "A workflow's latest definition (or ?version=n) and its version list"});
    t.add({"PUT", base + "/{id}", std::string(permission::workflow_create), bind(ctx, update_workflow),
           "Store a new version of a workflow"});
    t.add({"DELETE", base + "/{id}", std::string(permission::workflow_delete), bind(ctx, delete_workflow),
           "Delete a workflow with its versions and finished executions (409 while executions are active)"});
}

}  // namespace chainbot::api
