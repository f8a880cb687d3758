// Bad input costs nothing: bodies over the limit (413), headers over the limit (431), JSON
// nested 10,000 levels deep on every route that takes a body and on the WebSocket (400 / an
// error frame, never a crash), expressions nested as deep, ids that try path traversal
// (../, %2e%2e%2f, NUL: 400 or 404, never a file), and CR/LF in values that are echoed
// (no header injected, in the module's answers or in the requests it sends).
#include "hardening_support.hpp"
#include "support/http_get.hpp"
#include "module_fixture.hpp"

#include "ws/ws_client.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <fstream>
#include <mutex>

using namespace chainbot;
using namespace chainbot::test;
namespace json = boost::json;

namespace {

std::string nested_array(int depth) { return std::string(static_cast<std::size_t>(depth), '[') + std::string(static_cast<std::size_t>(depth), ']'); }
std::string nested_object(int depth) {
    std::string s;
    for (int i = 0; i < depth; ++i) s += R"({"a":)";
    s += "1";
    s += std::string(static_cast<std::size_t>(depth), '}');
    return s;
}

std::string sent_raw(unsigned short port, const std::string& raw) {
    const int fd = connect_loopback(port);
    if (fd < 0) return "";
    ::send(fd, raw.data(), raw.size(), MSG_NOSIGNAL);
    timeval tv{5, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    std::string out;
    char buf[4096];
    for (ssize_t n; (n = ::recv(fd, buf, sizeof buf, 0)) > 0;) out.append(buf, static_cast<std::size_t>(n));
    ::close(fd);
    return out;
}

// A server on 127.0.0.1 that records the raw requests it gets and answers 200 {}.
class recording_peer {
public:
    recording_peer() {
        fd_ = listen_loopback(16, port_);
        REQUIRE(fd_ >= 0);
        thread_ = std::thread([this] {
            for (;;) {
                const int c = ::accept(fd_, nullptr, nullptr);
                if (c < 0 || stop_) {
                    if (c >= 0) ::close(c);
                    return;
                }
                timeval tv{2, 0};
                ::setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
                std::string raw;
                char buf[4096];
                while (raw.find("\r\n\r\n") == std::string::npos) {
                    const auto n = ::recv(c, buf, sizeof buf, 0);
                    if (n <= 0) break;
                    raw.append(buf, static_cast<std::size_t>(n));
                }
                {
                    std::lock_guard lock(mutex_);
                    requests_.push_back(raw);
                }
                const std::string reply = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}";
                ::send(c, reply.data(), reply.size(), MSG_NOSIGNAL);
                ::close(c);
            }
        });
    }
    ~recording_peer() {
        stop_ = true;
        ::shutdown(fd_, SHUT_RDWR);
        const int poke = ::socket(AF_INET, SOCK_STREAM, 0);  // wakes accept() on kernels where shutdown does not
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_port = htons(port_);
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        ::connect(poke, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
        ::close(poke);
        thread_.join();
        ::close(fd_);
    }
    unsigned short port() const { return port_; }
    std::vector<std::string> requests() const {
        std::lock_guard lock(mutex_);
        return requests_;
    }

private:
    int fd_ = -1;
    unsigned short port_ = 0;
    std::atomic<bool> stop_{false};
    std::thread thread_;
    mutable std::mutex mutex_;
    std::vector<std::string> requests_;
};

}  // namespace

TEST_CASE("a body over the limit is 413, headers over the limit are 431, and the server goes on", "[hardening][limits]") {
    module_fixture m;
    m.start();
    const auto wf = m.workflow(R"({"name": "sum", "steps": [{"id": "s", "type": "transform", "transform_type": "expression", "expression": "1 + 1"}]})");
    std::string big = R"({"name": "big", "description": ")" + std::string(1024 * 1024, 'x') + R"(", "steps": []})";
    for (const auto& path : {std::string("/api/chainbot/workflows"), "/api/chainbot/workflows/" + wf + "/execute",
                             std::string("/api/chainbot/agents")}) {
        const auto r = m.call("POST", path, m.admin, big);
        INFO(path << " -> " << r.status << " " << r.body.substr(0, 300));
        CHECK(r.status == 413);
        CHECK(r.body.find("payload_too_large") != std::string::npos);
    }
    const auto headers = m.call("GET", "/api/chainbot/workflows", m.admin, "", {{"X-Big", std::string(16 * 1024, 'h')}});
    CHECK(headers.status == 431);
    CHECK(m.call("GET", "/api/chainbot/health").status == 200);
    CHECK(m.as_admin("GET", "/api/chainbot/workflows/" + wf).status == 200);
    report("limits: 1 MiB+ bodies on 3 routes -> 413, 16 KiB header -> 431, the server went on");
}

TEST_CASE("JSON nested 10,000 levels deep is refused with 400 on every route that takes a body, and on the WebSocket",
          "[hardening][limits]") {
    module_fixture m;
    m.start();
    const auto wf = m.workflow(R"({"name": "echo", "steps": [{"id": "s", "type": "transform", "value": "${input.v}"}]})");
    const std::vector<std::pair<std::string, std::string>> targets{
        {"POST", "/api/chainbot/workflows"},
        {"PUT", "/api/chainbot/workflows/" + wf},
        {"POST", "/api/chainbot/workflows/" + wf + "/execute"},
        {"POST", "/api/chainbot/workflows/" + wf + "/execute?wait=true"},
        {"POST", "/api/chainbot/webhooks/deep"},
        {"POST", "/api/chainbot/agents"},
        {"POST", "/api/chainbot/entanglements"},
        {"POST", "/api/chainbot/admin/users"},
        {"PUT", "/api/chainbot/admin/roles/deep"},
    };
    int refused = 0;
    for (const auto& body : {nested_array(10000), nested_object(10000), nested_array(100)}) {
        for (const auto& [method, path] : targets) {
            const auto r = m.call(method, path, m.admin, body);
            INFO(method << " " << path << " depth body of " << body.size() << " bytes -> " << r.status << " " << r.body);
            CHECK(r.status == 400);
            if (r.status == 400) ++refused;
        }
    }
    // Nesting that the parser accepts still runs safely through templates and masking.
    std::string input = "1";
    for (int i = 0; i < 30; ++i) input = "[" + input + "]";
    const auto ok = m.call("POST", "/api/chainbot/workflows/" + wf + "/execute?wait=true", m.admin, R"({"v": )" + input + "}");
    INFO(ok.body);
    CHECK(ok.status == 200);
    // Expressions nested as deep are a validation error, not a stack overflow.
    const auto deep_expr = std::string(10000, '(') + "1" + std::string(10000, ')');
    const auto expr = m.call("POST", "/api/chainbot/workflows", m.admin,
                             R"({"name": "deep", "steps": [{"id": "s", "type": "transform", "transform_type": "expression", "expression": ")" +
                                 deep_expr + R"("}]})");
    INFO(expr.body.substr(0, 400));
    CHECK(expr.status == 400);
    const auto tmpl = m.call("POST", "/api/chainbot/workflows/" + wf + "/execute?wait=true", m.admin,
                             R"({"v": "${)" + std::string(5000, '[') + R"(}"})");
    CHECK(tmpl.status / 100 != 5);
    // The WebSocket: an error frame, the connection stays usable.
    ws_client_options wo;
    wo.headers = {{"Authorization", "Bearer " + m.admin}};
    ws_client ws(m.port(), "/api/chainbot/ws", wo);
    REQUIRE(ws.upgraded());
    ws.send(R"({"action": "subscribe", "topics": )" + nested_array(10000) + "}");
    const auto error = ws.next_of("error");
    REQUIRE(error);
    ws.send(R"({"action": "ping"})");
    CHECK(ws.next_of("pong"));
    // A message over the WebSocket's size limit closes that connection only.
    ws_client big(m.port(), "/api/chainbot/ws", wo);
    REQUIRE(big.upgraded());
    big.send(R"({"action": "subscribe", "topics": [")" + std::string(200 * 1024, 'a') + R"("]})");
    CHECK(big.wait_closed(std::chrono::seconds(5)));
    ws.send(R"({"action": "ping"})");
    CHECK(ws.next_of("pong"));
    CHECK(m.call("GET", "/api/chainbot/health").status == 200);
    report("limits: JSON nested 10,000 deep (arrays, objects) on %zu routes -> %d x 400; 30-deep input ran; 10,000-deep "
           "expression -> 400; WebSocket: error frame for 10,000-deep JSON, a 200 KiB message closed only its own "
           "connection",
           targets.size(), refused);
}

