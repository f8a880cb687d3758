// The client's one Beast/OpenSSL translation unit: the shared state, and `exchange`,
// the life of one request (resolve, connect, TLS handshake, write, read), on its own
// strand, under one deadline for the whole of it.
#include "http/client.hpp"

#include "http/client_url.hpp"
#include "util/ascii.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core/bind_handler.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>

#include <algorithm>
#include <cctype>
#include <future>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <unordered_map>

namespace chainbot::http {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace net = boost::asio;
namespace ssl = boost::asio::ssl;
using tcp = net::ip::tcp;

namespace {

constexpr std::uint32_t max_response_header_bytes = 64 * 1024;
constexpr std::string_view user_agent = "chainbot/" CHAINBOT_VERSION;

// RFC 9110 token: methods and field names.
bool is_token(std::string_view text) {
    static constexpr std::string_view extra = "!#$%&'*+-.^_`|~";
    if (text.empty()) return false;
    for (char c : text)
        if (!std::isalnum(static_cast<unsigned char>(c)) && extra.find(c) == std::string_view::npos) return false;
    return true;
}

bool is_field_value(std::string_view text) {
    for (char c : text) {
        auto u = static_cast<unsigned char>(c);
        if ((u < 0x20 && c != '\t') || u == 0x7f) return false;
    }
    return true;
}

bool is_ip_address(const std::string& host) {
    beast::error_code ec;
    net::ip::make_address(host, ec);
    return !ec;
}

// host_name_verification, plus a verify error OpenSSL can name when only the name is wrong.
struct verify_host {
    ssl::host_name_verification check;
    bool operator()(bool preverified, ssl::verify_context& ctx) {
        bool ok = check(preverified, ctx);
        if (!ok && preverified) X509_STORE_CTX_set_error(ctx.native_handle(), X509_V_ERR_HOSTNAME_MISMATCH);
        return ok;
    }
};

client_error_kind kind_of_io_error(const beast::error_code& ec) {
    if (ec == bhttp::error::body_limit || ec == bhttp::error::header_limit || ec == bhttp::error::buffer_overflow)
        return client_error_kind::too_large;
    if (ec == bhttp::error::end_of_stream || ec == bhttp::error::partial_message) return client_error_kind::connect;
    if (ec.category() == bhttp::make_error_code(bhttp::error::bad_version).category())
        return client_error_kind::protocol;
    if (ec.category() == net::error::get_ssl_category() || ec == ssl::error::stream_truncated)
        return client_error_kind::tls;
    return client_error_kind::connect;
}

}  // namespace

class exchange;

// Shared by the client and its requests in flight, so that either may go first.
class client_state {
public:
    // The TLS context is made for the first https:// request, not with the client: making it
    // initialises OpenSSL and reads the system's CA store, about 4 MB of resident memory that a
    // module calling no https:// service never needs.
    ssl::context& tls_context() {
        std::call_once(tls_once_, [this] {
            tls_context_.emplace(ssl::context::tls_client);
            tls_context_->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                                      ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
            beast::error_code ec;
            // Without a system store every verified request fails with `tls`, which says why.
            tls_context_->set_default_verify_paths(ec);
            tls_context_->set_verify_mode(ssl::verify_peer);
        });
        return *tls_context_;
    }

    std::uint64_t add(std::weak_ptr<exchange> request) {
        std::lock_guard lock(mutex_);
        auto id = ++last_id_;
        in_flight_.emplace(id, std::move(request));
        return id;
    }
    void remove(std::uint64_t id) {
        std::lock_guard lock(mutex_);
        in_flight_.erase(id);
    }
    std::vector<std::shared_ptr<exchange>> snapshot() const {
        std::vector<std::shared_ptr<exchange>> out;
        std::lock_guard lock(mutex_);
        for (const auto& [id, weak] : in_flight_)
            if (auto request = weak.lock()) out.push_back(std::move(request));
        return out;
    }
    std::size_t size() const {
        std::lock_guard lock(mutex_);
        return in_flight_.size();
    }

private:
    std::once_flag tls_once_;
    std::optional<ssl::context> tls_context_;  // SSL_CTX is safe to share between threads once configured
    mutable std::mutex mutex_;
    std::uint64_t last_id_ = 0;
    std::unordered_map<std::uint64_t, std::weak_ptr<exchange>> in_flight_;
};

// One request. Every handler runs on strand_; the first of completion, deadline and
// cancellation to arrive wins (finish()), the others find finished_ set and return.
class exchange : public std::enable_shared_from_this<exchange> {
public:
    using callback = std::function<void(client_result)>;

