// The soak (issue 12): load on a running ChainBot host over loopback for a bounded time, with
// the host's memory, descriptors and queues sampled; it fails when they grow. scripts/soak.sh
// starts the host (alex_os on SQLite) and runs it:
//   chainbot_soak --port P --pid PID --token TOKEN [--seconds 120] [--clients 4] [--subscribers 8]
//                 [--sample-seconds 5] [--warmup-seconds N] [--max-drift-mb 5] [--max-drift-percent 10]
// - `clients` REST clients (one keep-alive connection each, reconnecting on error) execute a
//   small workflow back to back (?wait=true; one in eight ephemeral), read its execution back
//   and now and then list workflows and executions;
// - `subscribers` WebSocket clients subscribe to chainbot.workflow.* and read every event; each
//   reconnects every 20 to 40 s, so that connections come and go as in real use;
// - every `sample-seconds` it reads the host's VmRSS and open descriptors (/proc/PID) and the
//   queue depths of GET /api/chainbot/metrics (resources.queues) and prints a row.
// The first `warmup-seconds` of the load are a warm-up (the database's page caches, the pools,
// the connections reach their working size); then every client pauses until the host is idle
// (the idle baseline), the load resumes until `seconds`, stops, and the host goes idle again.
// It passes when
// - RSS under load drifts between the first and the last sample after the warm-up by at most
//   max(max-drift-mb, max-drift-percent of the first), and idle RSS at the end exceeds the idle
//   baseline by no more than the same allowance, plus 1 MB for each database connection the
//   pool opened after the warm-up (a SQLite connection's page cache holds up to
//   database.sqlite_cache_kib, 512 KiB by default; the pool opens one when more requests than
//   it holds want the database at once);
// - descriptors idle at the end, not counting the database pool's (2 per SQLite connection: the
//   database and its WAL; 1 per PostgreSQL connection), are no more than at the idle baseline
//   (+2): none leaked;
// - no queue grows: the median depth in the last quarter stays within the deepest seen before
//   (plus the number of clients), and every queue is empty once the load stops;
// - REST and WebSocket errors stay below 1%.
// The last lines are "SOAK PASS ..." or "SOAK FAIL ..." with the figures; exit code 0 or 1.
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/json.hpp>

#include <dirent.h>
#include <sys/socket.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <mutex>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
namespace net = boost::asio;
namespace json = boost::json;
using tcp = net::ip::tcp;
using steady = std::chrono::steady_clock;

namespace {

struct options {
    unsigned short port = 0;
    int pid = 0;
    std::string token;
    int seconds = 120;
    int clients = 4;
    int subscribers = 8;
    int sample_seconds = 5;
    int warmup_seconds = -1;  // default: a quarter of the run, at least 10 s, at most 60 s
    double max_drift_mb = 5.0;
    double max_drift_percent = 10.0;
};

std::atomic<bool> stopping{false};
std::atomic<bool> paused{false};  // between the warm-up and the measured load: every client idle
std::atomic<std::uint64_t> executions_ok{0}, executions_failed{0}, requests_ok{0}, rest_errors{0};
std::atomic<std::uint64_t> ws_events{0}, ws_dropped{0}, ws_errors{0}, ws_connects{0};

// One keep-alive HTTP/1.1 connection; reconnects after an error.
class rest_connection {
public:
    rest_connection(unsigned short port, std::string token) : port_(port), token_(std::move(token)) {}

    /// @brief The status and body; nullopt on a transport error (the connection is then dropped).
    std::optional<std::pair<int, std::string>> call(http::verb method, const std::string& target, const std::string& body = "") {
        try {
            if (!stream_) connect();
            http::request<http::string_body> req{method, target, 11};
            req.set(http::field::host, "127.0.0.1");
            req.set(http::field::authorization, "Bearer " + token_);
            req.keep_alive(true);
            if (!body.empty() || method == http::verb::post) {
                req.set(http::field::content_type, "application/json");
                req.body() = body;
                req.prepare_payload();
            }
            stream_->expires_after(std::chrono::seconds(30));
            http::write(*stream_, req);
            http::response<http::string_body> res;
            http::read(*stream_, buffer_, res);
            if (!res.keep_alive()) stream_.reset();
            return std::make_pair(static_cast<int>(res.result_int()), std::move(res.body()));
        } catch (const std::exception&) {
            stream_.reset();
            buffer_.clear();
            return std::nullopt;
        }
    }

