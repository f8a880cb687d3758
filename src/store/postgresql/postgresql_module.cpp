// libchainbot_postgresql.so: what ChainBot needs of SOCI's PostgreSQL backend and of libpq,
// loaded only for postgresql:// databases (see store/postgresql_support.hpp).
#include "store/postgresql_support.hpp"

#include <soci/postgresql/soci-postgresql.h>
#include <soci/soci.h>
#include <libpq-fe.h>

#include <poll.h>

namespace chainbot::store::detail {
namespace {

class support final : public postgresql_support {
public:
    void open(soci::session& s, const std::string& connect_string) const override {
        s.open(soci::postgresql, connect_string);
    }

    bool alive(soci::session& s) const noexcept override {
        // static_cast: only sessions opened by open() are asked, and SOCI exports no typeinfo
        // for its backends.
        auto* backend = static_cast<soci::postgresql_session_backend*>(s.get_backend());
        return backend != nullptr && backend->conn_ != nullptr && PQstatus(backend->conn_) == CONNECTION_OK;
    }

    std::optional<std::string> sqlstate(const std::exception& e) const noexcept override {
        const auto* pg = dynamic_cast<const soci::postgresql_soci_error*>(&e);
        if (!pg) return std::nullopt;
        try {
            return pg->sqlstate();
        } catch (...) {
            return std::string();
        }
    }

    void listen(const std::string& connect_string, const std::vector<std::string>& channels, int wake_fd,
                const std::atomic<bool>& stopping,
                const std::function<void(const std::string&, const std::string&)>& on_notify,
                const std::function<void(const std::string&)>& on_error) const override {
        PGconn* conn = nullptr;
        auto report = [&](const std::string& what) {
            try {
                if (on_error) on_error(what);
            } catch (...) {
            }
        };
        auto notify = [&](const std::string& channel, const std::string& payload) {
            try {
                on_notify(channel, payload);
            } catch (...) {
            }
        };
        // Waits up to `ms` for the stop signal or (with a socket) for input; false when stopping.
        auto wait = [&](int sock, int ms) {
            pollfd fds[2] = {{wake_fd, POLLIN, 0}, {sock, POLLIN, 0}};
            ::poll(fds, sock >= 0 ? 2 : 1, ms);
            return !stopping.load();
        };
        bool reported_down = false;
        while (!stopping) {
            if (!conn || PQstatus(conn) != CONNECTION_OK) {
                if (conn) PQfinish(conn);
                conn = PQconnectdb(connect_string.c_str());
                bool ok = PQstatus(conn) == CONNECTION_OK;
                for (const auto& ch : channels) {
                    if (!ok) break;
                    char* quoted = PQescapeIdentifier(conn, ch.c_str(), ch.size());
                    PGresult* r = PQexec(conn, (std::string("LISTEN ") + quoted).c_str());
                    PQfreemem(quoted);
                    ok = PQresultStatus(r) == PGRES_COMMAND_OK;
                    PQclear(r);
                }
                if (!ok) {
                    if (!reported_down) report(std::string("cannot listen for notifications: ") + PQerrorMessage(conn));
                    reported_down = true;
                    PQfinish(conn);
                    conn = nullptr;
                    if (!wait(-1, 1000)) break;
                    continue;
                }
                reported_down = false;
                notify("", "");  // (re)connected: anything sent before now may have been missed
            }
            if (!wait(PQsocket(conn), 60000)) break;
            if (!PQconsumeInput(conn)) {
                report(std::string("notification connection lost: ") + PQerrorMessage(conn));
                PQfinish(conn);
                conn = nullptr;
                continue;
            }
            while (PGnotify* n = PQnotifies(conn)) {
                std::string channel = n->relname ? n->relname : "", payload = n->extra ? n->extra : "";
                PQfreemem(n);
                notify(channel, payload);
            }
        }
        if (conn) PQfinish(conn);
    }
};

}  // namespace
}  // namespace chainbot::store::detail

extern "C" __attribute__((visibility("default"))) const chainbot::store::detail::postgresql_support*
chainbot_postgresql_support(int version) {
    static const chainbot::store::detail::support instance;
    return version == chainbot::store::detail::postgresql_support::interface_version ? &instance : nullptr;
}
