#include "http/http_session.hpp"

#include "http/router.hpp"
#include "http/session_registry.hpp"
#include "http/upgrade.hpp"
#include "util/ascii.hpp"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/bind_handler.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>

#include <atomic>
#include <cctype>

namespace chainbot::http {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

namespace {

constexpr std::chrono::seconds linger_timeout{2};
constexpr std::string_view continue_100 = "HTTP/1.1 100 Continue\r\n\r\n";

bool is_http_error(const beast::error_code& ec) {
    return ec.category() == bhttp::make_error_code(bhttp::error::bad_method).category();
}

std::string peer_address(const tcp::socket& socket) {
    beast::error_code ec;
    auto endpoint = socket.remote_endpoint(ec);
    if (ec) return {};
    auto address = endpoint.address();
    if (address.is_v6() && address.to_v6().is_v4_mapped())
        return net::ip::make_address_v4(net::ip::v4_mapped, address.to_v6()).to_string();
    return address.to_string();
}

bool has_line_break(std::string_view text) { return text.find_first_of("\r\n") != std::string_view::npos; }

// What the log shows of a request: its target without the query, which may carry a
// secret (?access_token=... of a WebSocket client).
std::string loggable(const request& req) {
    const std::string_view target(req.target);
    return req.method + " " + std::string(target.substr(0, target.find('?')));
}

}  // namespace

// The state behind one request's responder: the first delivery wins; if every copy of
// the responder is dropped without a call, the client still gets a 500.
struct http_session::pending_response {
    std::shared_ptr<http_session> session;
    std::uint64_t request_id;
    std::atomic<bool> done{false};

    pending_response(std::shared_ptr<http_session> s, std::uint64_t id) : session(std::move(s)), request_id(id) {}
    pending_response(const pending_response&) = delete;
    pending_response& operator=(const pending_response&) = delete;

    void deliver(response res) {
        if (done.exchange(true)) return;
        auto target = std::move(session);
        auto executor = target->executor_;
        net::post(executor, [target = std::move(target), id = request_id, res = std::move(res)]() mutable {
            target->on_response(id, std::move(res));
        });
    }

