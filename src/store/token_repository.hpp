#pragma once
// API tokens. Only the SHA-256 of a token is stored; the secret is shown once, when issued.

#include "store/types.hpp"

#include <optional>
#include <string>
#include <vector>

namespace chainbot::store {

namespace detail {
class runner;
}

struct api_token {
    std::string id;
    std::string user_id;
    std::string name;
    std::string token_hash;  // hash_token(secret)
    time_point created_at;
    std::optional<time_point> expires_at;
    std::optional<time_point> last_used_at;
    std::optional<time_point> revoked_at;

    /// @brief Neither revoked nor expired at `t`.
    bool active(time_point t) const noexcept { return !revoked_at && (!expires_at || t < *expires_at); }
};

/// @brief issue(): the stored token and its secret, which is not stored anywhere.
struct issued_token {
    api_token token;
    std::string secret;
};

class token_repository {
public:
    explicit token_repository(detail::runner& r) : runner_(&r) {}

    /// @brief Makes a new secret (new_token_secret) and stores its hash. store_not_found
    /// when the user is missing.
    issued_token issue(const std::string& user_id, const std::string& name,
                       std::optional<time_point> expires_at = std::nullopt);
    /// @brief Stores the hash of a secret made elsewhere (e.g. read from a file).
    api_token add(const std::string& user_id, const std::string& name, const std::string& secret,
                  std::optional<time_point> expires_at = std::nullopt);
    /// @brief The token with this hash, revoked and expired ones included (check active()).
    std::optional<api_token> find_by_hash(const std::string& token_hash);
    /// @brief find_by_hash(hash_token(secret)).
    std::optional<api_token> find_by_secret(const std::string& secret);
    std::optional<api_token> get(const std::string& id);
    /// @brief Every token, or a user's; newest first.
    std::vector<api_token> list(const std::optional<std::string>& user_id = std::nullopt);
    /// @brief Stamps revoked_at. False when it was already revoked; store_not_found when missing.
    bool revoke(const std::string& id);
    void touch(const std::string& id, time_point used_at);

private:
    detail::runner* runner_;
};

}  // namespace chainbot::store
