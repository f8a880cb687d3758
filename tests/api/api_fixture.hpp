#pragma once
// An embedded ChainBot for the REST tests: runtime, SQLite store, orchestrator and API
// service wired as the module wires them (api.port 0, a temp data dir), with the API's
// route table at hand, and a small blocking HTTP/1.1 client over a POSIX socket.
#include "api/api_service.hpp"
#include "config/loader.hpp"
#include "orchestrator/orchestrator.hpp"
#include "runtime/runtime.hpp"
#include "store/store_service.hpp"
#include "support/temp_dir.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <catch2/catch.hpp>

#include <chrono>
#include <map>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace chainbot::test {

struct http_reply {
    int status = 0;
    std::map<std::string, std::string> headers;  // lower-case names
    std::string body;

    boost::json::value json() const { return boost::json::parse(body); }
    std::string error_code() const { return std::string(json().at("error").at("code").as_string()); }
    std::string header(const std::string& name) const {
        auto it = headers.find(name);
        return it == headers.end() ? std::string() : it->second;
    }
};

using header_list = std::vector<std::pair<std::string, std::string>>;

/// @brief One request on its own connection (Connection: close). A body gets
/// Content-Type: application/json unless `headers` names a content-type.
inline http_reply http_request(unsigned short port, const std::string& method, const std::string& path,
                               const std::string& body = "", const header_list& headers = {}) {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) throw std::runtime_error("socket failed");
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
        ::close(fd);
        throw std::runtime_error("connect to port " + std::to_string(port) + " failed");
    }
    std::string req = method + " " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n";
    bool has_type = false;
    for (const auto& [name, value] : headers) {
        req += name + ": " + value + "\r\n";
        has_type = has_type || name == "Content-Type" || name == "content-type";
    }
    if (!body.empty() && !has_type) req += "Content-Type: application/json\r\n";
    req += "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
    for (std::size_t sent = 0; sent < req.size();) {
        const auto n = ::send(fd, req.data() + sent, req.size() - sent, MSG_NOSIGNAL);
        if (n <= 0) break;
        sent += static_cast<std::size_t>(n);
    }
    std::string raw;
    char buf[8192];
    for (ssize_t n; (n = ::recv(fd, buf, sizeof buf, 0)) > 0;) raw.append(buf, static_cast<std::size_t>(n));
    ::close(fd);
    http_reply r;
    if (raw.rfind("HTTP/1.1 ", 0) == 0) r.status = std::stoi(raw.substr(9, 3));
    const auto split = raw.find("\r\n\r\n");
    for (std::size_t line = raw.find("\r\n") + 2; split != std::string::npos && line < split;) {
        const auto end = raw.find("\r\n", line);
        const auto colon = raw.find(':', line);
        if (colon != std::string::npos && colon < end) {
            std::string name = raw.substr(line, colon - line);
            for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
            auto value = raw.substr(colon + 1, end - colon - 1);
            value.erase(0, value.find_first_not_of(' '));
            r.headers[name] = value;
        }
        line = end + 2;
    }
    if (split != std::string::npos) r.body = raw.substr(split + 4);
    return r;
}

struct api_fixture {
    temp_dir dir;
    std::unique_ptr<runtime> rt;
    std::shared_ptr<store::store_service> store = std::make_shared<store::store_service>();
    std::shared_ptr<orchestrator::orchestrator> orch =
        std::make_shared<orchestrator::orchestrator>([s = store] { return s->store(); });
    std::shared_ptr<api::api_service> api =
        std::make_shared<api::api_service>([] { return boost::json::object{{"id", "chainbot"}}; });

    /// @brief `extra_config`: more settings sections, e.g. R"("workflow": {"max_concurrent_executions": 1})".
    explicit api_fixture(const std::string& extra_config = "") {
        std::string config = R"({"api": {"port": 0}, "module": {"data_dir": ")" + dir.str() + R"("})";
        if (!extra_config.empty()) config += ", " + extra_config;
        config::load_request request;
        request.inline_layer = boost::json::parse(config + "}").as_object();
        rt = std::make_unique<runtime>(config::load(request), host_services{});
        api->attach({[s = store] { return s->store(); }, orch.get(), nullptr});
        rt->add_service(store);
        rt->add_service(orch);
        rt->add_service(api);
    }
    ~api_fixture() { rt->stop(); }
    void start() { rt->start(); }
    unsigned short port() const { return api->port(); }

    http_reply request(const std::string& method, const std::string& path, const std::string& body = "",
                       const header_list& headers = {}) {
        return http_request(port(), method, path, body, headers);
    }
    http_reply get(const std::string& path) { return request("GET", path); }
    http_reply post(const std::string& path, const std::string& body = "", const header_list& headers = {}) {
        return request("POST", path, body, headers);
    }

    /// @brief Creates a workflow through the API; returns its id.
    std::string create(const std::string& definition) {
        auto r = post("/api/chainbot/workflows", definition);
        INFO(r.body);
        REQUIRE(r.status == 201);
        return std::string(r.json().at("id").as_string());
    }
    /// @brief Polls GET /executions/{id} until its status is `status` (or a few seconds pass).
    std::string wait_for_status(const std::string& execution_id, const std::string& status) {
        std::string now;
        for (int i = 0; i < 200; ++i) {
            auto r = get("/api/chainbot/executions/" + execution_id);
            if (r.status == 200) now = std::string(r.json().at("status").as_string());
            if (now == status) break;
            std::this_thread::sleep_for(std::chrono::milliseconds(25));
        }
        return now;
    }
};

inline const std::string sum_workflow = R"({"name": "sum", "description": "adds a and b", "steps": [
    {"id": "sum", "type": "transform", "transform_type": "expression", "expression": "input.a + input.b"}]})";
inline const std::string slow_workflow = R"({"name": "slow", "steps": [
    {"id": "pause", "type": "wait", "duration": 30}, {"id": "after", "type": "transform", "value": "done"}]})";

}  // namespace chainbot::test
