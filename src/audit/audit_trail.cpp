#include "audit/audit_trail.hpp"

#include "store/database.hpp"
#include "store/errors.hpp"

#include <boost/json/serialize.hpp>

#include <fmt/format.h>

#include <vector>

namespace chainbot::audit {

namespace {
constexpr std::size_t max_batch = 256;
constexpr std::chrono::milliseconds linger{20};  // see run()
}

audit_trail::audit_trail(store_getter store, trail_options options)
    : store_(std::move(store)),
      options_(std::move(options)),
      masker_(std::make_shared<const secret_masker>(options_.masking)) {
    if (options_.queue_capacity == 0) options_.queue_capacity = 1;
}

audit_trail::~audit_trail() { stop(); }

void audit_trail::on_error(error_callback cb) {
    std::lock_guard lock(mutex_);
    on_error_ = std::move(cb);
}

void audit_trail::start(std::optional<masker_options> masking) {
    std::lock_guard lock(mutex_);
    if (running_) return;
    if (masking) masker_ = std::make_shared<const secret_masker>(std::move(*masking));
    stopping_ = false;
    running_ = true;
    writer_ = std::thread([this] { run(); });
}

void audit_trail::stop() noexcept {
    {
        std::lock_guard lock(mutex_);
        if (!running_) return;
        stopping_ = true;
    }
    wake_.notify_all();
    if (writer_.joinable()) writer_.join();
    std::lock_guard lock(mutex_);
    running_ = false;
}

store::new_audit_entry audit_trail::to_entry(const audit::record& r) const {
    std::shared_ptr<const secret_masker> masker;
    {
        std::lock_guard lock(mutex_);
        masker = masker_;
    }
    store::new_audit_entry e;
    e.user_id = r.user_id;
    e.token_id = r.token_id;
    e.action = r.action;
    e.resource = masker->mask_text(r.resource);  // a path may carry ?token=...
    e.success = r.success;
    e.client = r.client;
    if (!r.metadata.is_null()) e.metadata = boost::json::serialize(masker->mask(r.metadata));
    e.at = store::now();
    return e;
}

bool audit_trail::record(audit::record r) {
    auto entry = to_entry(r);
    std::unique_lock lock(mutex_);
    if (!running_ || stopping_) {
        lock.unlock();
        write(entry);
        return true;
    }
    if (queue_.size() >= options_.queue_capacity) {
        lock.unlock();
        dropped_.fetch_add(1);
        report(fmt::format("audit queue full ({} entries): dropped '{}' on {}", options_.queue_capacity, entry.action,
                           entry.resource));
        return false;
    }
    queue_.push_back(std::move(entry));
    ++enqueued_;
    // The writer waits for a first entry, or lingers for a full batch: nothing else wakes it.
    const bool wake = queue_.size() == 1 || queue_.size() == max_batch;
    lock.unlock();
    if (wake) wake_.notify_one();
    return true;
}

void audit_trail::flush() {
    std::unique_lock lock(mutex_);
    const auto target = enqueued_;
    if (completed_ >= target || !running_) return;
    ++flushing_;  // the writer stops lingering
    wake_.notify_all();
    drained_.wait(lock, [&] { return completed_ >= target || !running_; });
    --flushing_;
}

std::size_t audit_trail::queued() const {
    std::lock_guard lock(mutex_);
    return queue_.size();
}

void audit_trail::run() {
    std::unique_lock lock(mutex_);
    for (;;) {
        wake_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
        if (queue_.empty()) break;  // stopping, and everything is written
        // Linger: under load, entries arrive one per request; waiting a little lets them share
        // one transaction instead of taking SQLite's single write lock from the orchestrator's
        // group commit once per few requests. Nothing waits for an entry but flush(), which
        // cuts the wait short, as do stop() and a full batch.
        if (!stopping_ && flushing_ == 0 && queue_.size() < max_batch)
            wake_.wait_for(lock, linger, [&] { return stopping_ || flushing_ > 0 || queue_.size() >= max_batch; });
        std::vector<store::new_audit_entry> batch;
        while (!queue_.empty() && batch.size() < max_batch) {
            batch.push_back(std::move(queue_.front()));
            queue_.pop_front();
        }
        lock.unlock();
        bool ok = false;
        try {
            auto db = store_();
            if (db) {
                db->in_transaction([&](store::transaction& tx) {
                    for (const auto& e : batch) tx.audit().append(e);
                });
                written_.fetch_add(batch.size());
                ok = true;
            }
        } catch (const std::exception&) {
            // Fall through: one by one, so one bad entry does not take the others with it.
        }
        if (!ok)
            for (const auto& e : batch) write(e);
        lock.lock();
        completed_ += batch.size();
        drained_.notify_all();
    }
    drained_.notify_all();
}

void audit_trail::write(const store::new_audit_entry& e) noexcept {
    try {
        auto db = store_();
        if (!db) throw store::store_unavailable("the store is not open");
        db->audit().append(e);
        written_.fetch_add(1);
    } catch (const std::exception& ex) {
        failed_.fetch_add(1);
        report(fmt::format("could not write audit entry '{}' on {}: {}", e.action, e.resource, ex.what()));
    }
}

void audit_trail::report(std::string_view what) const noexcept {
    error_callback cb;
    {
        std::lock_guard lock(mutex_);
        cb = on_error_;
    }
    if (!cb) return;
    try {
        cb(what);
    } catch (...) {
        // An error callback that throws has nowhere left to report to.
    }
}

std::vector<store::audit_entry> audit_trail::list(const store::audit_filter& f, const store::page& p) const {
    auto db = store_();
    if (!db) throw store::store_unavailable("the store is not open");
    return db->audit().list(f, p);
}

std::size_t audit_trail::count(const store::audit_filter& f) const {
    auto db = store_();
    if (!db) throw store::store_unavailable("the store is not open");
    return db->audit().count(f);
}

}  // namespace chainbot::audit
