#pragma once
// Helpers for the HTTP tests: a server on 127.0.0.1 run by two threads, and a Beast
// synchronous client.

#include "http/router.hpp"
#include "http/server.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <boost/json/parse.hpp>

#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace chainbot::http::testing {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;
using client_response = bhttp::response<bhttp::string_body>;

/// @brief A server listening on 127.0.0.1 (ephemeral port), its io_context run by `threads` threads.
class running_server {
public:
    explicit running_server(router& routes, server_options options = {}, int threads = 2)
        : server_(ioc_, routes, std::move(options)) {
        server_.listen("127.0.0.1", 0);
        for (int i = 0; i < threads; ++i) threads_.emplace_back([this] { ioc_.run(); });
    }
    ~running_server() {
        server_.stop();
        work_.reset();
        ioc_.stop();
        for (auto& t : threads_) t.join();
    }
    running_server(const running_server&) = delete;
    running_server& operator=(const running_server&) = delete;

    server& get() { return server_; }
    unsigned short port() const { return server_.port(); }

private:
    net::io_context ioc_;
    std::optional<net::executor_work_guard<net::io_context::executor_type>> work_{net::make_work_guard(ioc_)};
    server server_;
    std::vector<std::thread> threads_;
};

/// @brief Threads started by handlers, joined before the server goes away.
class thread_bag {
public:
    template <class F>
    void spawn(F f) {
        std::lock_guard lock(mutex_);
        threads_.emplace_back(std::move(f));
    }
    ~thread_bag() { join(); }

    /// @brief Joins every thread spawned so far (again: a no-op).
    void join() {
        std::lock_guard lock(mutex_);
        for (auto& t : threads_)
            if (t.joinable()) t.join();
    }

    /// @brief Joins the bag when it goes out of scope. Declare it after the running_server the
    /// threads answer through: they then finish (their responder copies hold the server's
    /// strand) before its io_context is destroyed, not after.
    struct join_guard {
        thread_bag& bag;
        ~join_guard() { bag.join(); }
    };
    [[nodiscard]] join_guard joined_before_exit() { return join_guard{*this}; }

private:
    std::mutex mutex_;
    std::vector<std::thread> threads_;
};

inline tcp::endpoint local(unsigned short port) { return {net::ip::make_address_v4("127.0.0.1"), port}; }

/// @brief One keep-alive connection, synchronous.
class client {
public:
    explicit client(unsigned short port) : stream_(ioc_) { stream_.connect(local(port)); }

    client_response send(bhttp::verb method, const std::string& target, std::string body = {},
                         const std::vector<std::pair<std::string, std::string>>& headers = {}) {
        bhttp::request<bhttp::string_body> req{method, target, 11};
        req.set(bhttp::field::host, "127.0.0.1");
        for (const auto& [name, value] : headers) req.set(name, value);
        req.body() = std::move(body);
        req.prepare_payload();
        bhttp::write(stream_, req);
        return receive();
    }
    client_response get(const std::string& target) { return send(bhttp::verb::get, target); }

    client_response receive() {
        client_response res;
        bhttp::read(stream_, buffer_, res);
        return res;
    }
    void write_raw(std::string_view bytes) { net::write(stream_.socket(), net::buffer(bytes.data(), bytes.size())); }
    /// @brief Reads until the server closes; returns what arrived (after any buffered bytes).
    std::string read_until_closed() {
        std::string out(static_cast<const char*>(buffer_.data().data()), buffer_.size());
        buffer_.consume(buffer_.size());
        beast::error_code ec;
        char chunk[4096];
        while (true) {
            std::size_t n = stream_.socket().read_some(net::buffer(chunk), ec);
            out.append(chunk, n);
            if (ec) break;
        }
        return out;
    }
    tcp::socket& socket() { return stream_.socket(); }

private:
    net::io_context ioc_;
    beast::tcp_stream stream_;
    beast::flat_buffer buffer_;
};

/// @brief The JSON body of a response.
inline boost::json::value json_of(const client_response& res) { return boost::json::parse(res.body()); }

/// @brief The "code" of a JSON error body.
inline std::string error_code_of(const client_response& res) {
    return std::string(json_of(res).at("error").at("code").as_string());
}

}  // namespace chainbot::http::testing
