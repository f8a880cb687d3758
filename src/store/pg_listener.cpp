#include "store/pg_listener.hpp"

#include <libpq-fe.h>

#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <chrono>

namespace chainbot::store {

notification_listener::notification_listener(std::string connect_string, std::vector<std::string> channels,
                                             handler on_notify, error_handler on_error)
    : connect_string_(std::move(connect_string)),
      channels_(std::move(channels)),
      on_notify_(std::move(on_notify)),
      on_error_(std::move(on_error)),
      wake_fd_(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) {
    thread_ = std::thread([this] { run(); });
}

notification_listener::~notification_listener() {
    stopping_ = true;
    const std::uint64_t one = 1;
    if (::write(wake_fd_, &one, sizeof one) < 0) {
    }
    if (thread_.joinable()) thread_.join();
    ::close(wake_fd_);
}

void notification_listener::run() {
    PGconn* conn = nullptr;
    auto report = [&](const std::string& what) {
        try {
            if (on_error_) on_error_(what);
        } catch (...) {
        }
    };
    // Waits up to `ms` for the stop signal or (with a socket) for input; false when stopping.
    auto wait = [&](int sock, int ms) {
        pollfd fds[2] = {{wake_fd_, POLLIN, 0}, {sock, POLLIN, 0}};
        ::poll(fds, sock >= 0 ? 2 : 1, ms);
        return !stopping_.load();
    };
    bool reported_down = false;
    while (!stopping_) {
        if (!conn || PQstatus(conn) != CONNECTION_OK) {
            if (conn) PQfinish(conn);
            conn = PQconnectdb(connect_string_.c_str());
            bool ok = PQstatus(conn) == CONNECTION_OK;
            for (const auto& ch : channels_) {
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
            try {
                on_notify_({"", ""});  // (re)connected: anything sent before now may have been missed
            } catch (...) {
            }
        }
        if (!wait(PQsocket(conn), 60000)) break;
        if (!PQconsumeInput(conn)) {
            report(std::string("notification connection lost: ") + PQerrorMessage(conn));
            PQfinish(conn);
            conn = nullptr;
            continue;
        }
        while (PGnotify* n = PQnotifies(conn)) {
            notification note{n->relname ? n->relname : "", n->extra ? n->extra : ""};
            PQfreemem(n);
            try {
                on_notify_(note);
            } catch (...) {
            }
        }
    }
    if (conn) PQfinish(conn);
}

}  // namespace chainbot::store