    void close() {
        stream_.reset();
        buffer_.clear();
    }

private:
    void connect() {
        stream_.emplace(io_);
        stream_->connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port_));
        buffer_.clear();
    }
    unsigned short port_;
    std::string token_;
    net::io_context io_;
    std::optional<beast::tcp_stream> stream_;
    beast::flat_buffer buffer_;
};

void rest_client(const options& o, const std::string& workflow, int index) {
    rest_connection c(o.port, o.token);
    for (std::uint64_t n = 0; !stopping; ++n) {
        if (paused) {
            c.close();
            while (paused && !stopping) std::this_thread::sleep_for(std::chrono::milliseconds(20));
            continue;
        }
        const bool ephemeral = n % 8 == 7;
        const auto input = json::serialize(json::object{{"a", static_cast<std::int64_t>(n)}, {"b", index}});
        auto r = c.call(http::verb::post,
                        "/api/chainbot/workflows/" + workflow + "/execute?wait=true" + (ephemeral ? "&ephemeral=true" : ""), input);
        if (!r || r->first != 200) {
            ++rest_errors;
            if (r && r->first == 429) std::this_thread::sleep_for(std::chrono::milliseconds(200));
            continue;
        }
        ++requests_ok;
        std::string execution;
        try {
            const auto v = json::parse(r->second);
            execution = std::string(v.at("execution_id").as_string());
            if (v.at("status") == "completed") ++executions_ok;
            else ++executions_failed;
        } catch (const std::exception&) {
            ++rest_errors;
            continue;
        }
        if (!ephemeral) {
            auto e = c.call(http::verb::get, "/api/chainbot/executions/" + execution);
            if (e && e->first == 200) ++requests_ok;
            else ++rest_errors;
        }
        if (n % 25 == 0) {
            for (const char* path : {"/api/chainbot/workflows?limit=20", "/api/chainbot/executions?limit=20"}) {
                auto l = c.call(http::verb::get, path);
                if (l && l->first == 200) ++requests_ok;
                else ++rest_errors;
            }
        }
    }
}

// Subscribes to the workflow events and reads them until told to reconnect or stop.
void ws_subscriber(const options& o, int index) {
    std::mt19937 rng(static_cast<unsigned>(index * 104729 + 3));
    while (!stopping) {
        if (paused) {
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
            continue;
        }
        net::io_context io;
        websocket::stream<tcp::socket> ws(io);
        std::atomic<bool> done{false}, shut{false};
        std::thread closer;
        try {
            ws.next_layer().connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), o.port));
            ws.set_option(websocket::stream_base::decorator([&o](websocket::request_type& req) {
                req.set(http::field::authorization, "Bearer " + o.token);
            }));
            ws.handshake("127.0.0.1", "/api/chainbot/ws");
            ws.write(net::buffer(std::string(R"({"action": "subscribe", "topics": ["chainbot.workflow.*"]})")));
            ++ws_connects;
            // Reconnect after 20 to 40 s (or at the end): shutting the socket down ends the read.
            const auto lifetime = std::chrono::seconds(std::uniform_int_distribution<int>(20, 40)(rng));
            const auto native = ws.next_layer().native_handle();
            closer = std::thread([&done, &shut, lifetime, native] {
                const auto until = steady::now() + lifetime;
                while (!stopping && !paused && !done && steady::now() < until)
                    std::this_thread::sleep_for(std::chrono::milliseconds(50));
                shut = true;
                ::shutdown(native, SHUT_RDWR);
            });
            beast::flat_buffer buffer;
            for (;;) {
                ws.read(buffer);
                const std::string_view frame(static_cast<const char*>(buffer.cdata().data()), buffer.size());
                if (frame.find("\"type\":\"event\"") != std::string_view::npos) ++ws_events;
                else if (frame.find("\"type\":\"dropped\"") != std::string_view::npos) ++ws_dropped;
                buffer.consume(buffer.size());
            }
        } catch (const std::exception&) {
            // the shutdown above, or a real error (counted unless it was the planned end)
        }
        done = true;
        if (closer.joinable()) closer.join();
        const bool planned = shut.load();
        if (!planned) {
            ++ws_errors;
            std::this_thread::sleep_for(std::chrono::milliseconds(200));
        }
    }
}

