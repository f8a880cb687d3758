#include "store/audit_repository.hpp"

#include "store/runner.hpp"
#include "store/sql.hpp"

#include <fmt/format.h>

namespace chainbot::store {

namespace {

using detail::access;
using detail::connection;

struct audit_row {
    static constexpr std::string_view columns =
        "id, at, user_id, token_id, action, resource, success, client, metadata";
    long long id = 0, at = 0;
    int success = 0;
    std::string user_id, token_id, action, resource, client, metadata;
    soci::indicator user_i{}, token_i{}, client_i{}, metadata_i{};

    void bind(soci::statement& st) {
        st.exchange(soci::into(id));
        st.exchange(soci::into(at));
        st.exchange(soci::into(user_id, user_i));
        st.exchange(soci::into(token_id, token_i));
        st.exchange(soci::into(action));
        st.exchange(soci::into(resource));
        st.exchange(soci::into(success));
        st.exchange(soci::into(client, client_i));
        st.exchange(soci::into(metadata, metadata_i));
    }
    audit_entry record() const {
        return {id,
                detail::from_db(at),
                detail::text_or_null(user_id, user_i),
                detail::text_or_null(token_id, token_i),
                action,
                resource,
                success != 0,
                detail::text_or_null(client, client_i),
                detail::text_or_null(metadata, metadata_i)};
    }
};

void apply_filter(detail::filter& f, const audit_filter& af) {
    if (af.user_id) f.add("user_id = :u", *af.user_id);
    if (af.action) f.add("action = :a", *af.action);
    if (af.resource) f.add("resource = :r", *af.resource);
    if (af.success) f.add("success = :s", static_cast<long long>(*af.success ? 1 : 0));
    if (af.since) f.add("at >= :since", detail::to_db(*af.since));
    if (af.until) f.add("at < :until", detail::to_db(*af.until));
}

}  // namespace

std::int64_t audit_repository::append(const new_audit_entry& e) {
    return runner_->call(access::write, [&](connection& c) {
        // Kept prepared: every audited request writes one (the audit trail's batches).
        static const std::string sql =
            "INSERT INTO audit_log (at, user_id, token_id, action, resource, success, client, metadata) "
            "VALUES (:at, :u, :t, :a, :r, :s, :c, :m) RETURNING id";
        const long long at = detail::to_db(e.at.value_or(now()));
        const int success = e.success ? 1 : 0;
        const auto id = detail::query_row_kept<detail::int_row>(
            c, sql, at, detail::nullable_text(e.user_id), detail::nullable_text(e.token_id), e.action, e.resource,
            success, detail::nullable_text(e.client), detail::nullable_text(e.metadata));
        return static_cast<std::int64_t>(id.value_or(0));
    });
}

std::vector<audit_entry> audit_repository::list(const audit_filter& af, const page& p) {
    return runner_->call(access::read, [&](connection& c) {
        detail::filter f;
        apply_filter(f, af);
        return detail::query_filtered<audit_row>(c, fmt::format("SELECT {} FROM audit_log", audit_row::columns), f,
                                                 " ORDER BY id DESC", p);
    });
}

std::size_t audit_repository::count(const audit_filter& af) {
    return runner_->call(access::read, [&](connection& c) {
        detail::filter f;
        apply_filter(f, af);
        return static_cast<std::size_t>(detail::count_filtered(c, "audit_log", f));
    });
}

}  // namespace chainbot::store