    ~pending_response() {
        if (done) return;
        try {
            session->log(log_level::error, loggable(session->req_) +
                                               ": the handler dropped its responder without answering");
            deliver(response::error(500, "internal_error", "internal error"));
        } catch (...) {
            // Out of memory while posting: the connection closes without an answer.
        }
    }
};

http_session::http_session(tcp::socket&& socket, router& routes, std::shared_ptr<const server_options> options,
                           std::shared_ptr<session_registry> registry)
    : stream_(std::move(socket)),
      executor_(stream_.get_executor()),
      routes_(routes),
      options_(std::move(options)),
      registry_(std::move(registry)),
      remote_address_(peer_address(stream_.socket())) {
    beast::error_code ignored;
    stream_.socket().set_option(tcp::no_delay(true), ignored);
}

http_session::~http_session() { registry_->remove(this); }

void http_session::run() {
    net::dispatch(stream_.get_executor(), beast::bind_front_handler(&http_session::start, shared_from_this()));
}

void http_session::shutdown() {
    net::post(executor_, beast::bind_front_handler(&http_session::on_shutdown, shared_from_this()));
}

void http_session::start() {
    if (!registry_->add(shared_from_this())) {
        beast::error_code ignored;
        stream_.socket().close(ignored);
        return;
    }
    do_read_request();
}

// Waiting for a request is split from reading it: an idle keep-alive connection may wait
// idle_timeout for its next request, but once a request starts it must arrive whole
// within read_timeout (a client dribbling a header byte by byte is cut off).
void http_session::do_read_request() {
    if (buffer_.size() > 0) return do_read_header();  // pipelined request already here
    if (stopping_) return do_close();
    phase_ = phase::waiting;
    stream_.expires_after(first_request_ ? options_->read_timeout : options_->idle_timeout);
    stream_.async_read_some(buffer_.prepare(4096),
                            beast::bind_front_handler(&http_session::on_first_bytes, shared_from_this()));
}

void http_session::on_first_bytes(beast::error_code ec, std::size_t bytes) {
    if (ec) {
        // EOF or timeout here is a client going away between requests: nothing to report.
        if (ec != net::error::eof && ec != beast::error::timeout) fail(ec, "read");
        return do_close();
    }
    buffer_.commit(bytes);
    do_read_header();
}

void http_session::do_read_header() {
    phase_ = phase::reading;
    read_deadline_ = std::chrono::steady_clock::now() + options_->read_timeout;
    parser_.emplace();
    parser_->header_limit(static_cast<std::uint32_t>(options_->max_header_bytes));
    parser_->body_limit(options_->max_body_bytes);
    stream_.expires_at(read_deadline_);
    bhttp::async_read_header(stream_, buffer_, *parser_,
                             beast::bind_front_handler(&http_session::on_read_header, shared_from_this()));
}

void http_session::on_read_header(beast::error_code ec, std::size_t) {
    if (ec) return on_read_error(ec);
    if (parser_->is_done()) return handle_request();
    // Clients such as curl wait for this before sending a large body.
    if (beast::iequals(parser_->get()[bhttp::field::expect], "100-continue")) {
        stream_.expires_at(read_deadline_);
        net::async_write(stream_, net::buffer(continue_100.data(), continue_100.size()),
                         beast::bind_front_handler(&http_session::on_continue_sent, shared_from_this()));
        return;
    }
    do_read_body();
}

void http_session::on_continue_sent(beast::error_code ec, std::size_t) {
    if (ec) {
        fail(ec, "write 100-continue");
        return do_close();
    }
    do_read_body();
}

void http_session::do_read_body() {
    stream_.expires_at(read_deadline_);
    bhttp::async_read(stream_, buffer_, *parser_,
                      beast::bind_front_handler(&http_session::on_read_body, shared_from_this()));
}

void http_session::on_read_body(beast::error_code ec, std::size_t) {
    if (ec) return on_read_error(ec);
    handle_request();
}

void http_session::on_read_error(beast::error_code ec) {
    if (ec == bhttp::error::body_limit) {
        return do_write(response::error(413, "payload_too_large",
                                        "the request body exceeds " + std::to_string(options_->max_body_bytes) +
                                            " bytes"),
                        false);
    }
    if (ec == bhttp::error::header_limit) {
        return do_write(response::error(431, "headers_too_large",
                                        "the request header exceeds " +
                                            std::to_string(options_->max_header_bytes) + " bytes"),
                        false);
    }
    if (is_http_error(ec) && ec != bhttp::error::end_of_stream && ec != bhttp::error::partial_message) {
        fail(ec, "parse");
        return do_write(response::error(400, "bad_request", "malformed HTTP request: " + ec.message()), false);
    }
    fail(ec, "read");
    do_close();
}

void http_session::handle_request() {
    message_.emplace(parser_->release());
    auto& message = *message_;
    parser_.reset();
    req_ = request{};
    req_.method = std::string(message.method_string());
    req_.target = std::string(message.target());
    for (const auto& field : message) {
        auto [it, inserted] = req_.headers.try_emplace(util::ascii_lower(field.name_string()), field.value());
        if (!inserted) (it->second += ", ").append(field.value());
    }
    req_.body = std::move(message.body());
    req_.remote_address = remote_address_;
    keep_alive_ = message.keep_alive();
    phase_ = phase::handling;
    stream_.expires_never();  // a slow handler is not the client's fault

    auto pending = std::make_shared<pending_response>(shared_from_this(), ++request_id_);
    try {
        routes_.dispatch(req_, [pending](response res) { pending->deliver(std::move(res)); });
    } catch (const std::exception& e) {
        log(log_level::error, loggable(req_) + ": dispatch failed: " + e.what());
        pending->deliver(response::error(500, "internal_error", "internal error"));
    } catch (...) {
        log(log_level::error, loggable(req_) + ": dispatch failed");
        pending->deliver(response::error(500, "internal_error", "internal error"));
    }
}

void http_session::on_response(std::uint64_t request_id, response res) {
    if (phase_ != phase::handling || request_id != request_id_) return;
    if (res.upgrade) {
        if (!stopping_) return hand_over(std::move(res.upgrade));
        return do_write(response::error(503, "unavailable", "the server is stopping"), false);
    }
    do_write(std::move(res), keep_alive_ && !stopping_);
}

// The session ends here: nothing is pending on the stream (the request was read whole,
// the handler's answer is this call), so the stream can move to its new owner.
void http_session::hand_over(upgrade_acceptor accept) {
    upgraded_ = true;
    phase_ = phase::closing;
    stream_.expires_never();
    upgraded_connection connection{std::move(stream_), std::move(*message_), remote_address_};
    message_.reset();
    try {
        accept(std::move(connection));
    } catch (const std::exception& e) {
        log(log_level::error, loggable(req_) + ": upgrade failed: " + e.what());
    } catch (...) {
        log(log_level::error, loggable(req_) + ": upgrade failed");
    }
}

void http_session::do_write(response res, bool keep_alive) {
    phase_ = phase::writing;
    if (res.status < 200 || res.status > 599) {
        log(log_level::error, "handler answered with invalid status " + std::to_string(res.status));
        res = response::error(500, "internal_error", "internal error");
    }
    res_ = {};
    res_.version(11);
    res_.result(static_cast<unsigned>(res.status));
    res_.set(bhttp::field::server, "chainbot");
    bool bodiless = res.status == 204 || res.status == 304;
    if (!bodiless) {
        res_.set(bhttp::field::content_type, res.content_type);
        res_.body() = std::move(res.body);
    }
    for (auto& [name, value] : res.headers) {
        // The server owns the framing; a line break would let a value inject fields.
        if (name.empty() || has_line_break(name) || has_line_break(value) ||
            beast::iequals(name, "content-length") || beast::iequals(name, "transfer-encoding") ||
            beast::iequals(name, "connection"))
            continue;
        if (beast::iequals(name, "content-type") || beast::iequals(name, "server"))
            res_.set(name, value);
        else
            res_.insert(name, value);
    }
    res_.keep_alive(keep_alive);
    res_.prepare_payload();
    stream_.expires_after(options_->write_timeout);
    bhttp::async_write(stream_, res_,
                       beast::bind_front_handler(&http_session::on_write, shared_from_this(), keep_alive));
}

void http_session::on_write(bool keep_alive, beast::error_code ec, std::size_t) {
    res_ = {};
    message_.reset();
    if (ec) {
        fail(ec, "write");
        return do_close();
    }
    if (!keep_alive || stopping_) return do_close();
    first_request_ = false;
    do_read_request();
}

// Half-close, then read and discard until the client closes too (bounded in time):
// closing with unread input would reset the connection and could destroy the response
// (a 413 sent while the client is still sending its body) before the client reads it.
void http_session::do_close() {
    if (phase_ == phase::closing) return;
    phase_ = phase::closing;
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    if (ec || !stream_.socket().is_open()) return;
    stream_.expires_after(linger_timeout);
    do_drain();
}

void http_session::do_drain() {
    stream_.async_read_some(net::buffer(drain_buffer_),
                            beast::bind_front_handler(&http_session::on_drain, shared_from_this()));
}

void http_session::on_drain(beast::error_code ec, std::size_t) {
    if (!ec) return do_drain();
    beast::error_code ignored;
    stream_.socket().close(ignored);
}

void http_session::on_shutdown() {
    if (upgraded_) return;  // the connection belongs to its new protocol, which closes it
    stopping_ = true;
    // Waiting for a request that has not begun: nothing is in flight, close now.
    // Otherwise the request finishes and on_write closes after its response.
    if (phase_ == phase::waiting || phase_ == phase::closing) stream_.close();
}

void http_session::fail(beast::error_code ec, const char* what) {
    if (ec == net::error::operation_aborted) return;
    log(log_level::debug, std::string("connection from ") + remote_address_ + ": " + what + ": " + ec.message());
}

void http_session::log(log_level level, const std::string& message) const noexcept {
    if (!options_->log) return;
    try {
        options_->log->write(level, "http", message);
    } catch (...) {
        // A failing log sink must not take the connection down with it.
    }
}

}  // namespace chainbot::http
