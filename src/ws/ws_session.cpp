// One WebSocket client of the event feed. Everything runs on the strand of the
// connection (the HTTP session's); the hub's publishing threads only queue frames in the
// client base class and post a wake-up. Exactly one write is in flight at a time: replies
// to the client's messages first, then queued event frames, each preceded by a "dropped"
// notice when frames were lost before it. Frames written while more are known to follow
// are gathered (coalescing_stream) and go out with the next one in a single send: one
// system call per burst instead of one per frame and client.
#include "ws/ws_session.hpp"

#include "http/upgrade.hpp"
#include "runtime/runtime.hpp"
#include "ws/client.hpp"
#include "ws/hub.hpp"
#include "ws/protocol.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/bind_handler.hpp>
#include <boost/beast/core/buffers_cat.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/websocket/stream.hpp>

#include <deque>
#include <variant>

namespace chainbot::ws {

namespace beast = boost::beast;
namespace websocket = beast::websocket;
namespace net = boost::asio;

namespace {

constexpr std::size_t max_message_bytes = 64 * 1024;
constexpr std::size_t max_pending_replies = 16;  // beyond: stop reading until they are written
constexpr std::chrono::seconds handshake_timeout{10};
constexpr std::chrono::seconds close_deadline{3};  // a client that does not answer its close frame is cut off

constexpr std::size_t max_coalesced_bytes = 64 * 1024;

// The websocket stream's next layer: a tcp_stream whose writes, while corked, are copied
// into a buffer and completed at once; the first write made uncorked (or that would overflow
// the buffer) sends the buffer and its own bytes together. Writes reach it one at a time
// (the websocket stream serializes them, its pings and close frame included), and the
// session corks only when it knows another write follows, so nothing stays behind: a
// control frame Beast writes while corked goes out with that next write.
class coalescing_stream {
public:
    using executor_type = beast::tcp_stream::executor_type;

    explicit coalescing_stream(beast::tcp_stream&& s) : stream_(std::move(s)) {}

    executor_type get_executor() noexcept { return stream_.get_executor(); }
    beast::tcp_stream& next_layer() noexcept { return stream_; }
    const beast::tcp_stream& next_layer() const noexcept { return stream_; }
    void cork(bool on) noexcept { corked_ = on; }

    template <class MutableBufferSequence, class ReadHandler>
    auto async_read_some(const MutableBufferSequence& buffers, ReadHandler&& handler) {
        return stream_.async_read_some(buffers, std::forward<ReadHandler>(handler));
    }

    template <class ConstBufferSequence, class WriteHandler>
    void async_write_some(const ConstBufferSequence& buffers, WriteHandler&& handler) {
        const std::size_t n = net::buffer_size(buffers);
        if (corked_ && pending_.size() + n <= max_coalesced_bytes) {
            const auto at = pending_.size();
            pending_.resize(at + n);
            net::buffer_copy(net::buffer(pending_.data() + at, n), buffers);
            net::post(stream_.get_executor(),
                      beast::bind_front_handler(std::forward<WriteHandler>(handler), beast::error_code{}, n));
            return;
        }
        if (pending_.empty()) return stream_.async_write_some(buffers, std::forward<WriteHandler>(handler));
        auto sending = std::make_shared<std::string>(std::exchange(pending_, {}));
        net::async_write(stream_, beast::buffers_cat(net::const_buffer(sending->data(), sending->size()), buffers),
                         [sending, n, h = std::forward<WriteHandler>(handler)](beast::error_code ec, std::size_t) mutable {
                             std::move(h)(ec, ec ? std::size_t(0) : n);
                         });
    }

