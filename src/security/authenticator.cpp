#include "security/authenticator.hpp"

#include "store/crypto.hpp"
#include "store/database.hpp"
#include "store/errors.hpp"

#include <openssl/crypto.h>

#include <algorithm>
#include <stdexcept>

namespace chainbot::security {

std::string_view to_string(auth_status s) noexcept {
    switch (s) {
        case auth_status::ok: return "ok";
        case auth_status::missing: return "missing";
        case auth_status::malformed: return "malformed";
        case auth_status::invalid: return "invalid";
        case auth_status::rate_limited: return "rate_limited";
        case auth_status::unavailable: return "unavailable";
    }
    return "invalid";
}

namespace {

constexpr std::size_t max_token_length = 1024;

bool is_space(char c) noexcept { return c == ' ' || c == '\t'; }

// RFC 7235 token68: 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="
bool is_token68(std::string_view t) noexcept {
    std::size_t i = 0;
    while (i < t.size()) {
        const char c = t[i];
        const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
                        c == '.' || c == '_' || c == '~' || c == '+' || c == '/';
        if (!ok) break;
        ++i;
    }
    if (i == 0) return false;
    while (i < t.size() && t[i] == '=') ++i;
    return i == t.size();
}

bool iequals(std::string_view a, std::string_view b) noexcept {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return (x | 0x20) == (y | 0x20);
           });
}

}  // namespace

std::optional<std::string_view> parse_bearer(std::string_view v) noexcept {
    while (!v.empty() && is_space(v.front())) v.remove_prefix(1);
    while (!v.empty() && is_space(v.back())) v.remove_suffix(1);
    constexpr std::string_view scheme = "bearer";
    if (v.size() <= scheme.size() || !iequals(v.substr(0, scheme.size()), scheme) || !is_space(v[scheme.size()]))
        return std::nullopt;
    v.remove_prefix(scheme.size());
    while (!v.empty() && is_space(v.front())) v.remove_prefix(1);
    if (v.empty() || v.size() > max_token_length || !is_token68(v)) return std::nullopt;
    return v;
}

bool constant_time_equal(std::string_view a, std::string_view b) noexcept {
    // Lengths are public (every token and every hash has a fixed length).
    return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

authenticator::authenticator(store_getter store, authenticator_options options)
    : store_(std::move(store)),
      options_(options),
      clock_(options.clock ? options.clock : steady_clock_fn([] { return std::chrono::steady_clock::now(); })),
      limiter_(options.limiter, clock_) {
    options_.cache_capacity = std::max<std::size_t>(1, options_.cache_capacity);
}

auth_result authenticator::authenticate(const http::request& req) {
    std::string hash;
    if (auto early = precheck(req, hash)) return std::move(*early);
    return lookup(req.remote_address, hash);
}

std::optional<auth_result> authenticator::try_cached(const http::request& req) {
    std::string hash;
    return precheck(req, hash);
}

std::optional<auth_result> authenticator::precheck(const http::request& req, std::string& hash) {
    const auto header = req.headers.find("authorization");
    if (header == req.headers.end()) return auth_result{auth_status::missing, std::nullopt, "no bearer token"};
    if (auto refused = limiter_.check(req.remote_address)) {
        return auth_result{auth_status::rate_limited, std::nullopt, "too many failed attempts from this address",
                           refused->retry_after, refused->first_refusal};
    }
    const auto token = parse_bearer(header->second);
    if (!token) return fail(req.remote_address, auth_status::malformed, "the Authorization header is not 'Bearer <token>'");
    hash = store::hash_token(*token);

    std::lock_guard lock(cache_mutex_);
    auto it = cache_.find(hash);
    if (it == cache_.end()) return std::nullopt;
    const auto& e = it->second;
    if (clock_() >= e.fresh_until || (e.expires_at && store::now() >= *e.expires_at)) {
        cache_.erase(it);
        return std::nullopt;
    }
    if (!constant_time_equal(e.token_hash, hash)) return std::nullopt;
    return auth_result{auth_status::ok, e.who, {}};
}

auth_result authenticator::lookup(const std::string& address, const std::string& hash) {
    try {
        auto db = store_();
        if (!db) return {auth_status::unavailable, std::nullopt, "the store is not open"};
        const auto token = db->tokens().find_by_hash(hash);
        if (!token || !constant_time_equal(token->token_hash, hash)) return fail(address, auth_status::invalid, "unknown token");
        const auto now = store::now();
        if (token->revoked_at) return fail(address, auth_status::invalid, "token revoked");
        if (token->expires_at && now >= *token->expires_at) return fail(address, auth_status::invalid, "token expired");
        const auto user = db->users().get(token->user_id);
        if (!user) return fail(address, auth_status::invalid, "the token's user no longer exists");
        if (user->disabled) return fail(address, auth_status::invalid, "user disabled");

        principal who{user->id, user->name, token->id, db->users().roles_of(user->id),
                      db->users().permissions_of(user->id)};
        // last_used_at is informational: failing to stamp it must not refuse the request.
        auto touch = [db, id = token->id, now] {
            try {
                db->tokens().touch(id, now);
            } catch (const store::store_error&) {
            }
        };
        std::function<bool(std::function<void()>)> defer;
        {
            std::lock_guard lock(defer_mutex_);
            defer = options_.defer;
        }
        if (!defer || !defer(touch)) touch();
        remember(hash, {who, hash, token->expires_at, clock_() + options_.cache_ttl});
        return {auth_status::ok, std::move(who), {}};
    } catch (const store::store_error&) {
        return {auth_status::unavailable, std::nullopt, "the store is unavailable"};
    } catch (const std::logic_error&) {  // the store service is not running
        return {auth_status::unavailable, std::nullopt, "the store is not open"};
    }
}

auth_result authenticator::fail(const std::string& address, auth_status status, std::string reason) {
    limiter_.record_failure(address);
    return {status, std::nullopt, std::move(reason)};
}

void authenticator::remember(const std::string& hash, cached_entry e) {
    if (options_.cache_ttl.count() <= 0) return;
    std::lock_guard lock(cache_mutex_);
    if (cache_.size() >= options_.cache_capacity && !cache_.contains(hash)) {
        const auto now = clock_();
        std::erase_if(cache_, [&](const auto& kv) { return now >= kv.second.fresh_until; });
        if (cache_.size() >= options_.cache_capacity) {
            auto oldest = std::min_element(cache_.begin(), cache_.end(), [](const auto& a, const auto& b) {
                return a.second.fresh_until < b.second.fresh_until;
            });
            cache_.erase(oldest);
        }
    }
    cache_.insert_or_assign(hash, std::move(e));
}

void authenticator::set_defer(std::function<bool(std::function<void()>)> defer) {
    std::lock_guard lock(defer_mutex_);
    options_.defer = std::move(defer);
}

void authenticator::invalidate_token(const std::string& token_id) {
    std::lock_guard lock(cache_mutex_);
    std::erase_if(cache_, [&](const auto& kv) { return kv.second.who.token_id == token_id; });
}

void authenticator::invalidate_user(const std::string& user_id) {
    std::lock_guard lock(cache_mutex_);
    std::erase_if(cache_, [&](const auto& kv) { return kv.second.who.user_id == user_id; });
}

void authenticator::invalidate_all() {
    std::lock_guard lock(cache_mutex_);
    cache_.clear();
}

std::size_t authenticator::cached() const {
    std::lock_guard lock(cache_mutex_);
    return cache_.size();
}

}  // namespace chainbot::security
