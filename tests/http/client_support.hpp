#pragma once
// Helpers for the client tests: an io_context for the client run by two threads, a raw
// TCP server answering fixed bytes (for what the real server never sends: chunked
// bodies, garbage), a port nobody listens on.

#include "http/client.hpp"
#include "test_support.hpp"

#include <boost/asio/read_until.hpp>

#include <atomic>
#include <chrono>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>
#include "support/eventually.hpp"

namespace chainbot::http::testing {

/// @brief An io_context for clients, run by `threads` threads until destroyed.
class client_io {
public:
    explicit client_io(int threads = 2) {
        for (int i = 0; i < threads; ++i) threads_.emplace_back([this] { ioc_.run(); });
    }
    ~client_io() {
        work_.reset();
        ioc_.stop();
        for (auto& t : threads_) t.join();
    }
    client_io(const client_io&) = delete;
    client_io& operator=(const client_io&) = delete;

    net::io_context& get() { return ioc_; }

private:
    net::io_context ioc_;
    std::optional<net::executor_work_guard<net::io_context::executor_type>> work_{net::make_work_guard(ioc_)};
    std::vector<std::thread> threads_;
};

/// @brief A server on 127.0.0.1 and its own thread: for each connection, reads the request
/// head, writes `reply` as is, then waits for the client to close.
class raw_server {
public:
    explicit raw_server(std::string reply) : reply_(std::move(reply)), acceptor_(ioc_, local(0)) {
        port_ = acceptor_.local_endpoint().port();
        thread_ = std::thread([this] { serve(); });
    }
    ~raw_server() {
        stopping_ = true;
        tcp::socket wake(ioc_);
        beast::error_code ec;
        wake.connect(local(port_), ec);
        thread_.join();
    }
    raw_server(const raw_server&) = delete;
    raw_server& operator=(const raw_server&) = delete;

    unsigned short port() const { return port_; }
    std::string url(const std::string& path = "/") const { return "http://127.0.0.1:" + std::to_string(port_) + path; }
    /// @brief The head of the last request received.
    std::string last_request() const {
        std::lock_guard lock(mutex_);
        return last_request_;
    }

private:
    void serve() {
        while (true) {
            tcp::socket socket(ioc_);
            beast::error_code ec;
            acceptor_.accept(socket, ec);
            if (stopping_) return;
            if (ec) continue;
            std::string head;
            net::read_until(socket, net::dynamic_buffer(head), "\r\n\r\n", ec);
            {
                std::lock_guard lock(mutex_);
                last_request_ = head;
            }
            net::write(socket, net::buffer(reply_), ec);
            socket.shutdown(tcp::socket::shutdown_send, ec);
            char sink[1024];
            while (!ec) socket.read_some(net::buffer(sink), ec);
        }
    }

    std::string reply_;
    net::io_context ioc_;
    tcp::acceptor acceptor_;
    unsigned short port_ = 0;
    std::atomic<bool> stopping_{false};
    mutable std::mutex mutex_;
    std::string last_request_;
    std::thread thread_;
};

/// @brief A port on 127.0.0.1 that was free a moment ago and has no listener.
inline unsigned short closed_port() {
    net::io_context ioc;
    tcp::acceptor acceptor(ioc, local(0));
    return acceptor.local_endpoint().port();
}

inline std::string url_of(unsigned short port, const std::string& path) {
    return "http://127.0.0.1:" + std::to_string(port) + path;
}

using chainbot::test::eventually;

/// @brief Handlers that never answer: their responders are kept here until release().
/// Dropping a responder makes the server answer 500 through its io_context, so release()
/// must run while the server does: declare a release_at_exit right after the running_server.
class held_responders {
public:
    handler hold() {
        return [this](request&, responder respond) {
            std::lock_guard lock(mutex_);
            responders_.push_back(std::move(respond));
        };
    }
    std::size_t size() const {
        std::lock_guard lock(mutex_);
        return responders_.size();
    }
    void release() {
        std::vector<responder> dropped;
        std::lock_guard lock(mutex_);
        dropped.swap(responders_);
    }

private:
    mutable std::mutex mutex_;
    std::vector<responder> responders_;
};

/// @brief Calls held.release() when the scope ends (before the server it is declared after stops).
struct release_at_exit {
    held_responders& held;
    ~release_at_exit() { held.release(); }
};

}  // namespace chainbot::http::testing
