#include "store/database.hpp"

#include "store/database_impl.hpp"
#include "store/errors.hpp"
#include "store/sql.hpp"

#include "config/settings.hpp"

#include <fmt/format.h>

namespace chainbot::store {

store_options store_options::from(const config::database_settings& db) {
    store_options o;
    o.url = db.url;
    o.pool_size = static_cast<std::size_t>(std::max(1, db.pool_size));
    o.max_overflow = static_cast<std::size_t>(std::max(0, db.max_overflow));
    o.sqlite_cache_kib = db.sqlite_cache_kib;
    return o;
}

namespace {
void check(const store_options& o) {
    const auto& s = o.sqlite_synchronous;
    if (s != "OFF" && s != "NORMAL" && s != "FULL" && s != "EXTRA")
        throw store_error(fmt::format("sqlite_synchronous must be OFF, NORMAL, FULL or EXTRA, not \"{}\"", s));
    if (o.sqlite_cache_kib < 64 || o.sqlite_cache_kib > 1048576)
        throw store_error(fmt::format("sqlite_cache_kib must be 64 to 1048576, not {}", o.sqlite_cache_kib));
    if (o.retry.max_attempts < 1) throw store_error("retry.max_attempts must be at least 1");
}
}  // namespace

std::shared_ptr<database> database::open(store_options options) {
    check(options);
    return std::shared_ptr<database>(new database(std::move(options)));
}

database::database(store_options options) {
    auto target = parse_database_url(options.url, options.connect_timeout);
    impl_ = std::make_unique<detail::database_impl>(std::move(options), std::move(target));
    bind_runner(*impl_);
}

database::~database() = default;

backend_kind database::backend() const noexcept { return impl_->pool().target().backend; }

const std::string& database::masked_url() const noexcept { return impl_->pool().target().masked_url; }

void database::run_transaction(const std::function<void(transaction&)>& body) {
    impl_->run(detail::access::write, [&](detail::connection& c) {
        detail::transaction_runner r(c);
        transaction tx(r);
        body(tx);
    });
}

std::unique_ptr<notification_listener> database::listen(std::vector<std::string> channels,
                                                        notification_listener::handler on_notify,
                                                        notification_listener::error_handler on_error) {
    const auto& target = impl_->pool().target();
    if (target.backend != backend_kind::postgresql) return nullptr;
    return std::make_unique<notification_listener>(target.connect_string, std::move(channels), std::move(on_notify),
                                                   std::move(on_error));
}

void database::notify(const std::string& channel, const std::string& payload) {
    if (backend() != backend_kind::postgresql) return;
    impl_->run(detail::access::write, [&](detail::connection& c) {
        detail::query_int(c, "SELECT 1 FROM (SELECT pg_notify(:c, :p)) AS n", soci::use(channel), soci::use(payload));
    });
}

const std::string& database::sqlite_path() const noexcept { return impl_->pool().target().sqlite_path; }

bool database::ping() noexcept { return impl_->ping(); }

store_health database::health() const { return impl_->health().health(); }

pool_stats database::stats() const { return impl_->stats(); }

std::string database::integrity_check() {
    return impl_->call(detail::access::read, [](detail::connection& c) {
        std::string result = "ok";
        if (c.sql_dialect.kind() == backend_kind::sqlite) {
            c.sql << "PRAGMA integrity_check", soci::into(result);
        } else {
            int one = 0;
            c.sql << "SELECT 1", soci::into(one);
        }
        return result;
    });
}

}  // namespace chainbot::store
