#pragma once
/// @file authenticator.hpp
/// @brief Turns `Authorization: Bearer <token>` into a principal.
///
/// The token is hashed (SHA-256) and looked up by its hash: the store never holds a
/// secret, and the lookup compares hashes, which tells an attacker nothing about the
/// secret. The hash of the row found is compared once more with CRYPTO_memcmp, in
/// constant time. Revoked and expired tokens and disabled users are refused. Failed
/// attempts (a token presented but not accepted) are limited per client address.
///
/// Successful lookups are cached briefly (cache_ttl, bounded), so most requests do not
/// touch the store; revoking a token or changing a user's roles through this process
/// invalidates the cache at once. (Another instance sharing a PostgreSQL store sees a
/// revocation after at most cache_ttl.)
///
/// authenticate() blocks on a cache miss (a few indexed reads; the write of last_used_at
/// goes through options.defer when set): call it where blocking is allowed, or use
/// try_cached() first, which never blocks.

#include "security/failure_limiter.hpp"
#include "security/principal.hpp"

#include "http/message.hpp"

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace chainbot::store {
class database;
}

namespace chainbot::security {

enum class auth_status {
    ok,
    missing,       ///< no Authorization header (not counted as a failure)
    malformed,     ///< not "Bearer <token68>"
    invalid,       ///< unknown, revoked or expired token, or a disabled user
    rate_limited,  ///< too many failures from this address
    unavailable,   ///< the store cannot be reached
};

std::string_view to_string(auth_status s) noexcept;

struct auth_result {
    auth_status status = auth_status::missing;
    std::optional<security::principal> who;  // set when ok
    std::string reason;                      // for people and the audit trail; never the token
    std::chrono::seconds retry_after{0};     // rate_limited
    bool first_refusal = false;              // rate_limited: the first refusal of this window
    explicit operator bool() const noexcept { return status == auth_status::ok; }
};

/// @brief The token of an Authorization value "Bearer <token>": scheme case-insensitive,
/// one or more spaces, a token68 of at most 1024 characters, surrounding whitespace
/// ignored. nullopt for anything else (other scheme, empty token, inner spaces).
std::optional<std::string_view> parse_bearer(std::string_view authorization) noexcept;

/// @brief Equality of two secrets (or their hashes) in time independent of where they differ.
bool constant_time_equal(std::string_view a, std::string_view b) noexcept;

struct authenticator_options {
    failure_limiter_options limiter;
    std::chrono::milliseconds cache_ttl{5000};
    std::size_t cache_capacity = 1024;
    steady_clock_fn clock;  // tests; steady_clock::now when empty
    /// Where the last_used_at write of a cache miss runs (e.g. runtime::post_blocking);
    /// inline when empty or when it refuses the job.
    std::function<bool(std::function<void()>)> defer;
};

class authenticator {
public:
    using store_getter = std::function<std::shared_ptr<store::database>()>;

    explicit authenticator(store_getter store, authenticator_options options = {});

    /// @brief Authenticates the request's bearer token (blocking on a cache miss).
    auth_result authenticate(const http::request& req);
    /// @brief The answer when it needs no store call (no or malformed header, a refused
    /// address, a cached token); nullopt when authenticate() must ask the store.
    std::optional<auth_result> try_cached(const http::request& req);

    /// @brief Forget cached lookups of a token / of every token of a user / of all.
    void invalidate_token(const std::string& token_id);
    void invalidate_user(const std::string& user_id);
    void invalidate_all();

    void set_failure_limit(int per_window) { limiter_.set_max_failures(per_window); }
    /// @brief Replaces options.defer (before requests arrive).
    void set_defer(std::function<bool(std::function<void()>)> defer);
    failure_limiter& limiter() noexcept { return limiter_; }
    std::size_t cached() const;

private:
    struct cached_entry {
        principal who;
        std::string token_hash;
        std::optional<std::chrono::sys_time<std::chrono::milliseconds>> expires_at;
        std::chrono::steady_clock::time_point fresh_until;
    };
    /// Everything but the store lookup; sets `hash` when the store must be asked.
    std::optional<auth_result> precheck(const http::request& req, std::string& hash);
    auth_result lookup(const std::string& address, const std::string& hash);
    auth_result fail(const std::string& address, auth_status status, std::string reason);
    void remember(const std::string& hash, cached_entry e);

    store_getter store_;
    authenticator_options options_;
    steady_clock_fn clock_;
    failure_limiter limiter_;
    mutable std::mutex defer_mutex_;  // options_.defer changes on start and stop
    mutable std::mutex cache_mutex_;
    std::unordered_map<std::string, cached_entry> cache_;  // by token hash
};

}  // namespace chainbot::security
