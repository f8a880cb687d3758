// WebSocket fan-out: events delivered per second to N subscribed clients.
//   ws_fanout PORT TOKEN WORKFLOW_ID [CLIENTS=100] [SECONDS=5] [PUBLISHERS=4]
// Connects CLIENTS WebSocket clients to /api/chainbot/ws?topics=chainbot.custom.* (one
// io_context, one thread), then keeps PUBLISHERS HTTP connections executing WORKFLOW_ID (an
// emit_event-heavy workflow: bench/ws_workflow.json) back to back. After a warm-up second it
// counts the event frames every client receives for SECONDS and prints
//   "WS <deliveries/s> clients=N events=<frames> dropped=<reported drops> executions=<started>"
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
namespace net = boost::asio;
using tcp = net::ip::tcp;

namespace {

struct counters {
    std::uint64_t events = 0, dropped = 0, executions = 0, http_errors = 0, ws_errors = 0;
    int connected = 0;
    bool stopping = false;
};

struct ws_client : std::enable_shared_from_this<ws_client> {
    websocket::stream<tcp::socket> ws;
    beast::flat_buffer buffer;
    counters& c;
    ws_client(net::io_context& io, counters& cs) : ws(io), c(cs) {}

    void start(const tcp::endpoint& ep, const std::string& token) {
        ws.next_layer().connect(ep);
        ws.set_option(websocket::stream_base::decorator(
            [token](websocket::request_type& req) { req.set(http::field::authorization, "Bearer " + token); }));
        ws.handshake("127.0.0.1", "/api/chainbot/ws?topics=chainbot.custom.*");
        ++c.connected;
        read();
    }
    void read() {
        ws.async_read(buffer, [self = shared_from_this()](beast::error_code ec, std::size_t) {
            if (ec) {
                if (!self->c.stopping) ++self->c.ws_errors;
                return;
            }
            const auto data = static_cast<const char*>(self->buffer.cdata().data());
            const std::string_view frame(data, self->buffer.size());
            if (frame.find("\"type\":\"event\"") != std::string_view::npos) ++self->c.events;
            else if (auto p = frame.find("\"dropped\""); p != std::string_view::npos) {
                if (auto q = frame.find("\"count\":"); q != std::string_view::npos)
                    self->c.dropped += std::strtoull(std::string(frame.substr(q + 8, 20)).c_str(), nullptr, 10);
            }
            self->buffer.consume(self->buffer.size());
            self->read();
        });
    }
};

struct publisher : std::enable_shared_from_this<publisher> {
    beast::tcp_stream stream;
    beast::flat_buffer buffer;
    http::request<http::string_body> req;
    http::response<http::string_body> res;
    counters& c;
    publisher(net::io_context& io, counters& cs, const std::string& token, const std::string& wf) : stream(io), c(cs) {
        req.method(http::verb::post);
        req.target("/api/chainbot/workflows/" + wf + "/execute");
        req.set(http::field::host, "127.0.0.1");
        req.set(http::field::authorization, "Bearer " + token);
        req.set(http::field::content_type, "application/json");
        req.body() = "{}";
        req.prepare_payload();
        req.keep_alive(true);
    }
    void start(const tcp::endpoint& ep) {
        stream.socket().connect(ep);
        send();
    }
    void send() {
        if (c.stopping) return;
        http::async_write(stream, req, [self = shared_from_this()](beast::error_code ec, std::size_t) {
            if (ec) return void(++self->c.http_errors);
            self->res = {};
            http::async_read(self->stream, self->buffer, self->res, [self](beast::error_code ec, std::size_t) {
                if (ec) return void(++self->c.http_errors);
                if (self->res.result_int() / 100 == 2) ++self->c.executions;
                else if (++self->c.http_errors == 1)
                    std::cerr << "execute: " << self->res.result_int() << " " << self->res.body() << "\n";
                self->send();
            });
        });
    }
};

}  // namespace

int main(int argc, char** argv) {
    if (argc < 4) {
        std::cerr << "usage: ws_fanout PORT TOKEN WORKFLOW_ID [CLIENTS=100] [SECONDS=5] [PUBLISHERS=4]\n";
        return 2;
    }
    const auto port = static_cast<unsigned short>(std::atoi(argv[1]));
    const std::string token = argv[2], wf = argv[3];
    const int clients = argc > 4 ? std::atoi(argv[4]) : 100;
    const double seconds = argc > 5 ? std::atof(argv[5]) : 5.0;
    const int publishers = argc > 6 ? std::atoi(argv[6]) : 4;

    net::io_context io;
    counters c;
    const tcp::endpoint ep(net::ip::make_address("127.0.0.1"), port);
    std::vector<std::shared_ptr<ws_client>> ws;
    for (int i = 0; i < clients; ++i) {
        ws.push_back(std::make_shared<ws_client>(io, c));
        ws.back()->start(ep, token);
    }
    std::vector<std::shared_ptr<publisher>> pubs;
    for (int i = 0; i < publishers; ++i) pubs.push_back(std::make_shared<publisher>(io, c, token, wf));

    using clk = std::chrono::steady_clock;
    net::steady_timer settle(io), warm(io), end(io);
    std::uint64_t events0 = 0, dropped0 = 0, exec0 = 0;
    clk::time_point t0, t1;
    settle.expires_after(std::chrono::milliseconds(300));  // the subscriptions are in place
    settle.async_wait([&](beast::error_code) {
        for (auto& p : pubs) p->start(ep);
        warm.expires_after(std::chrono::seconds(1));
        warm.async_wait([&](beast::error_code) {
            events0 = c.events, dropped0 = c.dropped, exec0 = c.executions;
            t0 = clk::now();
            end.expires_after(std::chrono::duration_cast<clk::duration>(std::chrono::duration<double>(seconds)));
            end.async_wait([&](beast::error_code) {
                t1 = clk::now();
                const double secs = std::chrono::duration<double>(t1 - t0).count();
                const auto events = c.events - events0;
                std::printf("WS %.0f clients=%d events=%llu dropped=%llu executions=%llu seconds=%.2f http_errors=%llu ws_errors=%llu\n",
                            events / secs, c.connected, (unsigned long long)events,
                            (unsigned long long)(c.dropped - dropped0), (unsigned long long)(c.executions - exec0), secs,
                            (unsigned long long)c.http_errors, (unsigned long long)c.ws_errors);
                std::fflush(stdout);
                c.stopping = true;
                io.stop();
            });
        });
    });
    io.run();
    return 0;
}
