#include "ws_client.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/websocket/stream.hpp>
#include <boost/json/parse.hpp>

#include <condition_variable>
#include <deque>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <thread>

namespace chainbot::test {

namespace beast = boost::beast;
namespace websocket = beast::websocket;
namespace net = boost::asio;
using tcp = net::ip::tcp;

struct ws_client::state : std::enable_shared_from_this<state> {
    net::io_context ioc;
    std::optional<net::executor_work_guard<net::io_context::executor_type>> work{ioc.get_executor()};
    websocket::stream<tcp::socket> ws{ioc};
    beast::flat_buffer buffer;
    std::deque<std::string> outbox;
    bool writing = false;
    bool reading = false;
    std::thread thread;

    mutable std::mutex mutex;
    std::condition_variable changed;
    std::vector<boost::json::object> frames;
    std::size_t cursor = 0;
    bool ended = false;
    int close_code = 0;
    int pings = 0;

    void do_read() {
        reading = true;
        ws.async_read(buffer, [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_read(ec); });
    }
    void on_read(beast::error_code ec) {
        std::lock_guard lock(mutex);
        if (ec) {
            ended = true;
            if (ec == websocket::error::closed) close_code = ws.reason().code;
            changed.notify_all();
            return;
        }
        auto text = beast::buffers_to_string(buffer.data());
        buffer.consume(buffer.size());
        boost::system::error_code parse_error;
        auto doc = boost::json::parse(text, parse_error);
        frames.push_back(!parse_error && doc.is_object() ? doc.as_object()
                                                         : boost::json::object{{"type", "not-json"}, {"text", text}});
        changed.notify_all();
        net::post(ioc, [self = shared_from_this()] { self->do_read(); });
    }
    void do_write() {
        if (writing || outbox.empty()) return;
        writing = true;
        ws.async_write(net::buffer(outbox.front()), [self = shared_from_this()](beast::error_code ec, std::size_t) {
            self->writing = false;
            self->outbox.pop_front();
            if (!ec) self->do_write();
        });
    }
};

ws_client::ws_client(unsigned short port, const std::string& target, ws_client_options options)
    : state_(std::make_shared<state>()) {
    auto& s = *state_;
    auto& socket = s.ws.next_layer();
    socket.open(tcp::v4());
    if (options.receive_buffer > 0) socket.set_option(net::socket_base::receive_buffer_size(options.receive_buffer));
    socket.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port));
    s.ws.set_option(websocket::stream_base::decorator([headers = options.headers](websocket::request_type& req) {
        for (const auto& [name, value] : headers) req.set(name, value);
    }));
    s.ws.control_callback([&s](websocket::frame_type kind, beast::string_view) {
        if (kind != websocket::frame_type::ping) return;
        std::lock_guard lock(s.mutex);
        ++s.pings;
    });
    websocket::response_type res;
    beast::error_code ec;
    s.ws.handshake(res, "127.0.0.1", target, ec);
    if (ec) {
        refused_status_ = static_cast<int>(res.result_int());
        if (refused_status_ == 0) throw std::runtime_error("websocket handshake failed: " + ec.message());
        refused_body_ = res.body();
        return;
    }
    if (options.reading) s.do_read();
    s.thread = std::thread([&s] { s.ioc.run(); });
}

ws_client::~ws_client() {
    auto& s = *state_;
    if (!s.thread.joinable()) return;
    // Closing the socket ends every pending operation; run() returns once their handlers ran.
    net::post(s.ioc, [&s] {
        beast::error_code ignored;
        s.ws.next_layer().close(ignored);
        s.work.reset();
    });
    s.thread.join();
}

void ws_client::send(std::string text) {
    net::post(state_->ioc, [s = state_, text = std::move(text)]() mutable {
        s->outbox.push_back(std::move(text));
        s->do_write();
    });
}

void ws_client::resume_reading() {
    net::post(state_->ioc, [s = state_] {
        if (!s->reading) s->do_read();
    });
}

std::optional<boost::json::object> ws_client::next(std::chrono::milliseconds timeout) {
    std::unique_lock lock(state_->mutex);
    if (!state_->changed.wait_for(lock, timeout, [&] { return state_->cursor < state_->frames.size(); }))
        return std::nullopt;
    return state_->frames[state_->cursor++];
}

std::optional<boost::json::object> ws_client::next_of(const std::string& type, std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) return std::nullopt;
        auto frame = next(left);
        if (!frame) return std::nullopt;
        if (const auto* t = frame->if_contains("type"); t && t->is_string() && t->as_string() == type) return frame;
    }
}

bool ws_client::wait_for(const std::function<bool(const std::vector<boost::json::object>&)>& done,
                         std::chrono::milliseconds timeout) {
    std::unique_lock lock(state_->mutex);
    return state_->changed.wait_for(lock, timeout, [&] { return done(state_->frames); });
}

std::vector<boost::json::object> ws_client::frames() const {
    std::lock_guard lock(state_->mutex);
    return state_->frames;
}

std::optional<int> ws_client::wait_closed(std::chrono::milliseconds timeout) {
    std::unique_lock lock(state_->mutex);
    if (!state_->changed.wait_for(lock, timeout, [&] { return state_->ended; })) return std::nullopt;
    return state_->close_code;
}

bool ws_client::closed() const {
    std::lock_guard lock(state_->mutex);
    return state_->ended;
}

int ws_client::pings() const {
    std::lock_guard lock(state_->mutex);
    return state_->pings;
}


}  // namespace chainbot::test
