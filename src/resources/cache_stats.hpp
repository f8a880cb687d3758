#pragma once
/// @file cache_stats.hpp
/// @brief The figures every in-memory cache of the module reports (GET /metrics,
/// resources.caches).

#include <boost/json/object.hpp>

#include <cstddef>
#include <cstdint>

namespace chainbot::resources {

struct cache_stats {
    std::size_t entries = 0;
    std::size_t capacity = 0;
    std::uint64_t hits = 0;
    std::uint64_t misses = 0;
    std::uint64_t evictions = 0;      ///< dropped to stay within capacity
    std::uint64_t invalidations = 0;  ///< dropped because they changed, or trimmed

    boost::json::object to_json() const {
        return {{"entries", entries}, {"capacity", capacity},   {"hits", hits},
                {"misses", misses},   {"evictions", evictions}, {"invalidations", invalidations}};
    }
};

}  // namespace chainbot::resources
