#include "store/pg_listener.hpp"

#include "store/postgresql_support.hpp"

#include <sys/eventfd.h>
#include <unistd.h>

namespace chainbot::store {

notification_listener::notification_listener(std::string connect_string, std::vector<std::string> channels,
                                             handler on_notify, error_handler on_error)
    : connect_string_(std::move(connect_string)),
      channels_(std::move(channels)),
      on_notify_(std::move(on_notify)),
      on_error_(std::move(on_error)),
      wake_fd_(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) {
    thread_ = std::thread([this] { run(); });
}

notification_listener::~notification_listener() {
    stopping_ = true;
    const std::uint64_t one = 1;
    if (::write(wake_fd_, &one, sizeof one) < 0) {
    }
    if (thread_.joinable()) thread_.join();
    ::close(wake_fd_);
}

void notification_listener::run() {
    try {
        detail::postgresql().listen(
            connect_string_, channels_, wake_fd_, stopping_,
            [this](const std::string& channel, const std::string& payload) { on_notify_({channel, payload}); },
            [this](const std::string& what) {
                if (on_error_) on_error_(what);
            });
    } catch (const std::exception& e) {  // the PostgreSQL module cannot be loaded
        try {
            if (on_error_) on_error_(e.what());
        } catch (...) {
        }
    }
}

}  // namespace chainbot::store