    exchange(net::io_context& ioc, std::shared_ptr<client_state> state, client_url url, std::string shown,
             bhttp::request<bhttp::string_body> req, const client_request& options)
        : state_(std::move(state)),
          strand_(net::make_strand(ioc)),
          resolver_(strand_),
          timer_(strand_),
          url_(std::move(url)),
          shown_(std::move(shown)),
          req_(std::move(req)),
          timeout_(options.timeout),
          max_body_(options.max_response_bytes) {
        if (url_.tls) {
            tls_.emplace(strand_, state_->tls_context());
            if (options.verify_tls) {
                tls_->set_verify_mode(ssl::verify_peer);
                tls_->set_verify_callback(verify_host{ssl::host_name_verification(url_.host)});
            } else {
                tls_->set_verify_mode(ssl::verify_none);
            }
            // SNI carries names only (RFC 6066).
            if (!is_ip_address(url_.host)) SSL_set_tlsext_host_name(tls_->native_handle(), url_.host.c_str());
        } else {
            plain_.emplace(strand_);
        }
    }

    /// @brief Registers with the client and starts on the strand. `done` is taken last,
    /// so that send() can still report a failure before it through `done`.
    void run(callback& done) {
        id_ = state_->add(weak_from_this());
        auto start_handler = beast::bind_front_handler(&exchange::start, shared_from_this());
        done_ = std::move(done);
        net::post(strand_, std::move(start_handler));
    }

    /// @brief From any thread: ends the request with `kind` unless it already ended.
    void abort(client_error_kind kind, std::string cause) {
        net::post(strand_, [self = shared_from_this(), kind, cause = std::move(cause)]() mutable {
            self->finish(kind, std::move(cause));
        });
    }

private:
    enum class stage { resolving, connecting, handshaking, writing, reading };

    tcp::socket& socket() { return tls_ ? tls_->next_layer() : *plain_; }

    template <class F>
    void with_stream(F&& f) {
        if (tls_)
            f(*tls_);
        else
            f(*plain_);
    }

    void start() {
        if (finished_) return;
        timer_.expires_after(timeout_);
        timer_.async_wait(beast::bind_front_handler(&exchange::on_deadline, shared_from_this()));
        stage_ = stage::resolving;
        resolver_.async_resolve(url_.host, url_.port, tcp::resolver::numeric_service,
                                beast::bind_front_handler(&exchange::on_resolve, shared_from_this()));
    }

    void on_resolve(beast::error_code ec, const tcp::resolver::results_type& results) {
        if (finished_) return;
        if (ec) return finish(client_error_kind::resolve, "cannot resolve host '" + url_.host + "': " + ec.message());
        stage_ = stage::connecting;
        net::async_connect(socket(), results, beast::bind_front_handler(&exchange::on_connect, shared_from_this()));
    }

    void on_connect(beast::error_code ec, const tcp::endpoint&) {
        if (finished_) return;
        if (ec)
            return finish(client_error_kind::connect,
                          "cannot connect to " + url_.host + ":" + url_.port + ": " + ec.message());
        if (!tls_) return do_write();
        stage_ = stage::handshaking;
        tls_->async_handshake(ssl::stream_base::client,
                              beast::bind_front_handler(&exchange::on_handshake, shared_from_this()));
    }

