#pragma once
// Internal (includes SOCI). Small helpers for running bound statements.
//
// Every value reaches the database as a bound parameter. SOCI keeps a reference to what
// use() and into() are given until the statement has run, so they must be named
// variables that outlive the call (a temporary dies before the statement executes).

#include "store/connection.hpp"
#include "store/types.hpp"

#include <soci/soci.h>

#include <deque>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

namespace chainbot::store::detail {

inline long long to_db(time_point t) noexcept { return t.time_since_epoch().count(); }
inline time_point from_db(long long ms) noexcept { return time_point(std::chrono::milliseconds(ms)); }

/// @brief A text parameter that may be NULL, with its indicator beside it.
struct nullable_text {
    nullable_text() = default;
    explicit nullable_text(const std::optional<std::string>& v)
        : value(v.value_or(std::string())), ind(v ? soci::i_ok : soci::i_null) {}
    std::string value;
    soci::indicator ind = soci::i_null;
};

/// @brief An integer (or timestamp) parameter that may be NULL.
struct nullable_int {
    nullable_int() = default;
    explicit nullable_int(std::optional<long long> v) : value(v.value_or(0)), ind(v ? soci::i_ok : soci::i_null) {}
    explicit nullable_int(std::optional<time_point> t)
        : value(t ? to_db(*t) : 0), ind(t ? soci::i_ok : soci::i_null) {}
    long long value = 0;
    soci::indicator ind = soci::i_null;
};

/// @brief A nullable column read back: the value unless the indicator says NULL.
inline std::optional<std::string> text_or_null(const std::string& v, soci::indicator ind) {
    return ind == soci::i_null ? std::nullopt : std::optional<std::string>(v);
}
inline std::optional<time_point> time_or_null(long long v, soci::indicator ind) {
    return ind == soci::i_null ? std::nullopt : std::optional<time_point>(from_db(v));
}

/// @brief Prepares `sql` on `c` with the given into()/use() elements.
template <typename... Elements>
soci::statement prepare(connection& c, std::string_view sql, Elements&&... elements) {
    soci::statement st(c.sql);
    (st.exchange(std::forward<Elements>(elements)), ...);
    st.alloc();
    st.prepare(std::string(sql), soci::details::st_one_time_query);
    st.define_and_bind();
    return st;
}

/// @brief Runs an INSERT, UPDATE or DELETE; returns the number of rows it changed.
template <typename... Uses>
long long exec(connection& c, std::string_view sql, Uses&&... uses) {
    auto st = prepare(c, sql, std::forward<Uses>(uses)...);
    st.execute(true);
    return st.get_affected_rows();
}

/// @brief The first column of the first row as an integer; nullopt without a row or on NULL.
template <typename... Uses>
std::optional<long long> query_int(connection& c, std::string_view sql, Uses&&... uses) {
    long long value = 0;
    soci::indicator ind = soci::i_ok;
    auto st = prepare(c, sql, soci::into(value, ind), std::forward<Uses>(uses)...);
    if (!st.execute(true) || ind == soci::i_null) return std::nullopt;
    return value;
}

/// @brief Reads every row of a SELECT whose columns `Row::bind` maps (Row::columns lists them).
template <typename Row, typename... Uses>
auto query_rows(connection& c, std::string_view sql, Uses&&... uses) {
    Row row;
    soci::statement st(c.sql);
    row.bind(st);
    (st.exchange(std::forward<Uses>(uses)), ...);
    st.alloc();
    st.prepare(std::string(sql), soci::details::st_one_time_query);
    st.define_and_bind();
    st.execute(false);
    std::vector<decltype(row.record())> out;
    while (st.fetch()) out.push_back(row.record());
    return out;
}

/// @brief Like query_rows for a query of at most one row.
template <typename Row, typename... Uses>
auto query_row(connection& c, std::string_view sql, Uses&&... uses) {
    auto rows = query_rows<Row>(c, sql, std::forward<Uses>(uses)...);
    using record = typename decltype(rows)::value_type;
    return rows.empty() ? std::optional<record>() : std::optional<record>(std::move(rows.front()));
}

// ---- kept statements ----------------------------------------------------------------
// The statements every step of a durable execution writes are prepared once per SQLite
// connection and run again with new values: preparing (parsing and planning the SQL) was close
// to half of the group-commit writer's time. The values live in the kept statement, at the
// addresses SOCI bound once; each call copies its arguments there. Arguments are bound in
// order: text, integers, and nullable_text / nullable_int for values that may be NULL.
//
// PostgreSQL runs the same statements unprepared, as before: SOCI names a prepared statement
// on the server and DEALLOCATEs it when destroyed, which fails (and, in SOCI 4.0, may throw from
// a destructor) on a lost connection or inside an aborted transaction, the very cases in which
// a kept statement would be dropped.

inline void bind_value(soci::statement& st, std::string& v) { st.exchange(soci::use(v)); }
inline void bind_value(soci::statement& st, int& v) { st.exchange(soci::use(v)); }
inline void bind_value(soci::statement& st, long long& v) { st.exchange(soci::use(v)); }
inline void bind_value(soci::statement& st, nullable_text& v) { st.exchange(soci::use(v.value, v.ind)); }
inline void bind_value(soci::statement& st, nullable_int& v) { st.exchange(soci::use(v.value, v.ind)); }

/// @brief No row read back (exec_kept).
struct no_row {
    void bind(soci::statement&) {}
};

template <typename Row, typename... Values>
struct kept_with final : kept_statement {
    template <typename... Args>
    kept_with(connection& c, const std::string& sql, soci::details::statement_type type, Args&&... args)
        : values(std::forward<Args>(args)...), st(c.sql) {
        row.bind(st);
        std::apply([&](auto&... v) { (bind_value(st, v), ...); }, values);
        st.alloc();
        st.prepare(sql, type);
        st.define_and_bind();
    }
    Row row;
    std::tuple<Values...> values;
    soci::statement st;
};

/// @brief Runs the statement `sql` with `args` (on SQLite kept prepared on `c`); `then(kept,
/// got_row)` reads the outcome before the statement is finished. A kept statement that failed
/// is dropped (prepared anew next time): SOCI may have released it.
template <typename Row, typename Then, typename... Args>
auto run_kept(connection& c, const std::string& sql, Then&& then, Args&&... args) {
    using entry = kept_with<Row, std::decay_t<Args>...>;
    if (c.sql_dialect.kind() != backend_kind::sqlite) {
        entry once(c, sql, soci::details::st_one_time_query, std::forward<Args>(args)...);
        return then(once, once.st.execute(true));
    }
    auto& slot = c.kept[sql];
    auto* kept = dynamic_cast<entry*>(slot.get());
    if (kept) {
        kept->values = std::forward_as_tuple(std::forward<Args>(args)...);
    } else {  // first use on this connection (or the same text with other types: replaced)
        slot = std::make_unique<entry>(c, sql, soci::details::st_repeatable_query, std::forward<Args>(args)...);
        kept = static_cast<entry*>(slot.get());
    }
    try {
        auto result = then(*kept, kept->st.execute(true));
        c.finish(kept->st);
        return result;
    } catch (...) {
        c.kept.erase(sql);
        throw;
    }
}

/// @brief exec() with the statement kept prepared: returns the number of rows it changed.
template <typename... Args>
long long exec_kept(connection& c, const std::string& sql, Args&&... args) {
    return run_kept<no_row>(
        c, sql, [](auto& k, bool) { return k.st.get_affected_rows(); }, std::forward<Args>(args)...);
}

/// @brief query_row() with the statement kept prepared (a SELECT, or a write ... RETURNING).
template <typename Row, typename... Args>
auto query_row_kept(connection& c, const std::string& sql, Args&&... args) {
    using record = decltype(std::declval<Row&>().record());
    return run_kept<Row>(
        c, sql, [](auto& k, bool got) { return got ? std::optional<record>(k.row.record()) : std::optional<record>(); },
        std::forward<Args>(args)...);
}

/// @brief A row of one integer column (never NULL), for query_row_kept.
struct int_row {
    long long value = 0;
    void bind(soci::statement& st) { st.exchange(soci::into(value)); }
    long long record() const { return value; }
};

/// @brief A row of one text column, for query_rows (ids, names).
struct text_row {
    std::string value;
    void bind(soci::statement& st) { st.exchange(soci::into(value)); }
    std::string record() const { return value; }
};

/// @brief A WHERE clause built from optional filters, with the values it binds.
/// Values are kept in deques so their addresses stay put for SOCI.
class filter {
public:
    void add(std::string_view condition, std::string value) {
        texts_.push_back(std::move(value));
        add_condition(condition);
        order_.emplace_back(true, texts_.size() - 1);
    }
    /// @brief A condition binding the same text twice, e.g. "(a = :x OR b = :y)".
    void add_twice(std::string_view condition, const std::string& value) {
        add(condition, value);
        texts_.push_back(value);
        order_.emplace_back(true, texts_.size() - 1);
    }
    void add(std::string_view condition, long long value) {
        ints_.push_back(value);
        add_condition(condition);
        order_.emplace_back(false, ints_.size() - 1);
    }
    /// @brief " WHERE a AND b" or "".
    const std::string& where() const noexcept { return where_; }
    /// @brief Adds the use() elements, in the order the conditions were added.
    void bind(soci::statement& st) {
        for (const auto& [is_text, index] : order_) {
            if (is_text)
                st.exchange(soci::use(texts_[index]));
            else
                st.exchange(soci::use(ints_[index]));
        }
    }

private:
    void add_condition(std::string_view condition) {
        where_ += where_.empty() ? " WHERE " : " AND ";
        where_ += condition;
    }
    std::string where_;
    std::deque<std::string> texts_;
    std::deque<long long> ints_;
    std::vector<std::pair<bool, std::size_t>> order_;
};

/// @brief query_rows for a filtered list: `sql_head` + filter + `sql_tail` (ORDER BY ... LIMIT :l OFFSET :o).
template <typename Row>
auto query_filtered(connection& c, std::string_view sql_head, filter& f, std::string_view sql_tail, const page& p) {
    Row row;
    long long limit = static_cast<long long>(p.limit);
    long long offset = static_cast<long long>(p.offset);
    soci::statement st(c.sql);
    row.bind(st);
    f.bind(st);
    st.exchange(soci::use(limit));
    st.exchange(soci::use(offset));
    st.alloc();
    st.prepare(std::string(sql_head) + f.where() + std::string(sql_tail) + " LIMIT :limit OFFSET :offset",
               soci::details::st_one_time_query);
    st.define_and_bind();
    st.execute(false);
    std::vector<decltype(row.record())> out;
    while (st.fetch()) out.push_back(row.record());
    return out;
}

/// @brief count(*) over `table` with the filter.
inline long long count_filtered(connection& c, std::string_view table, filter& f) {
    long long n = 0;
    soci::statement st(c.sql);
    st.exchange(soci::into(n));
    f.bind(st);
    st.alloc();
    st.prepare("SELECT count(*) FROM " + std::string(table) + f.where(), soci::details::st_one_time_query);
    st.define_and_bind();
    st.execute(true);
    return n;
}

/// @brief count(*) per value of `column` in `table`, in one statement: the counts are one
/// snapshot (they add up to the total), where a count per value would each see a different
/// moment. Values with no row are absent.
inline std::vector<std::pair<std::string, long long>> count_grouped(connection& c, std::string_view table,
                                                                    std::string_view column) {
    std::vector<std::pair<std::string, long long>> out;
    std::string value;
    long long n = 0;
    soci::statement st(c.sql);
    st.exchange(soci::into(value));
    st.exchange(soci::into(n));
    st.alloc();
    const std::string col(column);
    st.prepare("SELECT " + col + ", count(*) FROM " + std::string(table) + " GROUP BY " + col,
               soci::details::st_one_time_query);
    st.define_and_bind();
    st.execute(false);
    while (st.fetch()) out.emplace_back(value, n);
    return out;
}

/// @brief count_grouped with the values parsed (`parse` returns an optional); a value that
/// does not parse is left out.
template <typename Key, typename Parse>
std::map<Key, std::size_t> count_grouped_as(connection& c, std::string_view table, std::string_view column,
                                            Parse parse) {
    std::map<Key, std::size_t> out;
    for (const auto& [value, n] : count_grouped(c, table, column))
        if (const auto k = parse(value)) out[*k] = static_cast<std::size_t>(n);
    return out;
}

}  // namespace chainbot::store::detail
