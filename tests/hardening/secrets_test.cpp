// Secrets never appear where people or other programs read: a module configured with the
// distinctive test secrets (support/test_secrets.hpp: a credentials file, an api agent's
// bearer token, basic password and secret header, the assistant's api_key, a secret in an
// execution's input, a mistyped bearer token) runs a workflow that uses every one of them
// against a peer that echoes every request back (and a model service that answers 401
// quoting the key). Then the log lines (at DEBUG), the events on the host bus and on a
// WebSocket, the audit records, every REST answer (errors included) and the stored
// histories are searched for the secrets and the admin token.
#include "hardening_support.hpp"
#include "support/http_get.hpp"
#include "module_fixture.hpp"

#include "support/test_secrets.hpp"
#include "ws/ws_client.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <sqlite3.h>

#include <atomic>
#include <fstream>
#include <mutex>

using namespace chainbot;
using namespace chainbot::test;
namespace json = boost::json;

namespace {

class capture_log final : public log_sink {
public:
    void write(log_level, std::string_view component, std::string_view message) override {
        std::lock_guard lock(mutex_);
        lines_.push_back(std::string(component) + ": " + std::string(message));
    }
    std::vector<std::string> lines() const {
        std::lock_guard lock(mutex_);
        return lines_;
    }

private:
    mutable std::mutex mutex_;
    std::vector<std::string> lines_;
};

class capture_bus final : public event_sink {
public:
    void publish(std::string_view topic, std::string_view json) override {
        std::lock_guard lock(mutex_);
        events_.push_back(std::string(topic) + " " + std::string(json));
    }
    std::uint64_t subscribe(std::string_view, std::function<void(std::string_view, std::string_view)>) override { return ++ids_; }
    void unsubscribe(std::uint64_t) override {}
    std::vector<std::string> events() const {
        std::lock_guard lock(mutex_);
        return events_;
    }

private:
    mutable std::mutex mutex_;
    std::vector<std::string> events_;
    std::atomic<std::uint64_t> ids_{0};
};

// Echoes every request (request line and headers, credentials included) back in its answer:
// 401 for the model service's paths (/v1/...), as a service refusing a key would, 200 elsewhere.
class echo_peer {
public:
    echo_peer() {
        fd_ = listen_loopback(16, port_);
        REQUIRE(fd_ >= 0);
        thread_ = std::thread([this] { serve(); });
    }
    ~echo_peer() {
        stop_ = true;
        const int poke = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_port = htons(port_);
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        ::connect(poke, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
        ::close(poke);
        thread_.join();
        ::close(fd_);
    }
    std::string base() const { return "http://127.0.0.1:" + std::to_string(port_); }
    int served() const { return served_.load(); }

private:
    void serve() {
        for (;;) {
            const int c = ::accept(fd_, nullptr, nullptr);
            if (c < 0) return;
            if (stop_) {
                ::close(c);
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
            const auto head = raw.substr(0, raw.find("\r\n\r\n"));
            const bool model = head.find(" /v1/") != std::string::npos;
            const auto body = json::serialize(json::object{{model ? "error" : "echo", "you sent: " + head}});
            const std::string reply = std::string(model ? "HTTP/1.1 401 Unauthorized" : "HTTP/1.1 200 OK") +
                                      "\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
                                      "\r\nConnection: close\r\n\r\n" + body;
            ::send(c, reply.data(), reply.size(), MSG_NOSIGNAL);
            ::close(c);
            ++served_;
        }
    }
    int fd_ = -1;
    unsigned short port_ = 0;
    std::atomic<bool> stop_{false};
    std::atomic<int> served_{0};
    std::thread thread_;
};

// Every text column of the tables that hold histories, audit records and events.
std::vector<std::string> stored_text(const std::string& db_path) {
    std::vector<std::string> out;
    sqlite3* db = nullptr;
    if (sqlite3_open_v2(db_path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) return {"cannot open " + db_path};
    // Not executions.input: the store keeps an execution's input as given, a resumed execution
    // needs its ${api_token}; readers get it masked (GET /executions, checked above).
    for (const char* sql : {"SELECT output, error FROM executions", "SELECT input, output, error FROM step_runs",
                            "SELECT * FROM audit_log"}) {
        sqlite3_stmt* st = nullptr;
        if (sqlite3_prepare_v2(db, sql, -1, &st, nullptr) != SQLITE_OK) {
            out.push_back(std::string("cannot read: ") + sql + ": " + sqlite3_errmsg(db));
            continue;
        }
        while (sqlite3_step(st) == SQLITE_ROW)
            for (int i = 0; i < sqlite3_column_count(st); ++i)
                if (const auto* t = sqlite3_column_text(st, i)) out.emplace_back(reinterpret_cast<const char*>(t));
        sqlite3_finalize(st);
    }
    sqlite3_close(db);
    return out;
}

struct finding {
    std::string where, secret, text;
};

}  // namespace

TEST_CASE("secrets never appear in logs, events, audit records, REST answers or stored histories",
          "[hardening][security][secrets]") {
    echo_peer peer;
    temp_dir config_dir;
    const auto credentials = (config_dir.path() / "credentials.json").string();
    std::ofstream(credentials) << json::serialize(json::object{{"cb_credential", std::string(secrets::credential)},
                                                               {"cb_api_token", std::string(secrets::api_token)}});
    auto log = std::make_shared<capture_log>();
    auto bus = std::make_shared<capture_bus>();
    module_fixture m(R"("logging": {"level": "DEBUG"}, "workflow": {"credentials_file": ")" + credentials +
                         R"("}, "security": {"failed_auth_limit_per_minute": 1000},)"
                         R"( "agents": {"assistant": {"endpoint": ")" + peer.base() + R"(/v1", "model": "m", "api_key": ")" +
                         std::string(secrets::assistant_key) + R"(", "timeout_seconds": 5}})",
                     host_services{bus, nullptr, log});
    m.start();
    ws_client_options wo;
    wo.headers = {{"Authorization", "Bearer " + m.admin}};
    ws_client ws(m.port(), "/api/chainbot/ws", wo);
    REQUIRE(ws.upgraded());
    ws.send(R"({"action": "subscribe", "topics": ["*"]})");
    REQUIRE(ws.next_of("subscribed"));

    std::vector<std::pair<std::string, std::string>> answers;  // (request, status + headers + body)
    const auto rest = [&](const std::string& method, const std::string& path, const std::string& body = "",
                          const std::string& token = "") {
        auto r = m.call(method, path, token.empty() ? m.admin : token, body);
        std::string all = std::to_string(r.status);
        for (const auto& [k, v] : r.headers) all += "\n" + k + ": " + v;
        answers.emplace_back(method + " " + path, all + "\n" + r.body);
        return r;
    };

    const std::string wf_def = R"({"name": "uses every secret", "steps": [
        {"id": "tmpl", "type": "transform", "template": "key=${cb_credential} input=${api_token}"},
        {"id": "call", "type": "api_call", "url": ")" + peer.base() + R"(/echo",
         "headers": {"Authorization": "Bearer ${cb_credential}", "X-Trace": "${cb_credential}"},
         "on_failure": {"action": "continue"}, "retry": {"max_attempts": 1}},
        {"id": "agent", "type": "agent_task", "agent_type": "api", "task": "get", "input": {"path": "/echo"},
         "on_failure": {"action": "continue"}, "retry": {"max_attempts": 1}},
        {"id": "chat", "type": "agent_task", "agent_type": "assistant", "task": "chat", "input": {"message": "hello"},
         "on_failure": {"action": "continue"}, "retry": {"max_attempts": 1}},
        {"id": "emit", "type": "emit_event", "topic": "secrets", "payload": {"c": "${cb_credential}", "i": "${api_token}"}},
        {"id": "note", "type": "notification", "message": "note ${cb_credential}"},
        {"id": "end", "type": "fail", "error": "failed with ${cb_credential} and ${api_token}"}]})";
    auto created = rest("POST", "/api/chainbot/workflows", wf_def);
    INFO(created.body);
    REQUIRE(created.status == 201);
    const std::string wf(created.json().at("id").as_string());
    const std::string input = json::serialize(json::object{{"api_token", std::string(secrets::input_token)}});

    // First with an api agent using a bearer token (from the credentials file) and a secret header...
    auto a1 = rest("POST", "/api/chainbot/agents",
                   R"({"type": "api", "name": "bearer", "config": {"base_url": ")" + peer.base() +
                       R"(", "auth": {"type": "bearer", "token": "${cb_api_token}"}, "headers": {"X-Api-Key": ")" +
                       std::string(secrets::api_header) + R"("}, "timeout_seconds": 5, "max_retries": 0}})");
    INFO(a1.body);
    REQUIRE(a1.status == 201);
    const std::string agent1(a1.json().at("id").as_string());
    auto run1 = rest("POST", "/api/chainbot/workflows/" + wf + "/execute?wait=true", input);
    INFO(run1.body);
    REQUIRE(run1.status == 200);
    CHECK(run1.json().at("status") == "failed");  // the last step fails on purpose
    const std::string e1(run1.json().at("execution_id").as_string());
    // ...then with one using basic auth.
    REQUIRE(rest("DELETE", "/api/chainbot/agents/" + agent1).status == 200);
    auto a2 = rest("POST", "/api/chainbot/agents",
                   R"({"type": "api", "name": "basic", "config": {"base_url": ")" + peer.base() +
                       R"(", "auth": {"type": "basic", "username": "u", "password": ")" + std::string(secrets::api_password) +
                       R"("}, "timeout_seconds": 5, "max_retries": 0}})");
    INFO(a2.body);
    REQUIRE(a2.status == 201);
    const std::string agent2(a2.json().at("id").as_string());
    auto run2 = rest("POST", "/api/chainbot/workflows/" + wf + "/execute?wait=true", input);
    REQUIRE(run2.status == 200);
    const std::string e2(run2.json().at("execution_id").as_string());
    CHECK(peer.served() >= 6);  // the calls did reach the echoing peer and the model service

    // Refusals that could echo a secret.
    rest("GET", "/api/chainbot/workflows", "", std::string(secrets::presented_token));
    rest("POST", "/api/chainbot/agents",
         R"({"type": "assistant", "name": "bad", "config": {"api_key": ")" + std::string(secrets::assistant_key) +
             R"(", "temperature": "hot"}})");
    rest("POST", "/api/chainbot/agents",
         R"({"type": "api", "name": "bad", "config": {"base_url": "ftp://x", "auth": {"type": "bearer", "token": ")" +
             std::string(secrets::api_token) + R"("}}})");
    rest("POST", "/api/chainbot/workflows/" + wf + "/execute", R"({"api_token": ")" + std::string(secrets::input_token) + "\"");
    // Everything a client can read back.
    for (const auto& path : std::vector<std::string>{"/api/chainbot/executions/" + e1, "/api/chainbot/executions/" + e2,
                             "/api/chainbot/executions?limit=50", "/api/chainbot/workflows/" + wf,
                             "/api/chainbot/agents?limit=50", "/api/chainbot/agents/" + agent1, "/api/chainbot/agents/" + agent2,
                             std::string("/api/chainbot/audit?limit=500"), std::string("/api/chainbot/metrics"),
                             std::string("/api/chainbot/metrics/prometheus"), std::string("/api/chainbot/info"),
                             std::string("/api/chainbot/health"), std::string("/api/chainbot/auth/me")})
        rest("GET", path);
    REQUIRE(ws.wait_for([&](const auto& frames) {
        for (const auto& f : frames)
            if (json::serialize(f).find(e2) != std::string::npos && json::serialize(f).find("workflow.failed") != std::string::npos)
                return true;
        return false;
    }));
    m.orch().flush();
    const auto db_file = (m.dir.path() / "chainbot.db").string();

    // A second module configured with a PostgreSQL URL holding a password that cannot connect:
    // its configuration log and the migrate command's error name the URL masked.
    auto log2 = std::make_shared<capture_log>();
    std::string command_output;
    {
        temp_dir d2;
        chainbot_module other;
        other.initialize({nullptr, nullptr, log2}, R"({"api": {"port": 0}, "module": {"data_dir": ")" + d2.str() +
                                                       R"("}, "database": {"url": "postgresql://chainbot:)" +
                                                       std::string(secrets::database_password) + R"(@127.0.0.1:1/chainbot"}})");
        const auto r = other.run_command("migrate", {"--status"});
        CHECK(r.exit_code != 0);
        command_output = r.output + "\n" + r.error;
        CHECK_THROWS(other.start());
    }

    // The search.
    std::vector<std::pair<std::string, std::string>> corpus;  // (where, text)
    for (const auto& l : log->lines()) corpus.emplace_back("log", l);
    for (const auto& l : log2->lines()) corpus.emplace_back("log (postgresql module)", l);
    corpus.emplace_back("migrate command output", command_output);
    for (const auto& e : bus->events()) corpus.emplace_back("host event bus", e);
    for (const auto& f : ws.frames()) corpus.emplace_back("websocket", json::serialize(f));
    for (const auto& [req, text] : answers) corpus.emplace_back("REST " + req, text);
    for (const auto& t : stored_text(db_file)) corpus.emplace_back("store", t);
    std::vector<std::string> wanted;
    for (auto s : secrets::all) wanted.emplace_back(s);
    wanted.push_back(m.admin);
    std::vector<finding> found;
    for (const auto& [where, text] : corpus)
        for (const auto& s : wanted)
            if (const auto at = text.find(s); at != std::string::npos) {
                // The context around it, with the secret itself cut short (the report must not repeat it whole).
                const auto from = at > 160 ? at - 160 : 0;
                found.push_back({where, s.substr(0, 20), text.substr(from, at - from) + s.substr(0, 20) + "[...]" +
                                                             text.substr(at + s.size(), 80)});
            }
    for (const auto& f : found) {
        UNSCOPED_INFO("found " << f.secret << "[...] in " << f.where << ": " << f.text);
        CHECK(f.where.empty());
    }
    CHECK(found.empty());
    // The scan did see the places the secrets went through.
    std::size_t logs = log->lines().size(), events = bus->events().size(), frames = ws.frames().size();
    CHECK(logs > 5);
    CHECK(events > 20);
    CHECK(frames > 20);
    bool audit_seen = false;
    for (const auto& [req, text] : answers) audit_seen = audit_seen || (req.find("/audit") != std::string::npos && text.find("agent.spawn") != std::string::npos);
    CHECK(audit_seen);
    report("secrets: %zu secrets + the admin token searched in %zu log lines, %zu host-bus events, %zu WebSocket frames, "
           "%zu REST answers (audit and errors included), %zu stored values: %zu found",
           secrets::all.size(), logs + log2->lines().size(), events, frames, answers.size(), stored_text(db_file).size(),
           found.size());
}
