#include "http/session_registry.hpp"

namespace chainbot::http {

bool session_registry::add(const std::shared_ptr<http_session>& session) {
    std::lock_guard lock(mutex_);
    if (stopping_) return false;
    sessions_.emplace(session.get(), session);
    return true;
}

void session_registry::remove(const http_session* session) noexcept {
    std::lock_guard lock(mutex_);
    sessions_.erase(session);
}

std::vector<std::shared_ptr<http_session>> session_registry::stop() {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    std::vector<std::shared_ptr<http_session>> alive;
    alive.reserve(sessions_.size());
    for (auto& [key, weak] : sessions_)
        if (auto session = weak.lock()) alive.push_back(std::move(session));
    return alive;
}

std::size_t session_registry::size() const {
    std::lock_guard lock(mutex_);
    return sessions_.size();
}

}  // namespace chainbot::http
