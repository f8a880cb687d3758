#pragma once
// PostgreSQL support lives in a module of its own, libchainbot_postgresql.so, beside
// libchainbot.so, loaded the first time a postgresql:// database is opened. libpq brings
// GnuTLS, Kerberos, LDAP and SASL with it: about 3.4 MB of resident memory (measured) that a
// module on its SQLite default never needs. Both sides are built by this project with one
// compiler, so the interface is plain C++; the C function the loader looks up carries the
// interface's version.

#include <atomic>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace soci {
class session;
}

namespace chainbot::store::detail {

class postgresql_support {
public:
    static constexpr int interface_version = 1;

    virtual ~postgresql_support() = default;
    /// @brief Opens `s` on PostgreSQL (libpq's key='value' connect string); throws what SOCI throws.
    virtual void open(soci::session& s, const std::string& connect_string) const = 0;
    /// @brief False once the server connection of `s` (opened by open()) is gone.
    virtual bool alive(soci::session& s) const noexcept = 0;
    /// @brief The SQLSTATE of a PostgreSQL backend error; nullopt for any other exception.
    virtual std::optional<std::string> sqlstate(const std::exception& e) const noexcept = 0;
    /// @brief LISTENs on `channels` over a connection of its own until `stopping`, waking on
    /// `wake_fd` (readable: stop) as well as on the socket; reconnects after an outage and then
    /// reports channel "" (notifications may have been missed). Runs on the caller's thread.
    virtual void listen(const std::string& connect_string, const std::vector<std::string>& channels, int wake_fd,
                        const std::atomic<bool>& stopping,
                        const std::function<void(const std::string& channel, const std::string& payload)>& on_notify,
                        const std::function<void(const std::string&)>& on_error) const = 0;
};

class postgresql_unavailable : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

/// @brief The loaded module (loaded once, never unloaded). Looks in $CHAINBOT_POSTGRESQL_MODULE
/// (a file), then beside the program or library holding this code, then where the build put it.
/// Throws postgresql_unavailable naming every place it looked.
const postgresql_support& postgresql();

/// @brief Whether the module is loaded already (without loading it).
const postgresql_support* postgresql_if_loaded() noexcept;

}  // namespace chainbot::store::detail

/// The module's one export: its implementation when `version` is interface_version, else null.
extern "C" const chainbot::store::detail::postgresql_support* chainbot_postgresql_support(int version);
