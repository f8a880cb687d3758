#pragma once
// Internal. What a repository runs its SQL through: either the pool (each call its own
// transaction, retried on transient errors) or an open transaction (the caller's).

#include "store/dialect.hpp"

#include <functional>
#include <optional>
#include <type_traits>
#include <utility>

namespace chainbot::store::detail {

struct connection;

class runner {
public:
    virtual ~runner() = default;
    /// @brief Runs `body` on a connection inside a transaction. `body` may run more than
    /// once (retries), so it must not have effects outside the database.
    virtual void run(access a, const std::function<void(connection&)>& body) = 0;

    /// @brief run() for a body that returns a value.
    template <typename F>
    auto call(access a, F&& body) {
        using result = std::invoke_result_t<F&, connection&>;
        if constexpr (std::is_void_v<result>) {
            run(a, [&](connection& c) { body(c); });
        } else {
            std::optional<result> out;
            run(a, [&](connection& c) { out.emplace(body(c)); });
            return std::move(*out);
        }
    }
};

/// @brief The runner of an open transaction: every call goes to its one connection.
class transaction_runner final : public runner {
public:
    explicit transaction_runner(connection& c) : connection_(c) {}
    void run(access, const std::function<void(connection&)>& body) override { body(connection_); }

private:
    connection& connection_;
};

}  // namespace chainbot::store::detail
