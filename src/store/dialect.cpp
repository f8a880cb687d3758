#include "store/dialect.hpp"

#include <fmt/format.h>

namespace chainbot::store::detail {

namespace {
void replace_all(std::string& s, std::string_view from, std::string_view to) {
    for (auto pos = s.find(from); pos != std::string::npos; pos = s.find(from, pos + to.size()))
        s.replace(pos, from.size(), to);
}
}  // namespace

std::string_view dialect::begin(access a) const noexcept {
    if (kind_ == backend_kind::sqlite && a == access::write) return "BEGIN IMMEDIATE";
    return "BEGIN";
}

std::vector<std::string> dialect::session_setup(const session_settings& s) const {
    if (kind_ != backend_kind::sqlite) return {};
    // busy_timeout first: switching to WAL needs a lock another connection may hold.
    // temp_store = MEMORY: a statement journal (opened by most writes inside a transaction)
    // then grows in 1 KB pieces. Otherwise its first write allocates a 64 KB buffer, freed at
    // the statement's end: glibc consolidated and trimmed the heap (brk, TLB shootdowns) at
    // each of the group-commit writer's statements. Temporary tables and sorts stay in memory
    // too; the store's queries are paged, so they stay small.
    // cache_size: each pooled connection has a page cache of its own, which fills up to this
    // size as the database grows (SQLite's default, 2,000 KiB, made ten connections up to 20 MB
    // of a Raspberry Pi's memory); the kernel's file cache, shared, holds the other hot pages.
    return {fmt::format("PRAGMA busy_timeout = {}", s.busy_timeout.count()), "PRAGMA journal_mode = WAL",
            "PRAGMA foreign_keys = ON", fmt::format("PRAGMA synchronous = {}", s.synchronous),
            "PRAGMA temp_store = MEMORY", fmt::format("PRAGMA cache_size = -{}", s.cache_kib)};
}

std::string dialect::expand(std::string_view portable_sql) const {
    std::string sql(portable_sql);
    replace_all(sql, "{serial_pk}",
                kind_ == backend_kind::sqlite ? "INTEGER PRIMARY KEY AUTOINCREMENT"
                                              : "BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY");
    return sql;
}

std::string_view dialect::table_exists_query() const noexcept {
    if (kind_ == backend_kind::sqlite) return "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = :name";
    return "SELECT count(*) FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = "
           ":name";
}

std::string_view dialect::migration_lock() const noexcept {
    return kind_ == backend_kind::sqlite ? "" : "LOCK TABLE schema_migrations IN EXCLUSIVE MODE";
}

std::string_view dialect::for_update() const noexcept { return kind_ == backend_kind::sqlite ? "" : " FOR UPDATE"; }
std::string_view dialect::for_share() const noexcept { return kind_ == backend_kind::sqlite ? "" : " FOR SHARE"; }

std::string_view dialect::skip_locked() const noexcept {
    return kind_ == backend_kind::sqlite ? "" : " FOR UPDATE SKIP LOCKED";
}
std::string_view dialect::now_ms() const noexcept {
    return kind_ == backend_kind::sqlite ? "CAST((julianday('now') - 2440587.5) * 86400000.0 AS BIGINT)"
                                         : "CAST(extract(epoch FROM clock_timestamp()) * 1000 AS BIGINT)";
}

}  // namespace chainbot::store::detail
