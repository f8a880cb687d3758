#include "event_bus.hpp"

#include "log_sink.hpp"
#include "topic_pattern.hpp"

#include <alex_module.h>
#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <shared_mutex>
#include <stdexcept>
#include <thread>
#include <vector>

namespace alex_os {

struct event_bus::impl {
    struct event {
        std::string topic;
        std::string json;
    };

    // One subscriber's queue. `scheduled` means a drain task is posted or running, so
    // at most one thread delivers to this subscriber at a time: a strand made of a flag.
    struct subscriber {
        subscriber(uint64_t id_, std::string pattern_, event_bus::handler fn_)
            : id(id_), pattern(std::move(pattern_)), fn(std::move(fn_)) {}

        const uint64_t id;
        const topic_pattern pattern;
        const event_bus::handler fn;

        std::mutex mutex;
        std::condition_variable idle;
        std::deque<std::shared_ptr<const event>> queue;
        bool active = true;
        bool scheduled = false;
        bool running = false;
        std::thread::id runner;
        uint64_t dropped = 0;
    };

    // Events delivered per drain task before it yields its thread to other subscribers.
    static constexpr int drain_batch = 32;

    impl(log_sink* log_, event_bus_options options_)
        : log(log_),
          capacity(std::max<std::size_t>(1, options_.queue_capacity)),
          pool(std::max<std::size_t>(1, options_.threads)) {}

    log_sink* log;
    const std::size_t capacity;
    boost::asio::thread_pool pool;

    mutable std::shared_mutex subscribers_mutex;
    std::map<uint64_t, std::shared_ptr<subscriber>> subscribers;

    std::atomic<uint64_t> next_id{1};
    std::atomic<uint64_t> published{0};
    std::atomic<uint64_t> delivered{0};
    std::atomic<uint64_t> dropped{0};
    std::atomic<uint64_t> handler_errors{0};
    std::atomic<uint64_t> pending{0};  // queued plus running, over all subscribers
    std::atomic<bool> closing{false};

    void schedule(const std::shared_ptr<subscriber>& s) {
        boost::asio::post(pool, [this, s] { drain(s); });
    }

    void drain(const std::shared_ptr<subscriber>& s) {
        for (int i = 0; i < drain_batch; ++i) {
            std::shared_ptr<const event> next;
            {
                std::lock_guard lock(s->mutex);
                if (!s->active || s->queue.empty()) {
                    s->scheduled = false;
                    return;
                }
                next = std::move(s->queue.front());
                s->queue.pop_front();
                s->running = true;
                s->runner = std::this_thread::get_id();
            }
            invoke(*s, *next);
            {
                std::lock_guard lock(s->mutex);
                s->running = false;
                s->runner = {};
            }
            s->idle.notify_all();
            ++delivered;
            --pending;
        }
        schedule(s);
    }

    void invoke(const subscriber& s, const event& e) noexcept {
        try {
            s.fn(e.topic, e.json);
        } catch (const std::exception& ex) {
            report_handler_error(s, e, ex.what());
        } catch (...) {
            report_handler_error(s, e, "unknown exception");
        }
    }

    void report_handler_error(const subscriber& s, const event& e, const char* what) noexcept {
        ++handler_errors;
        if (log == nullptr) return;
        try {
            log->write(ALEX_LOG_ERROR, "event_bus",
                       fmt::format("subscriber {} ('{}') threw on '{}': {}", s.id, s.pattern.text(), e.topic, what));
        } catch (...) {
        }
    }

