#include "ws/client.hpp"

#include "ws/protocol.hpp"

#include <algorithm>

namespace chainbot::ws {

std::optional<std::vector<std::string>> client::subscribe(const std::vector<std::string>& patterns) {
    std::lock_guard lock(mutex_);
    auto next = patterns_;
    for (const auto& p : patterns)
        if (std::find(next.begin(), next.end(), p) == next.end()) next.push_back(p);
    if (next.size() > max_patterns) return std::nullopt;
    patterns_ = next;
    return next;
}

std::vector<std::string> client::unsubscribe(const std::vector<std::string>& patterns) {
    std::lock_guard lock(mutex_);
    std::erase_if(patterns_, [&](const std::string& p) {
        return std::find(patterns.begin(), patterns.end(), p) != patterns.end();
    });
    return patterns_;
}

std::vector<std::string> client::topics() const {
    std::lock_guard lock(mutex_);
    return patterns_;
}

bool client::wants(const std::vector<std::string>& topics) const {
    std::lock_guard lock(mutex_);
    return any_matches(patterns_, topics);
}

std::size_t client::queued() const {
    std::lock_guard lock(mutex_);
    return queue_.size();
}

std::size_t client::offer(std::shared_ptr<const std::string> frame, std::size_t capacity) {
    capacity = std::max<std::size_t>(1, capacity);
    std::size_t dropped = 0;
    bool wake_up = false;
    {
        std::lock_guard lock(mutex_);
        while (queue_.size() >= capacity) {
            queue_.pop_front();
            ++dropped;
        }
        dropped_unreported_ += dropped;
        queue_.push_back(std::move(frame));
        wake_up = !std::exchange(draining_, true);
    }
    if (wake_up) wake();
    return dropped;
}

std::optional<client::queued_frame> client::take() {
    std::lock_guard lock(mutex_);
    if (queue_.empty()) {
        draining_ = false;
        return std::nullopt;
    }
    queued_frame next{std::move(queue_.front()), std::exchange(dropped_unreported_, 0)};
    queue_.pop_front();
    next.more = !queue_.empty();
    return next;
}

}  // namespace chainbot::ws