TEST_CASE("ids that try path traversal are 400 or 404, never a file", "[hardening][limits]") {
    module_fixture m;
    m.start();
    std::ofstream(m.dir.path() / "secret.txt") << "cb-file-content-never-served";
    const std::vector<std::string> ids{
        "..%2f..%2f..%2f..%2fetc%2fpasswd", "%2e%2e%2f%2e%2e%2f%2e%2e%2fetc%2fpasswd", "..%252f..%252fetc%252fpasswd",
        "%2e%2e", "..", "..%5c..%5c..%5cetc%5cpasswd", "%00", "abc%00def", "..%00", "%2e%2e%2fsecret.txt",
        "..%2fsecret.txt", "..%2fadmin_token", "%c0%ae%c0%ae%2f", "%ff%fe"};
    const std::vector<std::string> patterns{
        "/api/chainbot/workflows/{}", "/api/chainbot/executions/{}", "/api/chainbot/agents/{}",
        "/api/chainbot/entanglements/{}", "/api/chainbot/entanglements/{}/messages", "/chainbot/{}"};
    int checked = 0;
    for (const auto& pattern : patterns)
        for (const auto& id : ids) {
            auto path = pattern;
            path.replace(path.find("{}"), 2, id);
            const auto r = m.call("GET", path, m.admin);
            INFO(path << " -> " << r.status << " " << r.body);
            CHECK((r.status == 400 || r.status == 404));
            CHECK(r.body.find("root:") == std::string::npos);
            CHECK(r.body.find("cb-file-content-never-served") == std::string::npos);
            CHECK(r.body.find(m.admin) == std::string::npos);
            if (!r.body.empty()) CHECK(r.header("content-type").rfind("application/json", 0) == 0);  // never HTML
            ++checked;
        }
    // Literal traversal in the request line.
    for (const std::string path : {"/chainbot/../../../../etc/passwd", "/api/chainbot/../../../etc/passwd",
                                   "/chainbot/./../secret.txt"}) {
        const auto r = m.call("GET", path, m.admin);
        INFO(path << " -> " << r.status << " " << r.body);
        CHECK(r.status != 200);
        CHECK(r.body.find("root:") == std::string::npos);
        CHECK(r.body.find("cb-file-content-never-served") == std::string::npos);
        ++checked;
    }
    // Deleting through a traversing id deletes nothing.
    const auto wf = m.workflow(R"({"name": "keep", "steps": [{"id": "s", "type": "succeed"}]})");
    CHECK(m.as_admin("DELETE", "/api/chainbot/workflows/..%2f" + wf).status == 404);
    CHECK(m.as_admin("GET", "/api/chainbot/workflows/" + wf).status == 200);
    CHECK(std::filesystem::exists(m.dir.path() / "secret.txt"));
    report("limits: %d requests with traversing ids (../, %%2e%%2e%%2f, double encoding, backslashes, NUL, overlong "
           "UTF-8) on 6 routes and literal ../ in the path: all 400/404, no file content",
           checked);
}

