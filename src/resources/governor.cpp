#include "resources/governor.hpp"

#include "events/event_hub.hpp"
#include "runtime/service_error.hpp"

#include <boost/json/array.hpp>
#include <fmt/format.h>

#include <algorithm>

namespace chainbot::resources {

namespace json = boost::json;

std::optional<hold> governor::closed() const {
    std::vector<std::pair<std::string, hold_check>> checks;
    {
        std::lock_guard lock(mutex_);
        if (!holds_.empty()) return hold{holds_.begin()->first, holds_.begin()->second.reason};
        if (checks_.empty()) return std::nullopt;
        checks = checks_;
    }
    // Asked without the lock: a check may take locks of its own.
    for (const auto& [source, check] : checks)
        if (auto reason = check()) return hold{source, std::move(*reason)};
    return std::nullopt;
}

void governor::set_hold(const std::string& source, std::string reason) {
    std::lock_guard lock(mutex_);
    auto& h = holds_[source];
    if (h.since.empty()) h.since = events::iso8601_now();
    h.reason = std::move(reason);
}

void governor::clear_hold(const std::string& source) {
    {
        std::lock_guard lock(mutex_);
        if (holds_.erase(source) == 0) return;
    }
    notify();
}

void governor::set_hold_check(const std::string& source, hold_check check) {
    {
        std::lock_guard lock(mutex_);
        std::erase_if(checks_, [&](const auto& c) { return c.first == source; });
        if (check) checks_.emplace_back(source, std::move(check));
    }
    notify();  // a check removed may reopen admission
}

void governor::recheck() { notify(); }

std::size_t governor::max_concurrent(std::size_t configured) const {
    std::lock_guard lock(mutex_);
    const auto limit = cap_ ? std::min(*cap_, configured) : configured;
    return std::max<std::size_t>(1, limit);
}

std::optional<std::size_t> governor::concurrency_cap() const {
    std::lock_guard lock(mutex_);
    return cap_;
}

void governor::set_concurrency_cap(std::optional<std::size_t> cap) {
    if (cap) cap = std::max<std::size_t>(1, *cap);
    bool raised = false;
    {
        std::lock_guard lock(mutex_);
        raised = cap_ && (!cap || *cap > *cap_);
        cap_ = cap;
    }
    if (raised) notify();
}

std::uint64_t governor::on_change(std::function<void()> listener) {
    std::lock_guard lock(mutex_);
    const auto id = next_listener_++;
    listeners_.emplace(id, std::move(listener));
    return id;
}

void governor::remove_listener(std::uint64_t id) {
    std::lock_guard lock(mutex_);
    listeners_.erase(id);
}

void governor::notify() {
    std::vector<std::function<void()>> listeners;
    {
        std::lock_guard lock(mutex_);
        for (const auto& [_, l] : listeners_) listeners.push_back(l);
    }
    for (auto& l : listeners) l();
}

void governor::require_open(std::string_view what) {
    auto h = closed();
    if (!h) return;
    int retry = 0;
    {
        std::lock_guard lock(mutex_);
        ++refused_[std::string(what)];
        retry = retry_after_;
    }
    throw service_error(503, "resource_limit", fmt::format("new {}s are held: {}; retry later", what, h->reason), retry);
}

void governor::count_refusal(std::string_view what) {
    std::lock_guard lock(mutex_);
    ++refused_[std::string(what)];
}

int governor::retry_after_seconds() const {
    std::lock_guard lock(mutex_);
    return retry_after_;
}

void governor::set_retry_after_seconds(int seconds) {
    std::lock_guard lock(mutex_);
    retry_after_ = std::max(1, seconds);
}

json::object governor::to_json(std::size_t configured) const {
    json::array holds;
    json::object refused;
    std::optional<std::size_t> cap;
    std::vector<std::pair<std::string, hold_check>> checks;
    {
        std::lock_guard lock(mutex_);
        for (const auto& [source, h] : holds_)
            holds.push_back(json::object{{"source", source}, {"reason", h.reason}, {"since", h.since}});
        for (const auto& [what, n] : refused_) refused[what] = n;
        cap = cap_;
        checks = checks_;
    }
    for (const auto& [source, check] : checks)
        if (auto reason = check()) holds.push_back(json::object{{"source", source}, {"reason", *reason}});
    const auto effective = std::max<std::size_t>(1, cap ? std::min(*cap, configured) : configured);
    const char* state = !holds.empty() ? "closed" : effective < configured ? "throttled" : "open";
    return {{"state", state},
            {"open", holds.empty()},
            {"holds", std::move(holds)},
            {"max_concurrent_executions", configured},
            {"effective_max_concurrent_executions", effective},
            {"refused", std::move(refused)}};
}

void governor::add_cache(const std::string& name, std::function<cache_stats()> stats, std::function<void()> trim) {
    std::lock_guard lock(mutex_);
    caches_[name] = {std::move(stats), std::move(trim)};
}

void governor::remove_cache(const std::string& name) {
    std::lock_guard lock(mutex_);
    caches_.erase(name);
}

std::size_t governor::trim_caches() {
    std::vector<std::function<void()>> trims;
    {
        std::lock_guard lock(mutex_);
        for (const auto& [_, c] : caches_)
            if (c.trim) trims.push_back(c.trim);
        ++trims_;
    }
    for (auto& t : trims) t();
    return trims.size();
}

json::object governor::caches_json() const {
    std::vector<std::pair<std::string, std::function<cache_stats()>>> caches;
    {
        std::lock_guard lock(mutex_);
        for (const auto& [name, c] : caches_) caches.emplace_back(name, c.stats);
    }
    json::object out;
    for (const auto& [name, stats] : caches) out[name] = stats().to_json();
    return out;
}

std::uint64_t governor::trims() const {
    std::lock_guard lock(mutex_);
    return trims_;
}

}  // namespace chainbot::resources
