#include "audit/audit_routes.hpp"

#include "audit/time_text.hpp"

#include "http/router.hpp"

#include <boost/json/array.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <charconv>

namespace chainbot::audit {

namespace json = boost::json;

namespace {

constexpr std::size_t max_limit = 1000;

[[noreturn]] void bad_parameter(const std::string& name, const std::string& why) {
    throw http::http_error(400, "invalid_parameter", "query parameter '" + name + "': " + why,
                           json::object{{"parameter", name}});
}

std::optional<std::string> query(const http::request& req, const std::string& name) {
    auto it = req.query.find(name);
    if (it == req.query.end()) return std::nullopt;
    return it->second;
}

std::size_t unsigned_param(const http::request& req, const std::string& name, std::size_t fallback) {
    const auto v = query(req, name);
    if (!v) return fallback;
    std::size_t out = 0;
    const auto r = std::from_chars(v->data(), v->data() + v->size(), out);
    if (v->empty() || r.ec != std::errc{} || r.ptr != v->data() + v->size()) bad_parameter(name, "expected a non-negative integer");
    return out;
}

std::optional<store::time_point> time_param(const http::request& req, const std::string& name) {
    const auto v = query(req, name);
    if (!v) return std::nullopt;
    auto t = parse_time(*v);
    if (!t) bad_parameter(name, "expected an ISO 8601 time (2026-11-25T12:00:00Z) or epoch milliseconds");
    return t;
}

store::audit_filter parse_filter(const http::request& req) {
    store::audit_filter f;
    f.user_id = query(req, "user");
    if (!f.user_id) f.user_id = query(req, "user_id");
    f.action = query(req, "action");
    f.resource = query(req, "resource");
    if (const auto s = query(req, "success")) {
        if (*s == "true" || *s == "1") f.success = true;
        else if (*s == "false" || *s == "0") f.success = false;
        else bad_parameter("success", "expected true or false");
    }
    f.since = time_param(req, "since");
    f.until = time_param(req, "until");
    return f;
}

}  // namespace

json::object to_json(const store::audit_entry& e) {
    json::object o{{"id", e.id},
                   {"timestamp", to_iso8601(e.at)},
                   {"user_id", e.user_id ? json::value(*e.user_id) : json::value(nullptr)},
                   {"token_id", e.token_id ? json::value(*e.token_id) : json::value(nullptr)},
                   {"action", e.action},
                   {"resource", e.resource},
                   {"success", e.success},
                   {"client", e.client ? json::value(*e.client) : json::value(nullptr)}};
    json::value meta = nullptr;
    if (e.metadata) {
        boost::system::error_code ec;
        meta = json::parse(*e.metadata, ec);
        if (ec) meta = json::value(*e.metadata);
    }
    o["metadata"] = std::move(meta);
    return o;
}

http::response list_audit(audit_trail& trail, const http::request& req) {
    const auto filter = parse_filter(req);
    trail.flush();  // what was recorded before this request is in the answer
    store::page page{.limit = unsigned_param(req, "limit", 100), .offset = unsigned_param(req, "offset", 0)};
    if (page.limit == 0 || page.limit > max_limit) bad_parameter("limit", "expected 1 to 1000");
    json::array items;
    for (const auto& e : trail.list(filter, page)) items.push_back(to_json(e));
    const auto total = trail.count(filter);
    json::object body{{"items", std::move(items)}, {"total", total}, {"limit", page.limit}, {"offset", page.offset}};
    return http::response::json(200, json::serialize(body));
}

}  // namespace chainbot::audit
