#include "store/token_repository.hpp"

#include "store/crypto.hpp"
#include "store/errors.hpp"
#include "store/runner.hpp"
#include "store/sql.hpp"

#include <fmt/format.h>

namespace chainbot::store {

namespace {

using detail::access;
using detail::connection;

struct token_row {
    static constexpr std::string_view columns =
        "id, user_id, name, token_hash, created_at, expires_at, last_used_at, revoked_at";
    std::string id, user_id, name, token_hash;
    long long created_at = 0, expires_at = 0, last_used_at = 0, revoked_at = 0;
    soci::indicator expires_i{}, used_i{}, revoked_i{};
    void bind(soci::statement& st) {
        st.exchange(soci::into(id));
        st.exchange(soci::into(user_id));
        st.exchange(soci::into(name));
        st.exchange(soci::into(token_hash));
        st.exchange(soci::into(created_at));
        st.exchange(soci::into(expires_at, expires_i));
        st.exchange(soci::into(last_used_at, used_i));
        st.exchange(soci::into(revoked_at, revoked_i));
    }
    api_token record() const {
        return {id,
                user_id,
                name,
                token_hash,
                detail::from_db(created_at),
                detail::time_or_null(expires_at, expires_i),
                detail::time_or_null(last_used_at, used_i),
                detail::time_or_null(revoked_at, revoked_i)};
    }
};

std::string select_tokens() { return fmt::format("SELECT {} FROM api_tokens", token_row::columns); }

}  // namespace

issued_token token_repository::issue(const std::string& user_id, const std::string& name,
                                     std::optional<time_point> expires_at) {
    auto secret = new_token_secret();
    auto token = add(user_id, name, secret, expires_at);
    return {std::move(token), std::move(secret)};
}

api_token token_repository::add(const std::string& user_id, const std::string& name, const std::string& secret,
                                std::optional<time_point> expires_at) {
    api_token t{new_uuid(), user_id, name, hash_token(secret), now(), expires_at, std::nullopt, std::nullopt};
    runner_->call(access::write, [&](connection& c) {
        if (detail::query_int(c, "SELECT count(*) FROM users WHERE id = :id", soci::use(user_id)).value_or(0) == 0)
            throw store_not_found(fmt::format("user {} not found", user_id));
        const long long created = detail::to_db(t.created_at);
        detail::nullable_int expires(t.expires_at);
        detail::exec(c,
                     "INSERT INTO api_tokens (id, user_id, name, token_hash, created_at, expires_at) "
                     "VALUES (:id, :u, :n, :h, :c, :e)",
                     soci::use(t.id), soci::use(t.user_id), soci::use(t.name), soci::use(t.token_hash),
                     soci::use(created), soci::use(expires.value, expires.ind));
    });
    return t;
}

std::optional<api_token> token_repository::find_by_hash(const std::string& token_hash) {
    return runner_->call(access::read, [&](connection& c) {
        return detail::query_row<token_row>(c, select_tokens() + " WHERE token_hash = :h", soci::use(token_hash));
    });
}

std::optional<api_token> token_repository::find_by_secret(const std::string& secret) {
    return find_by_hash(hash_token(secret));
}

std::optional<api_token> token_repository::get(const std::string& id) {
    return runner_->call(access::read, [&](connection& c) {
        return detail::query_row<token_row>(c, select_tokens() + " WHERE id = :id", soci::use(id));
    });
}

std::vector<api_token> token_repository::list(const std::optional<std::string>& user_id) {
    return runner_->call(access::read, [&](connection& c) {
        detail::filter f;
        if (user_id) f.add("user_id = :u", *user_id);
        return detail::query_filtered<token_row>(c, select_tokens(), f, " ORDER BY created_at DESC, id",
                                                 page{1000000, 0});
    });
}

bool token_repository::revoke(const std::string& id) {
    return runner_->call(access::write, [&](connection& c) {
        const long long at = detail::to_db(now());
        if (detail::exec(c, "UPDATE api_tokens SET revoked_at = :r WHERE id = :id AND revoked_at IS NULL",
                         soci::use(at), soci::use(id)) > 0)
            return true;
        if (detail::query_int(c, "SELECT count(*) FROM api_tokens WHERE id = :id", soci::use(id)).value_or(0) == 0)
            throw store_not_found(fmt::format("token {} not found", id));
        return false;
    });
}

void token_repository::touch(const std::string& id, time_point used_at) {
    runner_->call(access::write, [&](connection& c) {
        const long long at = detail::to_db(used_at);
        detail::exec(c, "UPDATE api_tokens SET last_used_at = :t WHERE id = :id", soci::use(at), soci::use(id));
    });
}

}  // namespace chainbot::store