    // The websocket close handshake ends the TCP connection through the tcp_stream.
    template <class TeardownHandler>
    friend void async_teardown(beast::role_type role, coalescing_stream& s, TeardownHandler&& handler) {
        websocket::async_teardown(role, s.stream_.socket(), std::forward<TeardownHandler>(handler));
    }
    friend void teardown(beast::role_type role, coalescing_stream& s, beast::error_code& ec) {
        websocket::teardown(role, s.stream_.socket(), ec);
    }

private:
    beast::tcp_stream stream_;
    std::string pending_;
    bool corked_ = false;
};

class ws_session final : public client, public std::enable_shared_from_this<ws_session> {
public:
    ws_session(http::upgraded_connection&& c, std::shared_ptr<hub> feed, session_options options)
        : ws_(std::move(c.stream)),
          request_(std::move(c.request)),
          remote_address_(std::move(c.remote_address)),
          feed_(std::move(feed)),
          options_(std::move(options)),
          close_timer_(ws_.get_executor()) {}

    ~ws_session() override {
        if (registered_) feed_->remove(this);
    }

    void run() {
        beast::get_lowest_layer(ws_).expires_never();  // the websocket stream keeps its own time
        const auto ping = std::max(options_.ping_interval, std::chrono::seconds(1));
        ws_.set_option(websocket::stream_base::timeout{handshake_timeout, 2 * ping, true});
        ws_.set_option(websocket::stream_base::decorator(
            [](websocket::response_type& res) { res.set(beast::http::field::server, "chainbot"); }));
        ws_.read_message_max(max_message_bytes);
        ws_.async_accept(request_, beast::bind_front_handler(&ws_session::on_accept, shared_from_this()));
    }

    void close_going_away() override {
        net::post(ws_.get_executor(), beast::bind_front_handler(&ws_session::do_close, shared_from_this()));
    }

protected:
    void wake() override {
        net::post(ws_.get_executor(), beast::bind_front_handler(&ws_session::do_write_next, shared_from_this()));
    }

private:
    void on_accept(beast::error_code ec) {
        request_ = {};
        if (ec) return fail(ec, "handshake");
        open_ = true;
        // Subscribed before it is registered: once it counts as a client, it receives.
        const auto initial = options_.topics.empty() ? std::nullopt : subscribe(options_.topics);
        registered_ = feed_->add(shared_from_this());
        if (closing_ || !registered_) return do_close();  // the feed stopped during the handshake
        if (initial) reply(topics_frame("subscribed", *initial));
        do_read();
    }

    void do_read() {
        reading_ = true;
        ws_.async_read(read_buffer_, beast::bind_front_handler(&ws_session::on_read, shared_from_this()));
    }

    void on_read(beast::error_code ec, std::size_t) {
        reading_ = false;
        if (ec) {
            ended_ = true;  // closed by the client, timed out (no pong) or broken: nothing more to write
            return fail(ec, "read");
        }
        if (!ws_.got_text()) {
            reply(error_frame("invalid_message", "messages must be JSON text frames"));
        } else {
            handle(beast::buffers_to_string(read_buffer_.data()));
        }
        read_buffer_.consume(read_buffer_.size());
        if (replies_.size() < max_pending_replies && !closing_) do_read();
    }

    void handle(const std::string& text) {
        auto parsed = parse_client_message(text);
        if (auto* error = std::get_if<protocol_error>(&parsed)) return reply(error_frame(error->code, error->message));
        auto& message = std::get<client_message>(parsed);
        switch (message.action) {
            case action::ping: return reply(pong_frame());
            case action::subscribe:
                if (auto all = subscribe(message.topics)) return reply(topics_frame("subscribed", *all));
                return reply(error_frame("too_many_topics", "a client may hold at most " +
                                                                std::to_string(max_patterns) + " topic patterns"));
            case action::unsubscribe: return reply(topics_frame("unsubscribed", unsubscribe(message.topics)));
        }
    }

    void reply(std::string frame) {
        replies_.push_back(std::make_shared<const std::string>(std::move(frame)));
        do_write_next();
    }

