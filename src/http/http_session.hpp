#pragma once
// Internal. One HTTP/1.1 connection: reads a request, hands it to the router, writes
// the response, and again while the connection is kept alive. Everything runs on the
// strand of the connection's socket; other threads only post to it. A response carrying
// an upgrade acceptor ends the session: the socket and the request go to the acceptor.

#include "http/message.hpp"
#include "http/server.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>

#include <array>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

namespace chainbot::http {

class router;
class session_registry;

class http_session : public std::enable_shared_from_this<http_session> {
public:
    http_session(boost::asio::ip::tcp::socket&& socket, router& routes,
                 std::shared_ptr<const server_options> options, std::shared_ptr<session_registry> registry);
    ~http_session();

    /// @brief Starts serving the connection.
    void run();
    /// @brief From any thread: close when idle, finish the request in flight otherwise.
    void shutdown();

private:
    struct pending_response;
    enum class phase { waiting, reading, handling, writing, closing };

    void start();
    void do_read_request();
    void on_first_bytes(boost::beast::error_code ec, std::size_t bytes);
    void do_read_header();
    void on_read_header(boost::beast::error_code ec, std::size_t bytes);
    void on_continue_sent(boost::beast::error_code ec, std::size_t bytes);
    void do_read_body();
    void on_read_body(boost::beast::error_code ec, std::size_t bytes);
    void on_read_error(boost::beast::error_code ec);
    void handle_request();
    void on_response(std::uint64_t request_id, response res);
    void hand_over(upgrade_acceptor accept);
    void do_write(response res, bool keep_alive);
    void on_write(bool keep_alive, boost::beast::error_code ec, std::size_t bytes);
    void do_close();
    void do_drain();
    void on_drain(boost::beast::error_code ec, std::size_t bytes);
    void on_shutdown();
    void fail(boost::beast::error_code ec, const char* what);
    void log(log_level level, const std::string& message) const noexcept;

    boost::beast::tcp_stream stream_;
    boost::asio::any_io_executor executor_;  // the strand; stays usable once stream_ is handed over
    boost::beast::flat_buffer buffer_;
    router& routes_;
    std::shared_ptr<const server_options> options_;
    std::shared_ptr<session_registry> registry_;
    std::optional<boost::beast::http::request_parser<boost::beast::http::string_body>> parser_;
    boost::beast::http::response<boost::beast::http::string_body> res_;  // alive until written
    request req_;  // alive until its response is delivered: handlers hold a reference
    // The request as parsed (body moved to req_), for an upgrade acceptor.
    std::optional<boost::beast::http::request<boost::beast::http::string_body>> message_;
    std::string remote_address_;
    std::chrono::steady_clock::time_point read_deadline_;
    std::array<char, 4096> drain_buffer_{};
    phase phase_ = phase::waiting;
    bool first_request_ = true;
    bool keep_alive_ = false;
    bool stopping_ = false;
    bool upgraded_ = false;  // stream_ was handed over: nothing of it may be touched
    std::uint64_t request_id_ = 0;
};

}  // namespace chainbot::http
