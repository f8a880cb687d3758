// HTTP peers that stall cost nothing: a server that accepts connections and never answers
// (api_call steps, an api agent, the assistant's model service), and clients that open
// connections to the module and never finish their request. Steps time out on time, no
// thread or connection is held afterwards, the module keeps answering meanwhile.
#include "hardening_support.hpp"
#include "support/http_get.hpp"
#include "module_fixture.hpp"

#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <mutex>

using namespace chainbot;
using namespace chainbot::test;
namespace json = boost::json;

namespace {

// A TCP server on 127.0.0.1 that accepts every connection, reads what comes and never answers.
// It counts the connections it accepted and those their client closed.
class stalling_peer {
public:
    stalling_peer() {
        fd_ = listen_loopback(128, port_);
        REQUIRE(fd_ >= 0);
        thread_ = std::thread([this] { loop(); });
    }
    ~stalling_peer() {
        stop_ = true;
        thread_.join();
        for (int c : conns_) ::close(c);
        ::close(fd_);
    }
    unsigned short port() const { return port_; }
    int accepted() const { return accepted_.load(); }
    int closed_by_client() const { return closed_.load(); }

private:
    void loop() {
        char buf[4096];
        while (!stop_) {
            std::vector<pollfd> fds{{fd_, POLLIN, 0}};
            for (int c : conns_) fds.push_back({c, POLLIN, 0});
            if (::poll(fds.data(), fds.size(), 20) <= 0) continue;
            if (fds[0].revents & POLLIN) {
                const int c = ::accept(fd_, nullptr, nullptr);
                if (c >= 0) {
                    conns_.push_back(c);
                    ++accepted_;
                }
            }
            for (std::size_t i = 1; i < fds.size(); ++i) {
                if (!(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
                const auto n = ::recv(fds[i].fd, buf, sizeof buf, 0);
                if (n <= 0) {  // the client gave up on us
                    ::close(fds[i].fd);
                    conns_.erase(std::find(conns_.begin(), conns_.end(), fds[i].fd));
                    ++closed_;
                }
            }
        }
    }
    int fd_ = -1;
    unsigned short port_ = 0;
    std::thread thread_;
    std::atomic<bool> stop_{false};
    std::vector<int> conns_;  // the loop's own
    std::atomic<int> accepted_{0}, closed_{0};
};

std::size_t entries(const char* dir) {
    std::size_t n = 0;
    if (DIR* d = ::opendir(dir)) {
        while (auto* e = ::readdir(d))
            if (e->d_name[0] != '.') ++n;
        ::closedir(d);
    }
    return n;
}
std::size_t threads() { return entries("/proc/self/task"); }
// Open descriptors other than the database's: the store's pool opens connections (db + WAL)
// as the load needs them, up to database.pool_size, and keeps them; that is not a leak.
std::size_t open_fds() {
    std::size_t n = 0;
    if (DIR* d = ::opendir("/proc/self/fd")) {
        while (auto* e = ::readdir(d)) {
            if (e->d_name[0] == '.') continue;
            char buf[512];
            const auto len = ::readlink((std::string("/proc/self/fd/") + e->d_name).c_str(), buf, sizeof buf - 1);
            if (len > 0 && std::string_view(buf, static_cast<std::size_t>(len)).find("/chainbot.db") != std::string_view::npos)
                continue;
            ++n;
        }
        ::closedir(d);
    }
    return n;
}

double health_latency(module_fixture& m, int* status) {
    const auto t = std::chrono::steady_clock::now();
    *status = m.call("GET", "/api/chainbot/health").status;
    return seconds_since(t);
}

}  // namespace

TEST_CASE("api_call steps against a peer that never answers time out on time and hold nothing afterwards",
          "[hardening][http]") {
    stalling_peer peer;
    module_fixture m(R"("workflow": {"max_concurrent_executions": 20})");
    m.start();
    const auto url = "http://127.0.0.1:" + std::to_string(peer.port()) + "/slow";
    const auto wf = m.workflow(R"({"name": "stalled", "steps": [{"id": "call", "type": "api_call", "url": ")" + url +
                               R"(", "timeout_seconds": 1, "retry": {"max_attempts": 1}}]})");
    // One wave of `n` executions at once, every call hanging until its 1 s timeout.
    const int n = 20;
    int timeouts = 0;
    double latency = 0;
    const auto wave = [&] {
        const auto t0 = std::chrono::steady_clock::now();
        std::vector<std::string> ids;
        for (int i = 0; i < n; ++i) ids.push_back(m.orch().execute(wf, {}).id);
        // The module answers while every call hangs.
        int status = 0;
        latency = health_latency(m, &status);
        CHECK(status == 200);
        CHECK(latency < 1.0);
        timeouts = 0;
        for (const auto& id : ids) {
            const auto out = m.orch().wait(id, std::chrono::seconds(15));
            REQUIRE(out);
            CHECK(out->status == "failed");
            INFO(out->error);
            CHECK(out->error.find("timed out") != std::string::npos);
            if (out->error.find("timed out") != std::string::npos) ++timeouts;
        }
        return seconds_since(t0);
    };
    // The first wave warms up: the store's connection pool, the HTTP client and the threads reach
    // the size this load needs before the baseline is taken.
    wave();
    CHECK(eventually([&] { return peer.closed_by_client() == peer.accepted(); }));
    const auto threads_before = threads();
    const auto fds_before = open_fds();
    const auto took = wave();
    CHECK(took < 8.0);
    // Every connection the client opened, it closed; no thread or descriptor stays behind.
    CHECK(eventually([&] { return peer.closed_by_client() == peer.accepted(); }));
    std::size_t threads_after = 0, fds_after = 0;
    CHECK(eventually([&] { return (threads_after = threads()) <= threads_before; }));
    CHECK(eventually([&] { return (fds_after = open_fds()) <= fds_before; }));
    CHECK(m.call("GET", "/api/chainbot/health").status == 200);
    report("stalled-peer api_call: 2 waves of %d executions against a server that never answers, %d of the second "
           "failed with a 1 s timeout, all within %.1f s; health answered in %.3f s meanwhile; %d connections accepted, %d "
           "closed by the client; threads %zu -> %zu, descriptors (besides the database pool's) %zu -> %zu across the second wave",
           n, timeouts, took, latency, peer.accepted(), peer.closed_by_client(), threads_before, threads_after, fds_before,
           fds_after);
}

