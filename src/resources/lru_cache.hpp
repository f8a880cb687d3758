#pragma once
/// @file lru_cache.hpp
/// @brief A bounded, thread-safe least-recently-used cache that counts its hits, misses,
/// evictions and invalidations (the figures of GET /metrics, resources.caches).
///
/// Invalidation races: a reader that missed loads the value from the store and puts it
/// back; if an invalidation happened meanwhile, the value it read may already be stale.
/// put_if_current() takes the generation() read before the load and stores nothing when
/// any invalidation came in between.
///
/// @code
///   resources::lru_cache<std::string, std::shared_ptr<const def>> cache(256);
///   if (auto hit = cache.get(id)) return *hit;
///   const auto g = cache.generation();
///   auto loaded = load(id);
///   cache.put_if_current(id, loaded, g);
/// @endcode

#include "resources/cache_stats.hpp"

#include <cstdint>
#include <functional>
#include <list>
#include <map>
#include <mutex>
#include <optional>
#include <utility>

namespace chainbot::resources {

template <typename Key, typename Value>
class lru_cache {
public:
    /// @brief `capacity` 0 keeps nothing (every get misses).
    explicit lru_cache(std::size_t capacity) : capacity_(capacity) {}

    /// @brief The value and a hit, or nullopt and a miss.
    std::optional<Value> get(const Key& key) {
        std::lock_guard lock(mutex_);
        auto it = index_.find(key);
        if (it == index_.end()) {
            ++stats_.misses;
            return std::nullopt;
        }
        order_.splice(order_.begin(), order_, it->second);  // most recently used first
        ++stats_.hits;
        return it->second->second;
    }

    /// @brief The value if present, without counting a hit or a miss or moving it up.
    std::optional<Value> peek(const Key& key) const {
        std::lock_guard lock(mutex_);
        auto it = index_.find(key);
        if (it == index_.end()) return std::nullopt;
        return it->second->second;
    }

    /// @brief Stores (or replaces) `value`, evicting the least recently used beyond capacity.
    void put(const Key& key, Value value) {
        std::lock_guard lock(mutex_);
        put_locked(key, std::move(value));
    }

    /// @brief put() unless an invalidation happened since `generation` was read.
    bool put_if_current(const Key& key, Value value, std::uint64_t generation) {
        std::lock_guard lock(mutex_);
        if (generation != generation_) return false;
        put_locked(key, std::move(value));
        return true;
    }

    /// @brief Counts invalidations: read before loading what put_if_current() stores.
    std::uint64_t generation() const {
        std::lock_guard lock(mutex_);
        return generation_;
    }

    /// @brief Drops every entry whose key satisfies `pred`; returns how many.
    std::size_t erase_if(const std::function<bool(const Key&)>& pred) {
        std::lock_guard lock(mutex_);
        ++generation_;
        std::size_t n = 0;
        for (auto it = order_.begin(); it != order_.end();) {
            if (pred(it->first)) {
                index_.erase(it->first);
                it = order_.erase(it);
                ++n;
            } else {
                ++it;
            }
        }
        stats_.invalidations += n;
        return n;
    }

    /// @brief Drops everything (counted as invalidations).
    void clear() {
        std::lock_guard lock(mutex_);
        ++generation_;
        stats_.invalidations += index_.size();
        index_.clear();
        order_.clear();
    }

    /// @brief A new bound; entries beyond it are evicted at once.
    void set_capacity(std::size_t capacity) {
        std::lock_guard lock(mutex_);
        capacity_ = capacity;
        evict_locked();
    }

    cache_stats stats() const {
        std::lock_guard lock(mutex_);
        auto s = stats_;
        s.entries = index_.size();
        s.capacity = capacity_;
        return s;
    }

private:
    void put_locked(const Key& key, Value value) {
        if (capacity_ == 0) return;
        if (auto it = index_.find(key); it != index_.end()) {
            it->second->second = std::move(value);
            order_.splice(order_.begin(), order_, it->second);
            return;
        }
        order_.emplace_front(key, std::move(value));
        index_.emplace(key, order_.begin());
        evict_locked();
    }
    void evict_locked() {
        while (index_.size() > capacity_) {
            index_.erase(order_.back().first);
            order_.pop_back();
            ++stats_.evictions;
        }
    }

    mutable std::mutex mutex_;
    std::size_t capacity_;
    std::list<std::pair<Key, Value>> order_;
    std::map<Key, typename std::list<std::pair<Key, Value>>::iterator> index_;
    cache_stats stats_;
    std::uint64_t generation_ = 0;
};

}  // namespace chainbot::resources
