#pragma once
// The audit trail. Append-only: this interface has no update or delete, and the database
// itself refuses UPDATE and DELETE on the table (triggers), whoever asks.

#include "store/types.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace chainbot::store {

namespace detail {
class runner;
}

struct audit_entry {
    std::int64_t id = 0;  // increases with each entry
    time_point at;
    std::optional<std::string> user_id;
    std::optional<std::string> token_id;
    std::string action;    // e.g. workflow.create, auth.denied
    std::string resource;  // e.g. workflows/<id>
    bool success = true;
    std::optional<std::string> client;    // the client address
    std::optional<std::string> metadata;  // JSON text, secrets already masked by the caller
};

struct new_audit_entry {
    std::optional<std::string> user_id;
    std::optional<std::string> token_id;
    std::string action;
    std::string resource;
    bool success = true;
    std::optional<std::string> client;
    std::optional<std::string> metadata;
    std::optional<time_point> at;  // now when empty
};

struct audit_filter {
    std::optional<std::string> user_id;
    std::optional<std::string> action;
    std::optional<std::string> resource;
    std::optional<bool> success;
    std::optional<time_point> since;  // inclusive
    std::optional<time_point> until;  // exclusive
};

class audit_repository {
public:
    explicit audit_repository(detail::runner& r) : runner_(&r) {}

    /// @brief Appends an entry; returns its id.
    std::int64_t append(const new_audit_entry& e);
    /// @brief Newest first.
    std::vector<audit_entry> list(const audit_filter& f = {}, const page& p = {});
    std::size_t count(const audit_filter& f = {});

private:
    detail::runner* runner_;
};

}  // namespace chainbot::store