    void deactivate(subscriber& s) {
        std::unique_lock lock(s.mutex);
        s.active = false;
        pending -= s.queue.size();
        s.queue.clear();
        // A handler cancelling its own subscription is the running call: waiting would deadlock.
        if (s.runner != std::this_thread::get_id()) s.idle.wait(lock, [&] { return !s.running; });
    }
};

event_bus::event_bus(log_sink* log, event_bus_options options) : impl_(std::make_unique<impl>(log, options)) {}

event_bus::~event_bus() {
    impl_->closing = true;
    std::map<uint64_t, std::shared_ptr<impl::subscriber>> all;
    {
        std::unique_lock lock(impl_->subscribers_mutex);
        all.swap(impl_->subscribers);
    }
    for (auto& [id, s] : all) impl_->deactivate(*s);
    impl_->pool.join();
}

uint64_t event_bus::subscribe(std::string pattern, handler fn) {
    if (pattern.empty()) throw std::invalid_argument("subscribe: empty topic pattern");
    if (!fn) throw std::invalid_argument("subscribe: no handler");
    const uint64_t id = impl_->next_id++;
    auto s = std::make_shared<impl::subscriber>(id, std::move(pattern), std::move(fn));
    std::unique_lock lock(impl_->subscribers_mutex);
    impl_->subscribers.emplace(id, std::move(s));
    return id;
}

bool event_bus::unsubscribe(uint64_t id) {
    std::shared_ptr<impl::subscriber> s;
    {
        std::unique_lock lock(impl_->subscribers_mutex);
        auto it = impl_->subscribers.find(id);
        if (it == impl_->subscribers.end()) return false;
        s = std::move(it->second);
        impl_->subscribers.erase(it);
    }
    impl_->deactivate(*s);
    return true;
}

void event_bus::publish(std::string topic, std::string json) {
    publish_with(topic, [&] { return std::move(json); });
}

bool event_bus::has_subscribers(std::string_view topic) const {
    if (topic.empty() || impl_->closing) return false;
    std::shared_lock lock(impl_->subscribers_mutex);
    for (const auto& [id, s] : impl_->subscribers)
        if (s->pattern.matches(topic)) return true;
    return false;
}

void event_bus::publish_with(std::string_view topic, const std::function<std::string()>& make_json) {
    if (topic.empty()) throw std::invalid_argument("publish: empty topic");
    if (impl_->closing) return;
    ++impl_->published;

    std::vector<std::shared_ptr<impl::subscriber>> targets;
    {
        std::shared_lock lock(impl_->subscribers_mutex);
        for (const auto& [id, s] : impl_->subscribers)
            if (s->pattern.matches(topic)) targets.push_back(s);
    }
    if (targets.empty()) return;  // nobody listens: no payload made, nothing queued
    auto e = std::make_shared<const impl::event>(impl::event{std::string(topic), make_json()});
    for (const auto& s : targets) {
        bool post = false;
        {
            std::lock_guard lock(s->mutex);
            if (!s->active) continue;
            if (s->queue.size() >= impl_->capacity) {
                s->queue.pop_front();
                ++s->dropped;
                ++impl_->dropped;
                --impl_->pending;
            }
            s->queue.push_back(e);
            ++impl_->pending;
            post = !s->scheduled;
            s->scheduled = true;
        }
        if (post) impl_->schedule(s);
    }
}

event_bus_counters event_bus::counters() const noexcept {
    return {impl_->published.load(), impl_->delivered.load(), impl_->dropped.load(), impl_->handler_errors.load()};
}

uint64_t event_bus::dropped(uint64_t id) const {
    std::shared_ptr<impl::subscriber> s;
    {
        std::shared_lock lock(impl_->subscribers_mutex);
        auto it = impl_->subscribers.find(id);
        if (it == impl_->subscribers.end()) return 0;
        s = it->second;
    }
    std::lock_guard lock(s->mutex);
    return s->dropped;
}

std::size_t event_bus::subscriber_count() const {
    std::shared_lock lock(impl_->subscribers_mutex);
    return impl_->subscribers.size();
}

bool event_bus::wait_idle(std::chrono::milliseconds timeout) const {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (impl_->pending.load() != 0) {
        if (std::chrono::steady_clock::now() >= deadline) return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    return true;
}

}  // namespace alex_os
