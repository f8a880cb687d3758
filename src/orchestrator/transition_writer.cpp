#include "orchestrator/transition_writer.hpp"

namespace chainbot::orchestrator {

transition_writer::transition_writer(std::shared_ptr<store::database> db, std::size_t max_batch, std::size_t max_queue,
                                     error_reporter report)
    : db_(std::move(db)), max_batch_(max_batch), max_queue_(max_queue), report_(std::move(report)),
      thread_([this] { run(); }) {}

transition_writer::~transition_writer() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_all();
    thread_.join();
}

bool transition_writer::submit(work w, completion done) {
    {
        std::lock_guard lock(mutex_);
        if (queue_.size() >= max_queue_) return false;
        queue_.push_back({std::move(w), std::move(done)});
    }
    wake_.notify_one();
    return true;
}

void transition_writer::flush() {
    std::unique_lock lock(mutex_);
    drained_.wait(lock, [&] { return queue_.empty() && !busy_; });
}

std::size_t transition_writer::queue_depth() const {
    std::lock_guard lock(mutex_);
    return queue_.size();
}

void transition_writer::run() {
    std::vector<item> batch;
    for (;;) {
        {
            std::unique_lock lock(mutex_);
            wake_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
            if (queue_.empty() && stopping_) return;
            while (!queue_.empty() && batch.size() < max_batch_) {
                batch.push_back(std::move(queue_.front()));
                queue_.pop_front();
            }
            busy_ = true;
        }
        commit(batch);
        batch.clear();
        {
            std::lock_guard lock(mutex_);
            busy_ = false;
        }
        drained_.notify_all();
    }
}

void transition_writer::commit(std::vector<item>& batch) {
    std::exception_ptr error;
    try {
        db_->in_transaction([&](store::transaction& tx) {
            for (auto& i : batch) i.w(tx);
        });
        ++batches_;
        transitions_ += batch.size();
    } catch (...) {
        error = std::current_exception();
    }
    if (error && batch.size() > 1) {
        // One bad transition must not fail its neighbours: retry each on its own.
        for (auto& i : batch) {
            std::exception_ptr own;
            try {
                db_->in_transaction([&](store::transaction& tx) { i.w(tx); });
                ++batches_;
                ++transitions_;
            } catch (...) {
                own = std::current_exception();
            }
            complete(i, own);
        }
        return;
    }
    for (auto& i : batch) complete(i, error);
}

// A completion never throws into the drain loop: that would end the writer's thread, and with
// it every later commit.
void transition_writer::complete(item& i, std::exception_ptr error) noexcept {
    if (!i.done) return;
    try {
        i.done(error);
    } catch (...) {
        try {  // the reporter may throw too
            try {
                throw;
            } catch (const std::exception& e) {
                if (report_) report_(e.what());
            } catch (...) {
                if (report_) report_("a completion threw an exception of unknown type");
            }
        } catch (...) {
        }
    }
}

}  // namespace chainbot::orchestrator