TEST_CASE("CR/LF in echoed values injects no header, in answers or in the requests the module sends",
          "[hardening][limits]") {
    recording_peer peer;
    module_fixture m;
    m.start();
    const std::string inj = "%0d%0aSet-Cookie:%20injected=1%0d%0aX-Injected:%20yes";
    const std::vector<std::pair<std::string, std::string>> requests{
        {"GET", "/api/chainbot/workflows/x" + inj},
        {"GET", "/api/chainbot/executions/x" + inj},
        {"POST", "/api/chainbot/executions/x" + inj + "/cancel"},
        {"POST", "/api/chainbot/webhooks/x" + inj},
        {"GET", "/api/chainbot/executions?status=x" + inj},
        {"GET", "/api/chainbot/workflows?limit=1" + inj},
        {"GET", "/chainbot/x" + inj},
        {"GET", "/chainbot" + inj},
    };
    int checked = 0;
    for (const auto& [method, path] : requests) {
        const auto r = m.call(method, path, m.admin, method == "POST" ? "{}" : "");
        INFO(method << " " << path << " -> " << r.status << " " << r.body);
        CHECK(r.status >= 300);
        CHECK(r.headers.count("set-cookie") == 0);
        CHECK(r.headers.count("x-injected") == 0);
        for (const auto& [name, value] : r.headers) CHECK(value.find_first_of("\r\n") == std::string::npos);
        ++checked;
    }
    // A raw CR/LF in the request line or a header is a malformed request: 400 or closed, never echoed as a header.
    for (const std::string raw : {"GET /api/chainbot/health\r\nX-Injected: yes HTTP/1.1\r\nHost: x\r\n\r\n",
                                  "GET /api/chainbot/health HTTP/1.1\r\nHost: x\r\nX-A: a\rX-Injected: yes\r\n\r\n"}) {
        const auto answer = sent_raw(m.port(), raw);
        INFO(answer);
        CHECK(answer.find("\r\nX-Injected") == std::string::npos);
        CHECK(answer.find("\r\nx-injected") == std::string::npos);
        ++checked;
    }
    // Outgoing: header values rendered from input with CR/LF fail the step; nothing reaches the peer.
    const auto url = "http://127.0.0.1:" + std::to_string(peer.port()) + "/hook";
    const auto wf = m.workflow(R"({"name": "out", "steps": [{"id": "call", "type": "api_call", "url": ")" + url +
                               R"(", "headers": {"X-Note": "${input.note}"}, "retry": {"max_attempts": 1}}]})");
    const auto bad = m.run(wf, std::chrono::seconds(10), R"({"note": "a\r\nX-Injected: yes"})");
    REQUIRE(bad);
    CHECK(bad->status == "failed");
    const auto good = m.run(wf, std::chrono::seconds(10), R"({"note": "fine"})");
    REQUIRE(good);
    CHECK(good->status == "completed");
    // The api agent refuses the same in a request's headers.
    auto spawned = m.as_admin("POST", "/api/chainbot/agents",
                              R"({"type": "api", "name": "peer", "config": {"base_url": "http://127.0.0.1:)" +
                                  std::to_string(peer.port()) + R"(", "timeout_seconds": 2, "max_retries": 0}})");
    REQUIRE(spawned.status == 201);
    const auto agent_wf = m.workflow(R"({"name": "agent-out", "steps": [{"id": "get", "type": "agent_task", "agent_type": "api", "task": "get",)"
                                     R"( "input": {"path": "/x", "headers": {"X-Note": "${input.note}"}}, "retry": {"max_attempts": 1}}]})");
    const auto agent_bad = m.run(agent_wf, std::chrono::seconds(10), R"({"note": "a\r\nX-Injected: yes"})");
    REQUIRE(agent_bad);
    CHECK(agent_bad->status == "failed");
    const auto step_id_wf = m.call("POST", "/api/chainbot/workflows", m.admin,
                                   R"({"name": "crlf-id", "steps": [{"id": "a\r\nX-Injected: yes", "type": "api_call", "url": ")" + url + R"("}]})");
    if (step_id_wf.status == 201) {  // a step id is accepted as is: its idempotency key header must stay clean
        const auto out = m.run(std::string(step_id_wf.json().at("id").as_string()), std::chrono::seconds(10));
        REQUIRE(out);
    }
    const auto seen = peer.requests();
    for (const auto& raw : seen) {
        INFO(raw);
        CHECK(raw.find("X-Injected") == std::string::npos);
    }
    CHECK(seen.size() >= 1);
    report("limits: %d requests with CR/LF in ids, names, query values and raw lines: no header injected; outgoing "
           "api_call and api agent headers with CR/LF failed the step, the peer received %zu clean requests; a step id "
           "with CR/LF was %s",
           checked, seen.size(), step_id_wf.status == 201 ? "accepted, its Idempotency-Key header stayed clean" : "refused (400)");
}
