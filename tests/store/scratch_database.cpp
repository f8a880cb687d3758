#include "scratch_database.hpp"

#include "store/crypto.hpp"

#include <catch2/catch.hpp>
#include <libpq-fe.h>
#include <sqlite3.h>

#include <cstdlib>
#include <stdexcept>

namespace chainbot::test {

namespace {

struct pg_connection {
    explicit pg_connection(const std::string& url) : conn(PQconnectdb(url.c_str())) {
        if (PQstatus(conn) != CONNECTION_OK) {
            const std::string why = PQerrorMessage(conn);
            PQfinish(conn);
            throw std::runtime_error("cannot connect to " + url + ": " + why);
        }
    }
    ~pg_connection() { PQfinish(conn); }
    std::string run(const std::string& sql) const {
        PGresult* r = PQexec(conn, sql.c_str());
        const auto status = PQresultStatus(r);
        if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
            const std::string why = PQresultErrorMessage(r);
            PQclear(r);
            throw std::runtime_error(why);
        }
        std::string out;
        if (status == PGRES_TUPLES_OK && PQntuples(r) > 0 && !PQgetisnull(r, 0, 0)) out = PQgetvalue(r, 0, 0);
        PQclear(r);
        return out;
    }
    PGconn* conn;
};

std::string sqlite_run(const std::string& path, const std::string& sql) {
    sqlite3* db = nullptr;
    if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr) != SQLITE_OK) {
        const std::string why = db ? sqlite3_errmsg(db) : "out of memory";
        sqlite3_close(db);
        throw std::runtime_error("cannot open " + path + ": " + why);
    }
    sqlite3_busy_timeout(db, 5000);
    sqlite3_stmt* st = nullptr;
    std::string out;
    int rc = sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr);
    if (rc == SQLITE_OK) {
        rc = sqlite3_step(st);
        if (rc == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL)
            out = reinterpret_cast<const char*>(sqlite3_column_text(st, 0));
    }
    const std::string why = sqlite3_errmsg(db);
    sqlite3_finalize(st);
    sqlite3_close(db);
    if (rc != SQLITE_OK && rc != SQLITE_ROW && rc != SQLITE_DONE) throw std::runtime_error(why);
    return out;
}

}  // namespace

std::string postgresql_admin_url() {
    const char* url = std::getenv("CHAINBOT_TEST_PG_URL");
    if (url == nullptr || *url == '\0')
        FAIL("CHAINBOT_TEST_PG_URL is not set: the PostgreSQL half of the store suite needs a server. "
             "Run the tests through scripts/with-postgres.sh (e.g. scripts/with-postgres.sh ctest --test-dir build "
             "-L store), which starts a throwaway PostgreSQL.");
    return url;
}

scratch_database::scratch_database(store::backend_kind kind) : kind_(kind) {
    if (kind == store::backend_kind::sqlite) {
        dir_ = std::make_unique<temp_dir>("chainbot-store");
        url_ = "sqlite://" + (dir_->path() / "chainbot.db").string();
        return;
    }
    pg_admin_url_ = postgresql_admin_url();
    pg_name_ = "chainbot_t_" + store::new_uuid().substr(24) + store::new_uuid().substr(28);  // the random ends
    try {
        pg_connection(pg_admin_url_).run("CREATE DATABASE " + pg_name_);
    } catch (const std::exception& e) {
        FAIL("the PostgreSQL server at CHAINBOT_TEST_PG_URL does not answer (" << e.what()
                                                                               << "); is scripts/with-postgres.sh "
                                                                                  "running it?");
    }
    const auto query = pg_admin_url_.find('?');
    const auto slash = pg_admin_url_.rfind('/', query);
    url_ = pg_admin_url_.substr(0, slash + 1) + pg_name_ +
           (query == std::string::npos ? std::string() : pg_admin_url_.substr(query));
}

scratch_database::~scratch_database() {
    if (pg_name_.empty()) return;
    try {
        pg_connection(pg_admin_url_).run("DROP DATABASE IF EXISTS " + pg_name_ + " WITH (FORCE)");
    } catch (...) {
        // The server is gone with its temporary directory anyway.
    }
}

store::store_options scratch_database::options() const {
    store::store_options o;
    o.url = url_;
    o.pool_size = 4;
    o.max_overflow = 4;
    o.acquire_timeout = std::chrono::seconds(30);
    o.retry.initial_delay = std::chrono::milliseconds(5);
    o.retry.max_delay = std::chrono::milliseconds(200);
    o.retry.max_attempts = 8;
    return o;
}

std::shared_ptr<store::database> scratch_database::open_migrated() const {
    auto db = open();
    db->migrate();
    return db;
}

void scratch_database::raw_exec(const std::string& sql) const { (void)raw_scalar(sql); }

std::string scratch_database::raw_scalar(const std::string& sql) const {
    if (kind_ == store::backend_kind::sqlite) return sqlite_run((dir_->path() / "chainbot.db").string(), sql);
    return pg_connection(url_).run(sql);
}

std::string scratch_database::sqlite_query_plan(const std::string& sql) const {
    REQUIRE(kind_ == store::backend_kind::sqlite);
    const auto path = (dir_->path() / "chainbot.db").string();
    sqlite3* db = nullptr;
    if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
        sqlite3_close(db);
        throw std::runtime_error("cannot open " + path);
    }
    sqlite3_stmt* st = nullptr;
    std::string out;
    int rc = sqlite3_prepare_v2(db, ("EXPLAIN QUERY PLAN " + sql).c_str(), -1, &st, nullptr);
    while (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (!out.empty()) out += "; ";
        out += reinterpret_cast<const char*>(sqlite3_column_text(st, 3));
        rc = SQLITE_OK;
    }
    const std::string why = sqlite3_errmsg(db);
    sqlite3_finalize(st);
    sqlite3_close(db);
    if (rc != SQLITE_DONE) throw std::runtime_error(why);
    return out;
}

bool scratch_database::table_exists(const std::string& table) const {
    const std::string sql =
        kind_ == store::backend_kind::sqlite
            ? "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = '" + table + "'"
            : "SELECT count(*) FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = '" +
                  table + "'";
    return raw_scalar(sql) != "0";
}

}  // namespace chainbot::test
