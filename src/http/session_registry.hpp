#pragma once
// Internal. The open sessions of one server, so that stop() can reach each of them.

#include <cstddef>
#include <memory>
#include <mutex>
#include <unordered_map>
#include <vector>

namespace chainbot::http {

class http_session;

class session_registry {
public:
    /// @brief Registers a new session; false once the server is stopping (the session
    /// then closes at once).
    bool add(const std::shared_ptr<http_session>& session);
    /// @brief Called by the session's destructor.
    void remove(const http_session* session) noexcept;
    /// @brief Refuses further sessions and returns those still alive.
    std::vector<std::shared_ptr<http_session>> stop();
    std::size_t size() const;

private:
    mutable std::mutex mutex_;
    bool stopping_ = false;
    std::unordered_map<const http_session*, std::weak_ptr<http_session>> sessions_;
};

}  // namespace chainbot::http
