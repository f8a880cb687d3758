#pragma once
// Internal. Accepts connections and starts an http_session for each, on its own strand.

#include "http/server.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/error.hpp>

#include <memory>
#include <mutex>
#include <string>

namespace chainbot::http {

class router;
class session_registry;

class listener : public std::enable_shared_from_this<listener> {
public:
    listener(boost::asio::io_context& ioc, router& routes, std::shared_ptr<const server_options> options,
             std::shared_ptr<session_registry> registry);

    /// @brief Binds and listens. @throws std::system_error naming address:port.
    void open(const std::string& address, unsigned short port);
    /// @brief Starts accepting.
    void run();
    /// @brief Closes the acceptor now, from any thread: further connections are refused.
    void stop();
    unsigned short port() const;

private:
    void do_accept();
    void on_accept(boost::beast::error_code ec, boost::asio::ip::tcp::socket socket);
    void log(log_level level, const std::string& message) const noexcept;

    boost::asio::io_context& ioc_;
    router& routes_;
    std::shared_ptr<const server_options> options_;
    std::shared_ptr<session_registry> registry_;
    // The acceptor is touched by the accept handler and by stop() from any thread:
    // a mutex rather than a strand, so that stop() has closed it when it returns.
    mutable std::mutex mutex_;
    boost::asio::ip::tcp::acceptor acceptor_;
    boost::asio::steady_timer retry_timer_;
    unsigned short port_ = 0;
    bool stopped_ = false;
};

}  // namespace chainbot::http
