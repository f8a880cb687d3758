#include "memory_allocator.hpp"

#include <fmt/format.h>

#include <cstddef>

// jemalloc's control interface, looked up weakly: null unless jemalloc is in the process
// (linked into alex_os, or preloaded). No jemalloc header is needed to build.
extern "C" int mallctl(const char* name, void* oldp, std::size_t* oldlenp, void* newp, std::size_t newlen)
    __attribute__((weak));

namespace alex_os {

std::string memory_allocator() {
    if (mallctl == nullptr) return "the C library's malloc";
    const char* version = nullptr;
    std::size_t size = sizeof version;
    if (mallctl("version", &version, &size, nullptr, 0) != 0 || version == nullptr) return "jemalloc";
    unsigned arenas = 0;
    size = sizeof arenas;
    if (mallctl("opt.narenas", &arenas, &size, nullptr, 0) != 0) return fmt::format("jemalloc {}", version);
    return fmt::format("jemalloc {}, {} arena{}", version, arenas, arenas == 1 ? "" : "s");
}

}  // namespace alex_os
