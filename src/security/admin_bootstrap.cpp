#include "security/admin_bootstrap.hpp"

#include "security/permissions.hpp"

#include "store/crypto.hpp"
#include "store/database.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>

namespace chainbot::security {

namespace {

[[noreturn]] void throw_errno(const std::string& what) { throw std::system_error(errno, std::generic_category(), what); }

}  // namespace

void write_owner_only_file(const std::filesystem::path& path, std::string_view secret) {
    const auto tmp = path.string() + ".tmp";
    ::unlink(tmp.c_str());
    // O_EXCL + O_NOFOLLOW: never write through a link someone planted in the data directory.
    const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, S_IRUSR | S_IWUSR);
    if (fd < 0) throw_errno("cannot create " + tmp);
    const std::string content = std::string(secret) + "\n";
    bool ok = ::fchmod(fd, S_IRUSR | S_IWUSR) == 0;
    std::size_t done = 0;
    while (ok && done < content.size()) {
        const auto n = ::write(fd, content.data() + done, content.size() - done);
        if (n < 0 && errno == EINTR) continue;
        ok = n > 0;
        if (ok) done += static_cast<std::size_t>(n);
    }
    ok = ok && ::fsync(fd) == 0;
    const int saved = errno;
    ::close(fd);
    if (!ok || ::rename(tmp.c_str(), path.c_str()) != 0) {
        const int err = ok ? errno : saved;
        ::unlink(tmp.c_str());
        throw std::system_error(err, std::generic_category(), "cannot write " + path.string());
    }
}

bool has_administrator(store::database& db) {
    store::page p{.limit = 200, .offset = 0};
    for (;;) {
        const auto users = db.users().list(p);
        for (const auto& u : users)
            if (grants(db.users().permissions_of(u.id), permission::admin)) return true;
        if (users.size() < p.limit) return false;
        p.offset += p.limit;
    }
}

bootstrap_result bootstrap_admin(store::database& db, const std::filesystem::path& data_dir, std::string_view user_name) {
    bootstrap_result result;
    if (has_administrator(db)) return result;
    if (db.users().find_by_name(std::string(user_name))) {
        // Granting admin to an existing account behind the operators' backs would be worse.
        result.problem = "no user holds chainbot:admin, and a user named '" + std::string(user_name) +
                         "' exists without it; grant it the admin role through the host CLI";
        return result;
    }
    const auto secret = store::new_token_secret();
    const auto file = data_dir / admin_token_file_name;
    std::filesystem::create_directories(data_dir);
    write_owner_only_file(file, secret);
    try {
        result.user_id = db.in_transaction([&](store::transaction& tx) {
            if (!tx.roles().get("admin")) tx.roles().put({"admin", "every permission", {std::string(permission::admin)}});
            const auto admin = tx.users().create({.name = std::string(user_name), .display_name = "Administrator"});
            tx.users().assign_role(admin.id, "admin");
            tx.tokens().add(admin.id, "initial admin token", secret);
            return admin.id;
        });
    } catch (...) {
        std::error_code ec;
        std::filesystem::remove(file, ec);
        throw;
    }
    result.created = true;
    result.token_file = file;
    return result;
}

}  // namespace chainbot::security
