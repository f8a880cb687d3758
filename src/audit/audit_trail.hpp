#pragma once
/// @file audit_trail.hpp
/// @brief The append-only audit trail: who did what to which resource, when, with what
/// outcome. record() masks secrets and queues the entry; one writer thread appends
/// queued entries through the store, so callers (I/O threads, event observers) never
/// wait on the database.
///
/// The queue is bounded (queue_capacity). When it is full an entry is dropped, counted in
/// dropped() and reported through the error callback; the trail never slows the server.
/// Before start() and after stop() record() writes on the caller's thread instead, so
/// nothing is lost around the lifecycle edges. The time of an entry is taken (from the
/// store's clock) when it is recorded, not when it is written.
///
/// @code
///   trail.record({.user_id = who.user_id, .token_id = who.token_id, .action = "workflow.delete",
///                 .resource = "workflows/" + id, .metadata = {{"reason", "cleanup"}}, .client = req.remote_address});
/// @endcode

#include "audit/secret_masker.hpp"

#include "store/audit_repository.hpp"

#include <boost/json/value.hpp>

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

namespace chainbot::store {
class database;
}

namespace chainbot::audit {

/// @brief One audited fact.
struct record {
    std::optional<std::string> user_id;
    std::optional<std::string> token_id;
    std::string action;    ///< e.g. auth.denied, token.issue, workflow.started
    std::string resource;  ///< e.g. /api/chainbot/workflows, tokens/<id>, executions/<id>
    boost::json::value metadata = nullptr;  ///< masked before it is stored
    bool success = true;
    std::optional<std::string> client;  ///< the client address
};

struct trail_options {
    std::size_t queue_capacity = 4096;
    masker_options masking;
};

class audit_trail {
public:
    using store_getter = std::function<std::shared_ptr<store::database>()>;
    using error_callback = std::function<void(std::string_view what)>;

    explicit audit_trail(store_getter store, trail_options options = {});
    ~audit_trail();
    audit_trail(const audit_trail&) = delete;
    audit_trail& operator=(const audit_trail&) = delete;

    /// @brief Starts the writer thread. `masking` replaces the masking options (configured names).
    void start(std::optional<masker_options> masking = std::nullopt);
    /// @brief Writes what is queued, then stops the writer. Never throws.
    void stop() noexcept;
    /// @brief Receives write failures and drops (never secrets). Set before start.
    void on_error(error_callback cb);

    /// @brief Masks and queues `r`; false when it was dropped (queue full).
    bool record(record r);
    /// @brief Returns once every entry recorded before the call is written (or failed). The
    /// writer lingers up to 20 ms for more entries to write in one transaction; a flush cuts
    /// that short.
    void flush();

    /// @brief The stored entries, newest first (blocking; throws the store's errors).
    std::vector<store::audit_entry> list(const store::audit_filter& f, const store::page& p) const;
    std::size_t count(const store::audit_filter& f) const;

    std::uint64_t written() const noexcept { return written_.load(); }
    std::uint64_t dropped() const noexcept { return dropped_.load(); }
    std::uint64_t failed() const noexcept { return failed_.load(); }
    std::size_t queued() const;

private:
    store::new_audit_entry to_entry(const audit::record& r) const;
    void write(const store::new_audit_entry& e) noexcept;
    void report(std::string_view what) const noexcept;
    void run();

    store_getter store_;
    trail_options options_;
    std::shared_ptr<const secret_masker> masker_;
    error_callback on_error_;

    mutable std::mutex mutex_;
    std::condition_variable wake_;
    std::condition_variable drained_;
    std::deque<store::new_audit_entry> queue_;
    std::uint64_t enqueued_ = 0;   // entries ever queued
    std::uint64_t completed_ = 0;  // entries taken off the queue and written or failed
    std::size_t flushing_ = 0;     // flush() calls waiting: the writer does not linger
    bool running_ = false;
    bool stopping_ = false;
    std::thread writer_;

    std::atomic<std::uint64_t> written_{0};
    std::atomic<std::uint64_t> dropped_{0};
    std::atomic<std::uint64_t> failed_{0};
};

}  // namespace chainbot::audit
