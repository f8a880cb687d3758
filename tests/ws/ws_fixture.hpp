#pragma once
// The whole module with security on (as a host runs it), for the WebSocket tests: the
// first-start admin token, tokens for other roles, REST calls, WebSocket clients and
// events published straight into the module's event hub.
#include "ws_client.hpp"

#include <chainbot/module.hpp>

#include "runtime/runtime.hpp"
#include "support/http_get.hpp"
#include "support/temp_dir.hpp"

#include <catch2/catch.hpp>

#include <fstream>
#include <memory>
#include <string>

namespace chainbot::test {

struct ws_module {
    temp_dir dir;
    chainbot_module module;
    std::string admin;

    /// @brief `api_settings`: more keys of the api section, e.g. R"("ws_send_queue": 4)".
    explicit ws_module(const std::string& api_settings = "") {
        std::string api = R"("port": 0)";
        if (!api_settings.empty()) api += ", " + api_settings;
        module.initialize({}, R"({"api": {)" + api + R"(}, "module": {"data_dir": ")" + dir.str() + R"("}})");
        module.start();
        std::ifstream in(dir.path() / "admin_token");
        std::getline(in, admin);
        REQUIRE_FALSE(admin.empty());
    }

    unsigned short port() { return module.api_port(); }

    http_reply call(const std::string& method, const std::string& path, const std::string& token = "",
                    const std::string& body = "") {
        header_list h;
        if (!token.empty()) h.emplace_back("Authorization", "Bearer " + token);
        return http_request(port(), method, path, body, h);
    }

    /// @brief A user holding exactly `roles` (a JSON array) and a token of theirs.
    std::string token_with_roles(const std::string& name, const std::string& roles) {
        auto u = call("POST", "/api/chainbot/admin/users", admin, R"({"name": ")" + name + R"(", "roles": )" + roles + "}");
        INFO(u.body);
        REQUIRE(u.status == 201);
        auto t = call("POST", "/api/chainbot/admin/users/" + std::string(u.json().at("id").as_string()) + "/tokens",
                      admin, R"({"name": "t"})");
        INFO(t.body);
        REQUIRE(t.status == 201);
        return std::string(t.json().at("secret").as_string());
    }

    /// @brief A client authenticated with the admin token in the Authorization header.
    std::unique_ptr<ws_client> connect(const std::string& query = "", ws_client_options options = {}) {
        options.headers.emplace_back("Authorization", "Bearer " + admin);
        auto c = std::make_unique<ws_client>(port(), "/api/chainbot/ws" + query, options);
        INFO(c->refused_body());
        REQUIRE(c->upgraded());
        return c;
    }

    /// @brief Subscribes `c` to `topics_json` (a JSON array) and waits for the answer.
    void subscribe(ws_client& c, const std::string& topics_json) {
        c.send(R"({"action": "subscribe", "topics": )" + topics_json + "}");
        auto reply = c.next_of("subscribed");
        REQUIRE(reply);
    }

    void publish(const std::string& topic, boost::json::object fields = {}) {
        module.get_runtime()->events().publish(topic, std::move(fields));
    }

    /// @brief The "websocket" section of GET /metrics.
    boost::json::object websocket_metrics() {
        auto r = call("GET", "/api/chainbot/metrics", admin);
        INFO(r.body);
        REQUIRE(r.status == 200);
        return r.json().at("websocket").as_object();
    }
    std::uint64_t metric(const char* name) { return websocket_metrics().at(name).to_number<std::uint64_t>(); }
};

inline std::string type_of(const boost::json::object& frame) {
    const auto* t = frame.if_contains("type");
    return t && t->is_string() ? std::string(t->as_string()) : std::string();
}
inline std::string topic_of(const boost::json::object& frame) {
    const auto* t = frame.if_contains("topic");
    return t && t->is_string() ? std::string(t->as_string()) : std::string();
}

}  // namespace chainbot::test
