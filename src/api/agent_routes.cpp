#include "api/agent_routes.hpp"

#include "agents/spawner.hpp"
#include "api/json_views.hpp"
#include "api/request_parsing.hpp"
#include "api/run_blocking.hpp"
#include "audit/secret_masker.hpp"
#include "entanglement/entanglement_manager.hpp"
#include "security/access_guard.hpp"
#include "store/database.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <fmt/format.h>

namespace chainbot::api {

namespace json = boost::json;

namespace {

http::http_error invalid(const std::string& path, const std::string& message) {
    return http::http_error(400, "validation_error", path + ": " + message,
                            json::array{json::object{{"path", path}, {"message", message}}});
}

const json::object& body_object(const json::value& body) {
    if (!body.is_object()) throw invalid("$", "the body must be a JSON object");
    return body.as_object();
}

std::optional<std::string> optional_string(const json::object& o, const char* key) {
    const auto* v = o.if_contains(key);
    if (!v || v->is_null()) return std::nullopt;
    if (!v->is_string()) throw invalid(std::string("$.") + key, "must be a string");
    return std::string(v->as_string());
}

std::string required_string(const json::object& o, const char* key) {
    auto v = optional_string(o, key);
    if (!v || v->empty()) throw invalid(std::string("$.") + key, "is required (a non-empty string)");
    return *v;
}

json::value parse_or_text(const std::string& s) {
    boost::system::error_code ec;
    auto v = json::parse(s, ec);
    return ec ? json::value(s) : v;
}

json::object agent_json(const store::agent& a) {
    // An agent's config may hold credentials (an assistant's api_key, an api agent's auth):
    // readers see them masked.
    static const audit::secret_masker masker;
    return {{"id", a.id},
            {"agent_type", a.type},
            {"name", a.name},
            {"config", masker.mask(parse_or_text(a.config))},
            {"state", store::to_string(a.state)},
            {"tasks_completed", a.counters.tasks_completed},
            {"tasks_failed", a.counters.tasks_failed},
            {"messages_sent", a.counters.messages_sent},
            {"messages_received", a.counters.messages_received},
            {"created_at", iso8601(a.created_at)},
            {"updated_at", iso8601(a.updated_at)},
            {"last_active_at", iso8601(a.last_active_at)},
            {"terminated_at", iso8601(a.terminated_at)}};
}

json::object entanglement_json(store::database& db, const store::entanglement& e) {
    json::array members;
    for (const auto& m : db.entanglements().members(e.id)) members.push_back(json::value(m.agent_id));
    return {{"id", e.id},
            {"name", e.name},
            {"description", e.description},
            {"owner_user_id", e.owner_user_id ? json::value(*e.owner_user_id) : json::value(nullptr)},
            {"agent_ids", std::move(members)},
            {"message_count", e.last_sequence},
            {"created_at", iso8601(e.created_at)},
            {"updated_at", iso8601(e.updated_at)}};
}

template <typename F>
http::handler bind(api_context& ctx, F f) {
    return [&ctx, f](http::request& req, http::responder respond) { f(ctx, req, std::move(respond)); };
}

// ---- agents --------------------------------------------------------------------------

void list_agents(api_context& ctx, http::request& req, http::responder respond) {
    const auto page = parse_page(req);
    store::agent_filter f;
    if (auto it = req.query.find("agent_type"); it != req.query.end()) f.type = it->second;
    if (auto it = req.query.find("type"); it != req.query.end()) f.type = it->second;
    if (auto it = req.query.find("state"); it != req.query.end()) {
        f.state = store::parse_agent_state(it->second);
        if (!f.state) throw invalid("?state", fmt::format("'{}' is not idle, working, terminated or error", it->second));
    }
    run_blocking(ctx.rt, std::move(respond), [&ctx, page, f] {
        auto db = ctx.db();
        json::array items;
        for (const auto& a : db->agents().list(f, page)) items.push_back(agent_json(a));
        return http::response::json(200, json::serialize(page_body(std::move(items), db->agents().count(f), page)));
    });
}

void spawn_agent(api_context& ctx, http::request& req, http::responder respond) {
    const auto body = parse_json_body(req);
    const auto& o = body_object(body);
    agents::spawn_request r;
    // The original clients send "agent_type"; "type" is accepted too.
    if (o.contains("agent_type")) r.type = required_string(o, "agent_type");
    else if (o.contains("type")) r.type = required_string(o, "type");
    else throw invalid("$.agent_type", "is required (a non-empty string)");
    r.name = optional_string(o, "name").value_or("");
    if (const auto* c = o.if_contains("config"); c && !c->is_null()) {
        if (!c->is_object()) throw invalid("$.config", "must be an object");
        r.config = c->as_object();
    }
    run_blocking(ctx.rt, std::move(respond), [&ctx, r] {
        return http::response::json(201, json::serialize(agent_json(ctx.backends.spawner->spawn(r))));
    });
}

void get_agent(api_context& ctx, http::request& req, http::responder respond) {
    run_blocking(ctx.rt, std::move(respond), [&ctx, id = req.params.at("id")] {
        auto db = ctx.db();
        auto a = db->agents().get(id);
        if (!a) throw http::http_error(404, "not_found", fmt::format("no agent '{}'", id));
        return http::response::json(200, json::serialize(agent_json(*a)));
    });
}

void terminate_agent(api_context& ctx, http::request& req, http::responder respond) {
    run_blocking(ctx.rt, std::move(respond), [&ctx, id = req.params.at("id")] {
        return http::response::json(200, json::serialize(agent_json(ctx.backends.spawner->terminate(id))));
    });
}

// ---- entanglements -------------------------------------------------------------------

std::vector<std::string> agent_id_list(const json::object& o, const char* key) {
    std::vector<std::string> ids;
    const auto* v = o.if_contains(key);
    if (!v || v->is_null()) return ids;
    if (!v->is_array()) throw invalid(std::string("$.") + key, "must be an array of agent ids");
    for (std::size_t i = 0; i < v->as_array().size(); ++i) {
        const auto& item = v->as_array()[i];
        if (!item.is_string() || item.as_string().empty())
            throw invalid(fmt::format("$.{}[{}]", key, i), "must be a non-empty string");
        ids.emplace_back(item.as_string());
    }
    return ids;
}

void list_entanglements(api_context& ctx, http::request& req, http::responder respond) {
    const auto page = parse_page(req);
    run_blocking(ctx.rt, std::move(respond), [&ctx, page] {
        auto db = ctx.db();
        json::array items;
        for (const auto& e : db->entanglements().list(page)) items.push_back(entanglement_json(*db, e));
        // Counted by paging through: the repository has no count of its own.
        std::size_t total = 0;
        for (std::size_t offset = 0;; offset += 500) {
            const auto n = db->entanglements().list({500, offset}).size();
            total += n;
            if (n < 500) break;
        }
        return http::response::json(200, json::serialize(page_body(std::move(items), total, page)));
    });
}

void create_entanglement(api_context& ctx, http::request& req, http::responder respond) {
    const auto body = parse_json_body(req);
    const auto& o = body_object(body);
    entanglement::create_request r;
    r.name = required_string(o, "name");
    r.description = optional_string(o, "description").value_or("");
    r.agent_ids = agent_id_list(o, "agent_ids");
    if (auto user = req.header(std::string(security::user_id_header)); !user.empty()) r.owner_user_id = std::string(user);
    run_blocking(ctx.rt, std::move(respond), [&ctx, r] {
        auto e = ctx.backends.entanglements->create(r);
        return http::response::json(201, json::serialize(entanglement_json(*ctx.db(), e)));
    });
}

void get_entanglement(api_context& ctx, http::request& req, http::responder respond) {
    run_blocking(ctx.rt, std::move(respond), [&ctx, id = req.params.at("id")] {
        auto db = ctx.db();
        auto e = db->entanglements().get(id);
        if (!e) throw http::http_error(404, "not_found", fmt::format("no entanglement '{}'", id));
        return http::response::json(200, json::serialize(entanglement_json(*db, *e)));
    });
}

void delete_entanglement(api_context& ctx, http::request& req, http::responder respond) {
    run_blocking(ctx.rt, std::move(respond), [&ctx, id = req.params.at("id")] {
        ctx.backends.entanglements->remove(id);
        http::response r;
        r.status = 204;
        return r;
    });
}

// {"agent_id": "a"} or {"agent_ids": ["a", "b"]}
std::vector<std::string> member_ids(const http::request& req) {
    const auto body = parse_json_body(req);
    const auto& o = body_object(body);
    auto ids = agent_id_list(o, "agent_ids");
    if (auto one = optional_string(o, "agent_id")) ids.insert(ids.begin(), *one);
    if (ids.empty()) throw invalid("$.agent_id", "is required (or a non-empty $.agent_ids)");
    return ids;
}

void add_members(api_context& ctx, http::request& req, http::responder respond) {
    auto ids = member_ids(req);
    run_blocking(ctx.rt, std::move(respond), [&ctx, id = req.params.at("id"), ids] {
        for (const auto& a : ids) ctx.backends.entanglements->add_member(id, a);
        auto db = ctx.db();
        return http::response::json(200, json::serialize(entanglement_json(*db, *db->entanglements().get(id))));
    });
}

void remove_members(api_context& ctx, http::request& req, http::responder respond) {
    std::vector<std::string> ids;
    if (auto it = req.params.find("agent_id"); it != req.params.end()) ids.push_back(it->second);
    else ids = member_ids(req);
    run_blocking(ctx.rt, std::move(respond), [&ctx, id = req.params.at("id"), ids] {
        for (const auto& a : ids) ctx.backends.entanglements->remove_member(id, a);
        auto db = ctx.db();
        return http::response::json(200, json::serialize(entanglement_json(*db, *db->entanglements().get(id))));
    });
}

void send_message(api_context& ctx, http::request& req, http::responder respond) {
    const auto body = parse_json_body(req);
    const auto& o = body_object(body);
    entanglement::send_request r;
    r.entanglement_id = req.params.at("id");
    r.sender_id = required_string(o, "sender_id");
    r.receiver_id = optional_string(o, "receiver_id");
    if (const auto* b = o.if_contains("broadcast"); b && !b->is_null()) {
        if (!b->is_bool()) throw invalid("$.broadcast", "must be true or false");
        if (b->as_bool() && r.receiver_id) throw invalid("$.receiver_id", "a broadcast has no receiver_id");
        if (!b->as_bool() && !r.receiver_id) throw invalid("$.receiver_id", "is required when broadcast is false");
    }
    const auto* content = o.if_contains("content");
    if (!content || content->is_null()) throw invalid("$.content", "is required");
    r.content = *content;
    r.message_type = optional_string(o, "message_type").value_or("notification");
    if (const auto* m = o.if_contains("metadata"); m && !m->is_null()) {
        if (!m->is_object()) throw invalid("$.metadata", "must be an object");
        r.metadata = m->as_object();
    }
    run_blocking(ctx.rt, std::move(respond), [&ctx, r] {
        auto m = ctx.backends.entanglements->send(r);
        return http::response::json(201, json::serialize(entanglement::entanglement_manager::to_json(m)));
    });
}

void list_messages(api_context& ctx, http::request& req, http::responder respond) {
    const auto page = parse_page(req);
    store::message_filter f;
    if (auto after = query_unsigned(req, "after_sequence")) f.after_sequence = static_cast<std::int64_t>(*after);
    if (auto it = req.query.find("receiver_id"); it != req.query.end()) f.for_receiver = it->second;
    if (auto it = req.query.find("state"); it != req.query.end()) {
        f.state = store::parse_delivery_state(it->second);
        if (!f.state) throw invalid("?state", fmt::format("'{}' is not pending, delivered, processed or failed", it->second));
    }
    run_blocking(ctx.rt, std::move(respond), [&ctx, id = req.params.at("id"), page, f] {
        auto db = ctx.db();
        auto e = db->entanglements().get(id);
        if (!e) throw http::http_error(404, "not_found", fmt::format("no entanglement '{}'", id));
        json::array items;
        for (const auto& m : db->entanglements().messages(id, f, page))
            items.push_back(entanglement::entanglement_manager::to_json(m));
        json::object body{{"items", std::move(items)}, {"limit", page.limit}, {"offset", page.offset},
                          {"last_sequence", e->last_sequence}};
        return http::response::json(200, json::serialize(body));
    });
}

}  // namespace

void add_agent_routes(api_context& ctx) {
    if (!ctx.backends.spawner) return;
    const std::string agents = "/api/chainbot/agents";
    auto& t = ctx.table;
    t.add({"GET", agents, std::string(permission::read), bind(ctx, list_agents),
           "List agents (?agent_type=&state=, paginated)"});
    t.add({"POST", agents, std::string(permission::agent_spawn), bind(ctx, spawn_agent),
           "Spawn an agent: {\"agent_type\", \"name\", \"config\"} (409 when a limit is reached)"});
    t.add({"GET", agents + "/{id}", std::string(permission::read), bind(ctx, get_agent),
           "An agent with its state and counters"});
    t.add({"DELETE", agents + "/{id}", std::string(permission::agent_terminate), bind(ctx, terminate_agent),
           "Terminate an agent (its slot is released; it receives nothing more)"});

    if (!ctx.backends.entanglements) return;
    const std::string ents = "/api/chainbot/entanglements";
    const auto manage = std::string(permission::entanglement_manage);
    t.add({"GET", ents, std::string(permission::read), bind(ctx, list_entanglements), "List entanglements (paginated)"});
    t.add({"POST", ents, manage, bind(ctx, create_entanglement),
           "Create an entanglement: {\"name\", \"description\", \"agent_ids\"}"});
    t.add({"GET", ents + "/{id}", std::string(permission::read), bind(ctx, get_entanglement),
           "An entanglement with its members"});
    t.add({"DELETE", ents + "/{id}", manage, bind(ctx, delete_entanglement),
           "Delete an entanglement with its memberships and messages"});
    t.add({"POST", ents + "/{id}/agents", manage, bind(ctx, add_members),
           "Add members: {\"agent_id\"} or {\"agent_ids\": [...]}"});
    t.add({"DELETE", ents + "/{id}/agents", manage, bind(ctx, remove_members),
           "Remove members: {\"agent_id\"} or {\"agent_ids\": [...]}"});
    t.add({"DELETE", ents + "/{id}/agents/{agent_id}", manage, bind(ctx, remove_members), "Remove one member"});
    t.add({"POST", ents + "/{id}/messages", manage, bind(ctx, send_message),
           "Send a message: {\"sender_id\", \"receiver_id\" (absent or broadcast: true: to every other member), "
           "\"content\", \"message_type\", \"metadata\"}"});
    t.add({"GET", ents + "/{id}/messages", std::string(permission::read), bind(ctx, list_messages),
           "Messages in sequence order (?after_sequence=&receiver_id=&state=, paginated)"});
}

}  // namespace chainbot::api
