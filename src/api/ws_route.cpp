#include "api/ws_route.hpp"

#include "ws/hub.hpp"
#include "ws/protocol.hpp"

#include <boost/json/object.hpp>

#include <algorithm>

namespace chainbot::api {

namespace {

// ?topics=a,b: validated patterns, or a 400.
std::vector<std::string> initial_topics(const http::request& req) {
    std::vector<std::string> topics;
    const auto it = req.query.find("topics");
    if (it == req.query.end()) return topics;
    std::string_view list = it->second;
    while (!list.empty()) {
        const auto comma = list.find(',');
        const auto item = list.substr(0, comma);
        if (!item.empty()) {
            if (auto problem = ws::pattern_problem(item); !problem.empty())
                throw http::http_error(400, "invalid_parameter", "query parameter 'topics': " + problem,
                                       boost::json::object{{"parameter", "topics"}});
            if (std::find(topics.begin(), topics.end(), item) == topics.end()) topics.emplace_back(item);
        }
        if (comma == std::string_view::npos) break;
        list.remove_prefix(comma + 1);
    }
    if (topics.size() > ws::max_patterns)
        throw http::http_error(400, "invalid_parameter",
                               "query parameter 'topics': at most " + std::to_string(ws::max_patterns) + " patterns",
                               boost::json::object{{"parameter", "topics"}});
    return topics;
}

}  // namespace

std::shared_ptr<ws::hub> add_ws_route(api_context& ctx) {
    auto feed = std::make_shared<ws::hub>(ctx.rt);
    ctx.ws = feed;
    std::weak_ptr<ws::hub> weak = feed;
    ctx.table.add({"GET", "/api/chainbot/ws", std::string(permission::read),
                   [weak](http::request& req, http::responder respond) {
                       if (!http::has_token(req.header("upgrade"), "websocket") || !http::has_token(req.header("connection"), "upgrade")) {
                           auto res = http::response::error(426, "upgrade_required",
                                                            "this endpoint speaks WebSocket: send an upgrade request");
                           res.headers.emplace_back("Upgrade", "websocket");
                           return respond(std::move(res));
                       }
                       auto topics = initial_topics(req);
                       auto feed = weak.lock();
                       if (!feed || !feed->accepting())
                           throw http::http_error(503, "unavailable", "the event feed is stopping");
                       http::response res;
                       res.status = 101;
                       res.upgrade = feed->acceptor(std::move(topics));
                       respond(std::move(res));
                   },
                   "WebSocket feed of live events (upgrade request; the token may be given as ?access_token=, "
                   "?topics=a,b subscribes at connect)"});
    return feed;
}

}  // namespace chainbot::api