std::optional<double> rss_mb(int pid) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/status");
    for (std::string line; std::getline(in, line);)
        if (line.rfind("VmRSS:", 0) == 0) return std::stod(line.substr(6)) / 1024.0;
    return std::nullopt;
}

int fd_count(int pid) {
    int n = 0;
    if (DIR* d = ::opendir(("/proc/" + std::to_string(pid) + "/fd").c_str())) {
        while (auto* e = ::readdir(d))
            if (e->d_name[0] != '.') ++n;
        ::closedir(d);
    }
    return n;
}

struct sample {
    double t = 0;
    double rss = 0;
    int fds = 0;
    std::uint64_t executions = 0, events = 0;
    std::int64_t queued = -1, running = -1, ws_send = -1, ws_deepest = -1, blocking = -1, mailboxes = -1, ws_clients = -1;
    std::int64_t db_connections = -1;  // open in the database pool (GET /metrics: database.connections.open); -1 unknown
    int fds_per_connection = 2;        // SQLite: the database file and its WAL; PostgreSQL: one socket
    /// @brief The descriptors that are not the database pool's (all of them when the pool is unknown).
    int other_fds() const { return db_connections < 0 ? fds : fds - fds_per_connection * static_cast<int>(db_connections); }
    bool under_load = true;
};

std::int64_t depth(const json::object& queues, const char* name, const char* field = "depth") {
    const auto* q = queues.if_contains(name);
    if (!q || !q->is_object()) return -1;
    const auto* d = q->as_object().if_contains(field);
    return d && d->is_number() ? d->to_number<std::int64_t>() : -1;
}

sample take_sample(const options& o, rest_connection& c, steady::time_point start, bool under_load) {
    sample s;
    s.t = std::chrono::duration<double>(steady::now() - start).count();
    s.rss = rss_mb(o.pid).value_or(-1);
    s.fds = fd_count(o.pid);
    s.executions = executions_ok + executions_failed;
    s.events = ws_events;
    s.under_load = under_load;
    if (auto m = c.call(http::verb::get, "/api/chainbot/metrics"); m && m->first == 200) {
        try {
            const auto v = json::parse(m->second);
            const auto& q = v.at("resources").at("queues").as_object();
            s.queued = depth(q, "executions");
            s.running = depth(q, "executions_running");
            s.ws_send = depth(q, "websocket_send");
            s.ws_deepest = depth(q, "websocket_send", "deepest");
            s.blocking = depth(q, "blocking_jobs");
            s.mailboxes = depth(q, "agent_mailboxes");
            if (const auto* ws = v.at("websocket").as_object().if_contains("clients"); ws && ws->is_number())
                s.ws_clients = ws->to_number<std::int64_t>();
            if (const auto* db = v.as_object().if_contains("database"); db && db->is_object()) {
                s.db_connections = db->at("connections").at("open").to_number<std::int64_t>();
                s.fds_per_connection = db->at("backend") == "sqlite" ? 2 : 1;
            }
        } catch (const std::exception&) {
        }
    }
    return s;
}

void print_header() {
    std::printf("%7s %8s %5s %4s %8s %9s %9s %6s %7s %7s %8s %8s %7s\n", "t(s)", "rss(MB)", "fds", "db", "execs",
                "execs/s", "events/s", "queued", "running", "ws_send", "ws_deep", "blocking", "clients");
}

void print_row(const sample& s, const sample* prev) {
    const double dt = prev ? s.t - prev->t : s.t;
    const double eps = prev && dt > 0 ? static_cast<double>(s.executions - prev->executions) / dt : 0;
    const double evs = prev && dt > 0 ? static_cast<double>(s.events - prev->events) / dt : 0;
    std::printf("%7.1f %8.1f %5d %4lld %8llu %9.1f %9.1f %6lld %7lld %7lld %8lld %8lld %7lld%s\n", s.t, s.rss, s.fds,
                static_cast<long long>(s.db_connections), static_cast<unsigned long long>(s.executions), eps, evs, static_cast<long long>(s.queued),
                static_cast<long long>(s.running), static_cast<long long>(s.ws_send), static_cast<long long>(s.ws_deepest),
                static_cast<long long>(s.blocking), static_cast<long long>(s.ws_clients), s.under_load ? "" : "  (idle)");
    std::fflush(stdout);
}

