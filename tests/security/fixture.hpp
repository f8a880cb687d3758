#pragma once
// A real SQLite store in a temporary directory, migrated, plus helpers shared by the
// security and audit tests.

#include "security/permissions.hpp"

#include "http/message.hpp"
#include "store/database.hpp"
#include "support/temp_dir.hpp"

#include <chainbot/host_services.hpp>

#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace chainbot::test {

struct security_fixture {
    temp_dir dir{"chainbot-security"};
    std::shared_ptr<store::database> db;

    security_fixture() {
        store::store_options o;
        o.url = "sqlite://" + (dir.path() / "chainbot.db").string();
        o.pool_size = 2;
        o.max_overflow = 2;
        db = store::database::open(o);
        db->migrate();
        security::seed_default_roles(*db);
    }

    std::function<std::shared_ptr<store::database>()> getter() const {
        return [db = db] { return db; };
    }

    /// A user with `roles` and a fresh token; returns {user id, secret}.
    std::pair<std::string, std::string> user_with_token(const std::string& name, const std::vector<std::string>& roles) {
        const auto u = db->users().create({.name = name});
        for (const auto& r : roles) db->users().assign_role(u.id, r);
        return {u.id, db->tokens().issue(u.id, "test").secret};
    }
};

/// A request from `address` with an optional Authorization header.
inline http::request request_with(const std::string& authorization, const std::string& address = "10.0.0.1",
                                  const std::string& path = "/api/chainbot/workflows") {
    http::request r;
    r.method = "GET";
    r.target = path;
    r.path = path;
    r.remote_address = address;
    if (!authorization.empty()) r.headers["authorization"] = authorization;
    return r;
}

/// A clock the test moves by hand.
struct manual_clock {
    std::shared_ptr<std::chrono::steady_clock::time_point> now =
        std::make_shared<std::chrono::steady_clock::time_point>(std::chrono::steady_clock::now());
    std::function<std::chrono::steady_clock::time_point()> fn() const {
        return [now = now] { return *now; };
    }
    void advance(std::chrono::steady_clock::duration d) { *now += d; }
};

/// Keeps every log line.
class captured_log final : public log_sink {
public:
    void write(log_level, std::string_view component, std::string_view message) override {
        std::lock_guard lock(mutex_);
        lines_.push_back(std::string(component) + ": " + std::string(message));
    }
    std::vector<std::string> lines() const {
        std::lock_guard lock(mutex_);
        return lines_;
    }

private:
    mutable std::mutex mutex_;
    std::vector<std::string> lines_;
};

}  // namespace chainbot::test