    void on_handshake(beast::error_code ec) {
        if (finished_) return;
        if (ec) {
            std::string cause = "TLS handshake failed: " + ec.message();
            if (auto verify = SSL_get_verify_result(tls_->native_handle()); verify != X509_V_OK)
                cause += std::string(" (") + X509_verify_cert_error_string(verify) + ")";
            return finish(client_error_kind::tls, std::move(cause));
        }
        do_write();
    }

    void do_write() {
        stage_ = stage::writing;
        with_stream([this](auto& stream) {
            bhttp::async_write(stream, req_, beast::bind_front_handler(&exchange::on_write, shared_from_this()));
        });
    }

    void on_write(beast::error_code ec, std::size_t) {
        if (finished_) return;
        if (ec) return finish(kind_of_io_error(ec), "cannot send the request: " + ec.message());
        do_read();
    }

    void do_read() {
        stage_ = stage::reading;
        parser_.emplace();
        parser_->body_limit(max_body_);
        parser_->header_limit(max_response_header_bytes);
        if (req_.method() == bhttp::verb::head) parser_->skip(true);
        with_stream([this](auto& stream) {
            bhttp::async_read(stream, buffer_, *parser_,
                              beast::bind_front_handler(&exchange::on_read, shared_from_this()));
        });
    }

    void on_read(beast::error_code ec, std::size_t) {
        if (finished_) return;
        // A TLS peer that closes without close_notify ends a body delimited by the end of
        // the connection all the same (as browsers and curl accept); Beast only does this for eof.
        if (ec == ssl::error::stream_truncated && parser_->is_header_done() && !parser_->is_done()) {
            beast::error_code eof;
            parser_->put_eof(eof);
            if (!eof && parser_->is_done()) ec = {};
        }
        if (ec) {
            std::string cause = ec == bhttp::error::body_limit
                                    ? "response body exceeds " + std::to_string(max_body_) + " bytes"
                                    : "cannot read the response: " + ec.message();
            return finish(kind_of_io_error(ec), std::move(cause));
        }
        int status = parser_->get().result_int();
        if (status >= 100 && status < 200 && status != 101) return do_read();  // interim: the real one follows
        succeed();
    }

    void on_deadline(beast::error_code ec) {
        if (finished_ || ec == net::error::operation_aborted) return;
        static constexpr const char* during[] = {"resolving the host", "connecting", "in the TLS handshake",
                                                 "sending the request", "reading the response"};
        finish(client_error_kind::timeout, "timed out after " + std::to_string(timeout_.count()) + " ms " +
                                               during[static_cast<int>(stage_)]);
    }

    void succeed() {
        auto message = parser_->release();
        client_result result;
        result.response.status = message.result_int();
        for (const auto& field : message)
            result.response.headers.emplace_back(util::ascii_lower(field.name_string()), std::string(field.value()));
        result.response.body = std::move(message.body());
        complete(std::move(result));
    }

    void finish(client_error_kind kind, std::string cause) {
        if (finished_) return;
        client_result result;
        result.error = kind;
        result.message = shown_ + ": " + cause;
        complete(std::move(result));
    }

    void complete(client_result result) {
        finished_ = true;
        timer_.cancel();
        resolver_.cancel();
        beast::error_code ignored;
        socket().shutdown(tcp::socket::shutdown_both, ignored);
        socket().close(ignored);
        state_->remove(id_);
        auto done = std::move(done_);
        done(std::move(result));
    }

