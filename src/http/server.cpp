#include "http/server.hpp"

#include "http/http_session.hpp"
#include "http/listener.hpp"
#include "http/session_registry.hpp"

#include <mutex>
#include <stdexcept>

namespace chainbot::http {

struct server::impl {
    boost::asio::io_context& ioc;
    router& routes;
    std::shared_ptr<const server_options> options;
    std::shared_ptr<session_registry> registry = std::make_shared<session_registry>();
    std::mutex mutex;  // serializes listen() and stop()
    std::shared_ptr<listener> acceptor;
    bool stopped = false;
};

server::server(boost::asio::io_context& ioc, router& routes, server_options options)
    : impl_(new impl{ioc, routes, std::make_shared<const server_options>(std::move(options))}) {}

server::~server() { stop(); }

void server::listen(const std::string& address, unsigned short port) {
    std::lock_guard lock(impl_->mutex);
    if (impl_->acceptor) throw std::logic_error("http server: already listening");
    if (impl_->stopped) throw std::logic_error("http server: listen after stop");
    auto l = std::make_shared<listener>(impl_->ioc, impl_->routes, impl_->options, impl_->registry);
    l->open(address, port);
    l->run();
    impl_->acceptor = std::move(l);
}

unsigned short server::port() const {
    std::lock_guard lock(impl_->mutex);
    return impl_->acceptor ? impl_->acceptor->port() : 0;
}

void server::stop() {
    std::lock_guard lock(impl_->mutex);
    impl_->stopped = true;
    if (impl_->acceptor) impl_->acceptor->stop();
    for (auto& session : impl_->registry->stop()) session->shutdown();
}

std::size_t server::active_sessions() const { return impl_->registry->size(); }

}  // namespace chainbot::http