    void do_write_next() {
        if (writing_ || closing_ || ended_ || !open_) return;
        std::shared_ptr<const std::string> frame;
        bool is_event = false;
        bool more = false;  // another write certainly follows this one
        if (!replies_.empty()) {
            frame = std::move(replies_.front());
            replies_.pop_front();
        } else if (held_) {
            frame = std::move(held_);
            is_event = true;
            more = held_more_;
        } else if (auto next = take()) {
            if (next->dropped_before > 0) {
                held_ = std::move(next->frame);  // written after the notice
                held_more_ = next->more;
                frame = std::make_shared<const std::string>(dropped_frame(next->dropped_before));
                more = true;
            } else {
                frame = std::move(next->frame);
                is_event = true;
                more = next->more;
            }
        } else {
            return;
        }
        // The queue only grows until the next take() on this strand, so a corked frame is
        // followed by another write unless the connection closes (the close frame then
        // carries it) or ends (nothing can be sent anyway).
        more = more || !replies_.empty() || held_;
        writing_ = frame;
        ws_.next_layer().cork(more);
        ws_.text(true);
        ws_.async_write(net::buffer(*writing_),
                        beast::bind_front_handler(&ws_session::on_write, shared_from_this(), is_event));
    }

    void on_write(bool is_event, beast::error_code ec, std::size_t) {
        writing_.reset();
        ws_.next_layer().cork(false);
        if (ec) {
            fail(ec, "write");
            // The read side may be waiting forever on a half-dead connection: end it too.
            beast::error_code ignored;
            beast::get_lowest_layer(ws_).socket().close(ignored);
            return;
        }
        if (is_event) feed_->count_sent();
        if (!reading_ && !closing_ && !ended_ && replies_.size() < max_pending_replies) do_read();
        do_write_next();
    }

    void do_close() {
        closing_ = true;
        if (!open_ || close_started_ || ended_) return;  // in the handshake, on_accept closes after it
        close_started_ = true;
        ws_.next_layer().cork(false);  // the close frame takes any gathered frames with it
        close_timer_.expires_after(close_deadline);
        close_timer_.async_wait([self = shared_from_this()](beast::error_code ec) {
            if (ec) return;
            beast::error_code ignored;
            beast::get_lowest_layer(self->ws_).socket().close(ignored);
        });
        ws_.async_close(websocket::close_code::going_away,
                        beast::bind_front_handler(&ws_session::on_close, shared_from_this()));
    }

    void on_close(beast::error_code ec) {
        close_timer_.cancel();
        if (ec) fail(ec, "close");
    }

    void fail(beast::error_code ec, const char* what) {
        if (ec == net::error::operation_aborted || ec == websocket::error::closed || ec == net::error::eof) return;
        auto& log = feed_->rt().log();
        if (log.enabled(log_level::debug))
            log.debug("ws", "client {}: {}: {}", remote_address_.empty() ? "?" : remote_address_, what, ec.message());
    }

    websocket::stream<coalescing_stream> ws_;
    beast::http::request<beast::http::string_body> request_;  // until the handshake is answered
    std::string remote_address_;
    std::shared_ptr<hub> feed_;
    session_options options_;
    net::steady_timer close_timer_;
    beast::flat_buffer read_buffer_;
    std::deque<std::shared_ptr<const std::string>> replies_;
    std::shared_ptr<const std::string> writing_;  // the frame in flight
    std::shared_ptr<const std::string> held_;     // an event frame waiting behind its "dropped" notice
    bool held_more_ = false;                      // frames were queued behind held_
    bool open_ = false;
    bool registered_ = false;
    bool reading_ = false;
    bool closing_ = false;        // no more frames of ours but the close frame
    bool close_started_ = false;
    bool ended_ = false;          // the read side failed or saw the close: the connection is over
};

}  // namespace

void start_session(http::upgraded_connection&& connection, std::shared_ptr<hub> feed, session_options options) {
    std::make_shared<ws_session>(std::move(connection), std::move(feed), std::move(options))->run();
}

}  // namespace chainbot::ws
