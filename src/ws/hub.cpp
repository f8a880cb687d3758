#include "ws/hub.hpp"

#include "http/upgrade.hpp"
#include "runtime/runtime.hpp"
#include "ws/protocol.hpp"
#include "ws/ws_session.hpp"

#include <algorithm>

namespace chainbot::ws {

namespace {

// The hub's entry in the event hub. It holds the hub weakly: the event hub must not keep
// a stopped API's feed alive.
class feed_observer final : public events::observer {
public:
    explicit feed_observer(std::weak_ptr<hub> h) : hub_(std::move(h)) {}
    void on_event(const events::event& e) override {
        if (auto h = hub_.lock()) h->publish(e);
    }

private:
    std::weak_ptr<hub> hub_;
};

}  // namespace

hub::hub(runtime& rt) : rt_(rt) {}

hub::~hub() { stop(); }

void hub::start() {
    std::lock_guard lock(mutex_);
    if (observer_id_ == 0) observer_id_ = rt_.events().add_observer(std::make_shared<feed_observer>(weak_from_this()));
    accepting_ = true;
}

void hub::stop() noexcept {
    std::shared_ptr<const client_list> snapshot;
    {
        std::lock_guard lock(mutex_);
        accepting_ = false;
        if (observer_id_ != 0) rt_.events().remove_observer(std::exchange(observer_id_, 0));
        snapshot = clients_;
    }
    for (const auto& [key, weak] : *snapshot)
        if (auto c = weak.lock()) c->close_going_away();
}

http::upgrade_acceptor hub::acceptor(std::vector<std::string> topics) {
    return [self = shared_from_this(), topics = std::move(topics)](http::upgraded_connection&& connection) mutable {
        const auto s = self->rt_.settings();
        start_session(std::move(connection), self,
                      {std::chrono::seconds(s->api.ws_ping_interval_seconds), std::move(topics)});
    };
}

std::size_t hub::clients() const {
    std::lock_guard lock(mutex_);
    return clients_->size();
}

std::size_t hub::queued_frames() const {
    std::shared_ptr<const client_list> snapshot;
    {
        std::lock_guard lock(mutex_);
        snapshot = clients_;
    }
    std::size_t n = 0;
    for (const auto& [_, weak] : *snapshot)
        if (auto c = weak.lock()) n += c->queued();
    return n;
}

std::size_t hub::deepest_queue() const {
    std::shared_ptr<const client_list> snapshot;
    {
        std::lock_guard lock(mutex_);
        snapshot = clients_;
    }
    std::size_t n = 0;
    for (const auto& [_, weak] : *snapshot)
        if (auto c = weak.lock()) n = std::max(n, c->queued());
    return n;
}

void hub::publish(const events::event& e) {
    std::shared_ptr<const client_list> snapshot;
    {
        std::lock_guard lock(mutex_);
        snapshot = clients_;
    }
    if (snapshot->empty()) return;
    const auto topics = topic_aliases(e);
    std::shared_ptr<const std::string> frame;  // serialized once, for the first client that wants it
    std::size_t capacity = 0;
    for (const auto& [key, weak] : *snapshot) {
        auto c = weak.lock();
        if (!c || !c->wants(topics)) continue;
        if (!frame) {
            frame = std::make_shared<const std::string>(event_frame(e));
            capacity = static_cast<std::size_t>(rt_.settings()->api.ws_send_queue);
        }
        if (const auto dropped = c->offer(frame, capacity)) events_dropped_ += dropped;
    }
}

bool hub::add(const std::shared_ptr<client>& c) {
    std::lock_guard lock(mutex_);
    if (!accepting_) return false;
    auto next = std::make_shared<client_list>(*clients_);
    next->emplace_back(c.get(), c);
    clients_ = std::move(next);
    return true;
}

void hub::remove(const client* c) noexcept {
    try {
        std::lock_guard lock(mutex_);
        auto next = std::make_shared<client_list>(*clients_);
        std::erase_if(*next, [c](const auto& entry) { return entry.first == c; });
        clients_ = std::move(next);
    } catch (...) {
        // Out of memory: the entry stays, its weak pointer expired; publish skips it.
    }
}

}  // namespace chainbot::ws