bool parse(int argc, char** argv, options& o) {
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string k = argv[i], v = argv[i + 1];
        if (k == "--port") o.port = static_cast<unsigned short>(std::stoi(v));
        else if (k == "--pid") o.pid = std::stoi(v);
        else if (k == "--token") o.token = v;
        else if (k == "--seconds") o.seconds = std::stoi(v);
        else if (k == "--clients") o.clients = std::stoi(v);
        else if (k == "--subscribers") o.subscribers = std::stoi(v);
        else if (k == "--sample-seconds") o.sample_seconds = std::stoi(v);
        else if (k == "--warmup-seconds") o.warmup_seconds = std::stoi(v);
        else if (k == "--max-drift-mb") o.max_drift_mb = std::stod(v);
        else if (k == "--max-drift-percent") o.max_drift_percent = std::stod(v);
        else return false;
    }
    if (o.warmup_seconds < 0) o.warmup_seconds = std::clamp(o.seconds / 4, 10, 60);
    return o.port != 0 && o.pid > 0 && !o.token.empty() && o.seconds > o.warmup_seconds && o.sample_seconds > 0;
}

}  // namespace

int main(int argc, char** argv) {
    options o;
    if (!parse(argc, argv, o)) {
        std::fprintf(stderr,
                     "usage: chainbot_soak --port P --pid PID --token TOKEN [--seconds 120] [--clients 4] [--subscribers 8]\n"
                     "       [--sample-seconds 5] [--warmup-seconds N] [--max-drift-mb 5] [--max-drift-percent 10]\n"
                     "(--seconds must exceed the warm-up)\n");
        return 2;
    }
    rest_connection control(o.port, o.token);
    // The workflow: three steps, an expression, a template and a short wait, as a small real flow.
    const std::string definition = R"({"name": "soak", "description": "issue 12 soak", "steps": [
        {"id": "sum", "type": "transform", "transform_type": "expression", "expression": "input.a + input.b"},
        {"id": "label", "type": "transform", "template": "run ${input.a} of client ${input.b}: ${sum}"},
        {"id": "pause", "type": "wait", "duration_ms": 5}]})";
    auto created = control.call(http::verb::post, "/api/chainbot/workflows", definition);
    if (!created || created->first != 201) {
        std::fprintf(stderr, "SOAK FAIL: cannot create the workflow: %s\n", created ? created->second.c_str() : "no answer");
        return 1;
    }
    const std::string workflow(json::parse(created->second).at("id").as_string());

    const auto start = steady::now();
    std::vector<sample> samples;
    samples.push_back(take_sample(o, control, start, false));  // before the load
    std::printf("SOAK host pid %d, port %u, %d s of load (the first %d s a warm-up, then a pause), %d REST clients, %d "
                "WebSocket subscribers, a sample every %d s\n",
                o.pid, o.port, o.seconds, o.warmup_seconds, o.clients, o.subscribers, o.sample_seconds);
    print_header();
    print_row(samples.front(), nullptr);
    // Idle: what is in flight finishes, the clients' connections close.
    // Descriptors of two samples, beside the database pool's when both know the pool.
    const auto comparable_fds = [](const sample& a, const sample& b) {
        if (a.db_connections < 0 || b.db_connections < 0) return std::pair{a.fds, b.fds};
        return std::pair{a.other_fds(), b.other_fds()};
    };
    const auto wait_idle = [&](const sample* baseline) {
        sample s;
        int previous_fds = -1;
        for (int i = 0; i < 60; ++i) {  // at most 15 s
            std::this_thread::sleep_for(std::chrono::milliseconds(250));
            s = take_sample(o, control, start, false);
            const bool settled =
                s.other_fds() == previous_fds && (!baseline || comparable_fds(s, *baseline).first <= comparable_fds(s, *baseline).second);
            previous_fds = s.other_fds();
            if (s.queued == 0 && s.running == 0 && s.ws_send <= 0 && s.ws_clients == 0 && settled) break;
        }
        return s;
    };
    const auto load_for = [&](int seconds) {
        const auto from = steady::now();
        for (int k = 1; k * o.sample_seconds <= seconds; ++k) {
            std::this_thread::sleep_until(from + std::chrono::seconds(k * o.sample_seconds));
            samples.push_back(take_sample(o, control, start, true));
            print_row(samples.back(), &samples[samples.size() - 2]);
        }
    };

    std::vector<std::thread> threads;
    for (int i = 0; i < o.subscribers; ++i) threads.emplace_back(ws_subscriber, std::cref(o), i);
    for (int i = 0; i < o.clients; ++i) threads.emplace_back(rest_client, std::cref(o), std::cref(workflow), i);
    // Warm-up: caches, pools and connections reach their working size.
    load_for(o.warmup_seconds);
    paused = true;
    const sample after_warmup = wait_idle(nullptr);  // the idle baseline
    print_row(after_warmup, &samples.back());
    samples.push_back(after_warmup);
    paused = false;
    const auto measured_from = samples.size();
    load_for(o.seconds - o.warmup_seconds);
    stopping = true;
    for (auto& t : threads) t.join();
    const sample idle = wait_idle(&after_warmup);
    print_row(idle, &samples.back());

    // The verdict.
    std::vector<std::string> failures;
    const sample* first = measured_from < samples.size() ? &samples[measured_from] : nullptr;
    const sample& last = samples.back();
    double drift = 0, drift_pct = 0, slope = 0;
    const double idle_drift = idle.rss - after_warmup.rss;
    // A connection the pool opened after the warm-up brings its own page cache (the host's
    // default database.sqlite_cache_kib, 512 KiB), schema and kept statements: bounded, not a leak.
    constexpr double per_connection_mb = 1.0;
    const std::int64_t opened_connections =
        idle.db_connections < 0 || after_warmup.db_connections < 0
            ? 0
            : std::max<std::int64_t>(0, idle.db_connections - after_warmup.db_connections);
    if (!first || first == &last) {
        failures.push_back("too few samples after the warm-up (raise --seconds)");
    } else {
        drift = last.rss - first->rss;
        drift_pct = 100.0 * drift / first->rss;
        const double allowed = std::max(o.max_drift_mb, o.max_drift_percent / 100.0 * first->rss);
        if (drift > allowed) {
            char b[200];
            std::snprintf(b, sizeof b, "RSS under load grew %.1f MB (%.1f%%) after the warm-up, more than %.1f MB", drift,
                          drift_pct, allowed);
            failures.push_back(b);
        }
        const double idle_allowed = std::max(o.max_drift_mb, o.max_drift_percent / 100.0 * after_warmup.rss) +
                                    per_connection_mb * static_cast<double>(opened_connections);
        if (idle_drift > idle_allowed) {
            char b[240];
            std::snprintf(b, sizeof b,
                          "idle RSS grew %.1f MB between the warm-up and the end, more than %.1f MB (%lld database "
                          "connection(s) opened since)",
                          idle_drift, idle_allowed, static_cast<long long>(opened_connections));
            failures.push_back(b);
        }
        // Least squares over the measured samples, for the report.
        double n = 0, st = 0, sr = 0, stt = 0, str = 0;
        for (auto i = measured_from; i < samples.size(); ++i) {
            const auto& s = samples[i];
            n += 1;
            st += s.t;
            sr += s.rss;
            stt += s.t * s.t;
            str += s.t * s.rss;
        }
        if (n >= 2 && n * stt - st * st > 0) slope = (n * str - st * sr) / (n * stt - st * st) * 60.0;  // MB per minute
    }
    if (const auto [at_end, at_warmup] = comparable_fds(idle, after_warmup); at_end > at_warmup + 2) {
        char b[240];
        std::snprintf(b, sizeof b,
                      "descriptors: %d idle after the warm-up, %d idle after the load (leaked), not counting the "
                      "database pool's (%lld and %lld connections)",
                      at_warmup, at_end, static_cast<long long>(after_warmup.db_connections),
                      static_cast<long long>(idle.db_connections));
        failures.push_back(b);
    }
    // The sampler's own request may be on the blocking pool: up to 2 pending jobs count as idle.
    if (idle.queued != 0 || idle.running != 0 || idle.ws_send > 0 || idle.mailboxes > 0 || idle.blocking > 2 || idle.ws_clients > 0)
        failures.push_back("queues or clients not empty once the load stopped");
    // Queues bounded under load: the last quarter's median depth stays within the deepest the rest of the run saw,
    // plus the clients. Each sample is one instant, so one sample can catch every subscriber a frame or two behind
    // at once (a CI run saw websocket_send 15 in one late sample, 0 to 2 in all others, no drop notice); a queue
    // that grows is deep in most of the late samples, and that is what the median sees.
    std::int64_t early_max = 0, late_max = 0;
    std::vector<std::int64_t> late;
    const double late_from = after_warmup.t + (last.t - after_warmup.t) * 0.75;
    for (auto i = measured_from; i < samples.size(); ++i) {
        const auto& s = samples[i];
        const auto d = std::max({s.queued, s.ws_send, s.blocking, s.mailboxes});
        if (s.t < late_from) early_max = std::max(early_max, d);
        else {
            late_max = std::max(late_max, d);
            late.push_back(d);
        }
    }
    std::int64_t late_median = 0;
    if (!late.empty()) {
        std::sort(late.begin(), late.end());
        late_median = late[late.size() / 2];
    }
    if (late_median > early_max + o.clients + o.subscribers) {
        char b[200];
        std::snprintf(b, sizeof b, "queues grew: median depth %lld in the last quarter (deepest %lld) against %lld at most earlier",
                      static_cast<long long>(late_median), static_cast<long long>(late_max), static_cast<long long>(early_max));
        failures.push_back(b);
    }
    const auto total_requests = requests_ok + rest_errors;
    if (total_requests == 0 || rest_errors * 100 > total_requests) failures.push_back("REST errors above 1% (or no request)");
    if (executions_ok == 0) failures.push_back("no execution completed");
    if (o.subscribers > 0 && ws_events == 0) failures.push_back("no WebSocket event received");
    if (ws_errors * 100 > std::max<std::uint64_t>(ws_connects, 1)) failures.push_back("WebSocket errors above 1% of connections");

    const double elapsed = std::chrono::duration<double>(steady::now() - start).count();
    std::printf("SOAK %s: %d s of load (warm-up %d s), %llu executions completed (%.1f/s), %llu failed, %llu REST "
                "requests ok, %llu REST errors, %llu WebSocket events (%llu drop notices), %llu WebSocket connections, "
                "%llu WebSocket errors; RSS %.1f MB before the load; under load %.1f MB after the warm-up and %.1f MB at "
                "the end (drift %+.1f MB, %+.1f%%, trend %+.2f MB/min); idle %.1f MB after the warm-up and %.1f MB at the "
                "end (%+.1f MB); fds %d before the load, %d idle after the warm-up, %d under load at the end, %d idle at "
                "the end; database connections %lld after the warm-up and %lld at the end; deepest queue %lld after the warm-up, %lld in the last quarter (median %lld); %.0f s in all\n",
                failures.empty() ? "PASS" : "FAIL", o.seconds, o.warmup_seconds,
                static_cast<unsigned long long>(executions_ok.load()),
                static_cast<double>(executions_ok) / std::max(1, o.seconds),
                static_cast<unsigned long long>(executions_failed.load()), static_cast<unsigned long long>(requests_ok.load()),
                static_cast<unsigned long long>(rest_errors.load()), static_cast<unsigned long long>(ws_events.load()),
                static_cast<unsigned long long>(ws_dropped.load()), static_cast<unsigned long long>(ws_connects.load()),
                static_cast<unsigned long long>(ws_errors.load()), samples.front().rss, first ? first->rss : -1, last.rss,
                drift, drift_pct, slope, after_warmup.rss, idle.rss, idle_drift, samples.front().fds, after_warmup.fds,
                last.fds, idle.fds, static_cast<long long>(after_warmup.db_connections),
                static_cast<long long>(idle.db_connections), static_cast<long long>(early_max), static_cast<long long>(late_max),
                static_cast<long long>(late_median), elapsed);
    for (const auto& f : failures) std::printf("SOAK FAIL: %s\n", f.c_str());
    return failures.empty() ? 0 : 1;
}