TEST_CASE("an api agent and the assistant against a peer that never answers fail their step with a timeout",
          "[hardening][http][agents]") {
    stalling_peer peer;
    const auto base = "http://127.0.0.1:" + std::to_string(peer.port());
    module_fixture m(R"("agents": {"assistant": {"endpoint": ")" + base + R"(/v1", "model": "m", "timeout_seconds": 1}})");
    m.start();
    auto spawned = m.as_admin("POST", "/api/chainbot/agents",
                              R"({"type": "api", "name": "stalled-api", "config": {"base_url": ")" + base +
                                  R"(", "timeout_seconds": 1, "max_retries": 0}})");
    INFO(spawned.body);
    REQUIRE(spawned.status == 201);
    const std::string agent(spawned.json().at("id").as_string());
    const auto api_wf = m.workflow(R"({"name": "api", "steps": [{"id": "get", "type": "agent_task", "agent_type": "api",)"
                                   R"( "task": "get", "input": {"path": "/orders"}, "retry": {"max_attempts": 1}}]})");
    const auto chat_wf = m.workflow(R"({"name": "chat", "steps": [{"id": "ask", "type": "agent_task", "agent_type": "assistant",)"
                                    R"( "task": "chat", "input": {"message": "hello"}, "retry": {"max_attempts": 1}}]})");
    auto t0 = std::chrono::steady_clock::now();
    const auto api_out = m.run(api_wf, std::chrono::seconds(15));
    const auto api_took = seconds_since(t0);
    REQUIRE(api_out);
    CHECK(api_out->status == "failed");
    INFO(api_out->error);
    CHECK(api_out->error.find("timed out") != std::string::npos);
    CHECK(api_took < 5.0);
    t0 = std::chrono::steady_clock::now();
    const auto chat_out = m.run(chat_wf, std::chrono::seconds(15));
    const auto chat_took = seconds_since(t0);
    REQUIRE(chat_out);
    CHECK(chat_out->status == "failed");
    INFO(chat_out->error);
    CHECK((chat_out->error.find("timed out") != std::string::npos || chat_out->error.find("timeout") != std::string::npos));
    CHECK(chat_took < 5.0);
    CHECK(eventually([&] {
        const auto r = m.as_admin("GET", "/api/chainbot/agents/" + agent);
        return r.status == 200 && r.json().at("state") == "idle";
    }));
    CHECK(m.spawner().counts().working == 0);
    CHECK(eventually([&] { return peer.closed_by_client() == peer.accepted(); }));
    report("stalled-peer agents: api agent step failed after %.1f s (\"%s\"), assistant chat step failed after %.1f s "
           "(\"%s\"), agents idle again",
           api_took, api_out->error.c_str(), chat_took, chat_out->error.c_str());
}

TEST_CASE("clients that open connections and never finish their request do not hold the module", "[hardening][http]") {
    module_fixture m;
    m.start();
    const int n = 40;
    std::vector<int> stalled;
    for (int i = 0; i < n; ++i) {
        const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_port = htons(m.port());
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
        const std::string partial = "GET /api/chainbot/health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ";  // never ends
        REQUIRE(::send(fd, partial.data(), partial.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(partial.size()));
        stalled.push_back(fd);
    }
    // Everyone else is served meanwhile.
    int status = 0;
    const auto latency = health_latency(m, &status);
    CHECK(status == 200);
    CHECK(latency < 1.0);
    const auto listing = m.as_admin("GET", "/api/chainbot/workflows");
    CHECK(listing.status == 200);
    // The server's read timeout (15 s) closes every stalled connection.
    const auto t0 = std::chrono::steady_clock::now();
    int closed = 0;
    for (int fd : stalled) {
        timeval tv{30, 0};
        ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        char buf[1024];
        ssize_t r;
        while ((r = ::recv(fd, buf, sizeof buf, 0)) > 0) {
        }
        if (r == 0 || (r < 0 && errno == ECONNRESET)) ++closed;
        ::close(fd);
    }
    const auto took = seconds_since(t0);
    CHECK(closed == n);
    CHECK(took < 25.0);
    CHECK(eventually([&] { return m.call("GET", "/api/chainbot/health").status == 200; }));
    report("stalled-clients: %d connections with an unfinished request; health answered in %.3f s meanwhile; the server "
           "closed %d of them within %.1f s (read timeout 15 s)",
           n, latency, closed, took);
}
