#pragma once
// Group commit: the orchestrator's one writer to the store. Callers queue a transition
// (a function of an open transaction) with a completion; a single drain loop on a thread
// of its own runs every queued transition in ONE transaction and then completes each
// of them. A transition is acknowledged only after its commit, so under load many
// executions share one fsync instead of paying one each.

#include "store/database.hpp"

#include <boost/asio/any_io_executor.hpp>

#include <condition_variable>
#include <deque>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

namespace chainbot::orchestrator {

class transition_writer {
public:
    using work = std::function<void(store::transaction&)>;
    /// @brief Called after the commit (nullptr) or the failure (the exception) of the batch.
    using completion = std::function<void(std::exception_ptr)>;

    /// @brief What a completion threw: it is reported here and the drain loop goes on.
    using error_reporter = std::function<void(const std::string&)>;

    /// @brief `max_queue` bounds the queue; submit fails beyond it instead of growing.
    transition_writer(std::shared_ptr<store::database> db, std::size_t max_batch = 256, std::size_t max_queue = 65536,
                      error_reporter report = {});
    ~transition_writer();  ///< drains what is queued, then stops

    /// @brief Queues `w`; `done` runs on the writer thread after the batch commits. It must not
    /// block; what it throws goes to the error reporter, never into the drain loop.
    /// Returns false when the queue is full (the caller decides: retry later or refuse).
    bool submit(work w, completion done);
    /// @brief Blocks until everything submitted so far has committed (tests, shutdown).
    void flush();

    std::size_t queue_depth() const;
    std::uint64_t batches() const noexcept { return batches_; }
    std::uint64_t transitions() const noexcept { return transitions_; }

private:
    struct item {
        work w;
        completion done;
    };
    void run();
    void commit(std::vector<item>& batch);
    void complete(item& i, std::exception_ptr error) noexcept;

    std::shared_ptr<store::database> db_;
    std::size_t max_batch_;
    std::size_t max_queue_;
    error_reporter report_;
    mutable std::mutex mutex_;
    std::condition_variable wake_;
    std::condition_variable drained_;
    std::deque<item> queue_;
    bool stopping_ = false;
    bool busy_ = false;
    std::atomic<std::uint64_t> batches_{0};
    std::atomic<std::uint64_t> transitions_{0};
    std::thread thread_;  // the single writer: SQLite allows one writer anyway
};

}  // namespace chainbot::orchestrator