    std::shared_ptr<client_state> state_;
    net::strand<net::io_context::executor_type> strand_;
    tcp::resolver resolver_;
    net::steady_timer timer_;
    // Plain sockets, not beast::tcp_stream: timer_ bounds the whole exchange, and the
    // per-operation timeouts of tcp_stream would only add template weight.
    std::optional<tcp::socket> plain_;
    std::optional<ssl::stream<tcp::socket>> tls_;
    beast::flat_buffer buffer_;
    std::optional<bhttp::response_parser<bhttp::string_body>> parser_;
    client_url url_;
    std::string shown_;  // "METHOD masked-url", the prefix of every message
    bhttp::request<bhttp::string_body> req_;
    std::chrono::milliseconds timeout_;
    std::size_t max_body_;
    callback done_;
    std::uint64_t id_ = 0;
    stage stage_ = stage::resolving;
    bool finished_ = false;
};

namespace {

// The request as Beast writes it, or the reason it cannot be sent (values never shown).
std::optional<bhttp::request<bhttp::string_body>> build_request(client_request& req, const client_url& url,
                                                                std::string& error) {
    for (const auto& [name, value] : req.headers) {
        if (!is_token(name)) {
            error = "invalid header field name";
            return std::nullopt;
        }
        if (!is_field_value(value)) {
            error = "the value of header field '" + name + "' contains a control character";
            return std::nullopt;
        }
    }
    bhttp::request<bhttp::string_body> msg;
    msg.version(11);
    msg.method_string(req.method);
    msg.target(url.target);
    msg.set(bhttp::field::host, url.host_field());
    msg.set(bhttp::field::user_agent, user_agent);
    if (url.has_userinfo) msg.set(bhttp::field::authorization, "Basic " + base64_encode(url.user + ":" + url.password));
    std::vector<std::string> replaced;  // a caller's field replaces ours, repeated ones are all kept
    for (const auto& [name, value] : req.headers) {
        if (util::ascii_iequals(name, "content-length") || util::ascii_iequals(name, "transfer-encoding")) continue;
        if (auto key = util::ascii_lower(name); std::find(replaced.begin(), replaced.end(), key) == replaced.end()) {
            msg.erase(name);
            replaced.push_back(std::move(key));
        }
        msg.insert(name, value);
    }
    msg.keep_alive(false);  // one connection per request
    msg.body() = std::move(req.body);
    msg.prepare_payload();
    return msg;
}

}  // namespace

std::string client_response::header(std::string_view name) const {
    for (const auto& [field, value] : headers)
        if (util::ascii_iequals(field, name)) return value;
    return {};
}

http_client::http_client(net::io_context& ioc) : ioc_(ioc), state_(std::make_shared<client_state>()) {}

http_client::~http_client() { cancel_all(); }

void http_client::send(client_request req, std::function<void(client_result)> done) {
    if (!done) done = [](client_result) {};
    bool method_ok = is_token(req.method);
    std::string shown = (method_ok ? req.method : std::string("request")) + " " + masked_url(req.url);
    auto fail_now = [&](client_error_kind kind, const std::string& cause) {
        client_result result;
        result.error = kind;
        result.message = shown + ": " + cause;
        net::post(ioc_, [done = std::move(done), result = std::move(result)]() mutable { done(std::move(result)); });
    };

    std::string error;
    auto url = parse_client_url(req.url, error);
    if (!url) return fail_now(client_error_kind::bad_url, error);
    if (!method_ok) return fail_now(client_error_kind::protocol, "invalid method");
    try {
        auto msg = build_request(req, *url, error);
        if (!msg) return fail_now(client_error_kind::protocol, error);
        auto request = std::make_shared<exchange>(ioc_, state_, std::move(*url), shown, std::move(*msg), req);
        request->run(done);
    } catch (const std::exception& e) {
        // Beast's field limits, OpenSSL's SSL_new, allocation: reported, never thrown.
        if (done) fail_now(client_error_kind::protocol, std::string("cannot prepare the request: ") + e.what());
    }
}

client_result http_client::send_sync(client_request req) {
    if (ioc_.get_executor().running_in_this_thread())
        throw std::logic_error("http_client::send_sync called on a thread running its io_context");
    auto promise = std::make_shared<std::promise<client_result>>();
    auto result = promise->get_future();
    send(std::move(req), [promise](client_result r) { promise->set_value(std::move(r)); });
    return result.get();
}

void http_client::cancel_all() {
    for (auto& request : state_->snapshot()) request->abort(client_error_kind::cancelled, "cancelled");
}

std::size_t http_client::in_flight() const { return state_->size(); }

}  // namespace chainbot::http
