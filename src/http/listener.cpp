#include "http/listener.hpp"

#include "http/http_session.hpp"

#include <boost/asio/ip/address.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core/bind_handler.hpp>

#include <system_error>

namespace chainbot::http {

namespace beast = boost::beast;
namespace net = boost::asio;
using tcp = net::ip::tcp;

namespace {

// Accept failures such as EMFILE repeat at once: wait a little instead of spinning.
constexpr std::chrono::milliseconds accept_retry_delay{100};

std::string describe(const std::string& address, unsigned short port) {
    bool v6 = address.find(':') != std::string::npos;
    return (v6 ? "[" + address + "]" : address) + ":" + std::to_string(port);
}

[[noreturn]] void throw_error(const beast::error_code& ec, const std::string& what) {
    throw std::system_error(static_cast<std::error_code>(ec), what);
}

}  // namespace

listener::listener(net::io_context& ioc, router& routes, std::shared_ptr<const server_options> options,
                   std::shared_ptr<session_registry> registry)
    : ioc_(ioc),
      routes_(routes),
      options_(std::move(options)),
      registry_(std::move(registry)),
      acceptor_(ioc),
      retry_timer_(ioc) {}

void listener::open(const std::string& address, unsigned short port) {
    const std::string where = describe(address, port);
    beast::error_code ec;
    tcp::endpoint endpoint;
    auto ip = net::ip::make_address(address, ec);
    if (!ec) {
        endpoint = tcp::endpoint(ip, port);
    } else {
        tcp::resolver resolver(ioc_);
        auto results = resolver.resolve(address, std::to_string(port), tcp::resolver::passive, ec);
        if (ec || results.empty())
            throw_error(ec ? ec : beast::error_code(net::error::host_not_found),
                        "http server: cannot resolve listen address '" + address + "'");
        endpoint = results.begin()->endpoint();
    }

    std::lock_guard lock(mutex_);
    auto check = [&](const char* step) {
        if (!ec) return;
        beast::error_code ignored;
        acceptor_.close(ignored);
        throw_error(ec, std::string("http server: cannot ") + step + " " + where);
    };
    acceptor_.open(endpoint.protocol(), ec);
    check("open a socket for");
    acceptor_.set_option(net::socket_base::reuse_address(true), ec);  // rebind over TIME_WAIT after a restart
    check("configure a socket for");
    acceptor_.bind(endpoint, ec);
    check("listen on");
    acceptor_.listen(net::socket_base::max_listen_connections, ec);
    check("listen on");
    port_ = acceptor_.local_endpoint(ec).port();
    check("read the port of");
}

void listener::run() { do_accept(); }

void listener::stop() {
    std::lock_guard lock(mutex_);
    stopped_ = true;
    beast::error_code ignored;
    acceptor_.close(ignored);
    retry_timer_.cancel();
}

unsigned short listener::port() const {
    std::lock_guard lock(mutex_);
    return port_;
}

void listener::do_accept() {
    std::lock_guard lock(mutex_);
    if (stopped_) return;
    // Each connection gets its own strand: its handlers never run concurrently.
    acceptor_.async_accept(net::make_strand(ioc_),
                           beast::bind_front_handler(&listener::on_accept, shared_from_this()));
}

void listener::on_accept(beast::error_code ec, tcp::socket socket) {
    if (ec == net::error::operation_aborted) return;
    if (ec) {
        std::lock_guard lock(mutex_);
        if (stopped_) return;
        log(log_level::warning, "accept failed: " + ec.message());
        retry_timer_.expires_after(accept_retry_delay);
        retry_timer_.async_wait([self = shared_from_this()](beast::error_code wait_ec) {
            if (!wait_ec) self->do_accept();
        });
        return;
    }
    std::make_shared<http_session>(std::move(socket), routes_, options_, registry_)->run();
    do_accept();
}

void listener::log(log_level level, const std::string& message) const noexcept {
    if (!options_->log) return;
    try {
        options_->log->write(level, "http", message);
    } catch (...) {
        // A failing log sink must not stop the server from accepting.
    }
}

}  // namespace chainbot::http
