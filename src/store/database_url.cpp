#include "store/database_url.hpp"

#include "store/errors.hpp"

#include <fmt/format.h>

#include <cctype>
#include <vector>

namespace chainbot::store {

namespace {

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

std::string percent_decode(std::string_view s, std::string_view what) {
    std::string out;
    out.reserve(s.size());
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] != '%') {
            out.push_back(s[i]);
            continue;
        }
        const int hi = i + 2 < s.size() ? hex_value(s[i + 1]) : -1;
        const int lo = i + 2 < s.size() ? hex_value(s[i + 2]) : -1;
        if (hi < 0 || lo < 0) throw store_error(fmt::format("database.url: bad percent-escape in the {}", what));
        out.push_back(static_cast<char>(hi * 16 + lo));
        i += 2;
    }
    return out;
}

/// libpq's keyword=value syntax: single quotes, with \ and ' escaped by a backslash.
std::string libpq_quote(std::string_view value) {
    std::string out = "'";
    for (char c : value) {
        if (c == '\\' || c == '\'') out.push_back('\\');
        out.push_back(c);
    }
    out.push_back('\'');
    return out;
}

void add_param(std::string& conn, std::string_view key, std::string_view value) {
    if (!conn.empty()) conn.push_back(' ');
    conn.append(key);
    conn.push_back('=');
    conn += libpq_quote(value);
}

std::string mask(std::string_view url, std::size_t rest_start, std::size_t at) {
    if (at == std::string_view::npos) return std::string(url);
    const auto colon = url.find(':', rest_start);
    if (colon == std::string_view::npos || colon > at) return std::string(url);
    return std::string(url.substr(0, colon + 1)) + "***" + std::string(url.substr(at));
}

connection_target sqlite_target(std::string_view url, std::string_view rest) {
    connection_target t;
    t.backend = backend_kind::sqlite;
    t.masked_url = std::string(url);
    t.sqlite_path = percent_decode(rest, "SQLite path");
    if (t.sqlite_path.empty() || t.sqlite_path == "/")
        throw store_error("database.url: no database file after sqlite://");
    if (t.sqlite_path == ":memory:" || t.sqlite_path.starts_with("file:"))
        throw store_error("database.url: the store needs an SQLite database file (a connection pool cannot share "
                          "an in-memory database)");
    if (t.sqlite_path.find('"') != std::string::npos)
        throw store_error("database.url: the SQLite path may not contain a double quote");
    t.connect_string = "db=\"" + t.sqlite_path + "\"";
    return t;
}

connection_target postgresql_target(std::string_view url, std::string_view rest, std::chrono::seconds timeout) {
    connection_target t;
    t.backend = backend_kind::postgresql;
    const std::size_t rest_start = url.size() - rest.size();
    // The password may contain '@', so the user-info ends at the last '@' (as config validates it).
    const auto at = rest.rfind('@');
    t.masked_url = mask(url, rest_start, at == std::string_view::npos ? at : rest_start + at);

    std::string conn;
    std::string_view host_part = rest;
    if (at != std::string_view::npos) {
        const std::string_view user_info = rest.substr(0, at);
        host_part = rest.substr(at + 1);
        const auto colon = user_info.find(':');
        add_param(conn, "user", percent_decode(user_info.substr(0, colon), "user name"));
        if (colon != std::string_view::npos)
            add_param(conn, "password", percent_decode(user_info.substr(colon + 1), "password"));
    }
    const auto slash = host_part.find('/');
    if (slash == std::string_view::npos) throw store_error("database.url: no /database after the host");
    std::string_view host_port = host_part.substr(0, slash);
    std::string_view path = host_part.substr(slash + 1);
    std::string_view query;
    if (const auto q = path.find('?'); q != std::string_view::npos) {
        query = path.substr(q + 1);
        path = path.substr(0, q);
    }
    std::string_view host = host_port;
    std::string_view port;
    if (host_port.starts_with('[')) {
        const auto close = host_port.find(']');
        if (close == std::string_view::npos) throw store_error("database.url: unclosed [ in the host");
        host = host_port.substr(1, close - 1);
        if (host_port.size() > close + 1 && host_port[close + 1] == ':') port = host_port.substr(close + 2);
    } else if (const auto colon = host_port.rfind(':'); colon != std::string_view::npos) {
        host = host_port.substr(0, colon);
        port = host_port.substr(colon + 1);
    }
    if (host.empty()) throw store_error("database.url: no host");
    if (path.empty()) throw store_error("database.url: no database name after the host");
    add_param(conn, "host", host);
    if (!port.empty()) add_param(conn, "port", port);
    add_param(conn, "dbname", percent_decode(path, "database name"));

    bool has_timeout = false;
    while (!query.empty()) {
        const auto amp = query.find('&');
        const std::string_view item = query.substr(0, amp);
        query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
        if (item.empty()) continue;
        const auto eq = item.find('=');
        if (eq == std::string_view::npos) throw store_error("database.url: a query parameter without '='");
        const std::string key = percent_decode(item.substr(0, eq), "query");
        if (key == "connect_timeout") has_timeout = true;
        add_param(conn, key, percent_decode(item.substr(eq + 1), "query"));
    }
    if (!has_timeout) add_param(conn, "connect_timeout", std::to_string(timeout.count()));
    add_param(conn, "application_name", "chainbot");
    t.connect_string = std::move(conn);
    return t;
}

}  // namespace

connection_target parse_database_url(std::string_view url, std::chrono::seconds connect_timeout) {
    if (url.empty()) throw store_error("database.url is empty");
    for (unsigned char c : url)
        if (std::isspace(c) || std::iscntrl(c)) throw store_error("database.url: it contains whitespace");
    const auto scheme_end = url.find("://");
    if (scheme_end == std::string_view::npos) throw store_error("database.url: no scheme:// at the start");
    const std::string_view scheme = url.substr(0, scheme_end);
    const std::string_view rest = url.substr(scheme_end + 3);
    if (scheme == "sqlite") return sqlite_target(url, rest);
    if (scheme == "postgresql" || scheme == "postgres") return postgresql_target(url, rest, connect_timeout);
    throw store_error(fmt::format("database.url: unknown scheme \"{}\" (sqlite:// or postgresql://)", scheme));
}

}  // namespace chainbot::store
