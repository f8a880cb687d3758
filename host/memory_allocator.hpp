// Which memory allocator serves this process: the reference host links jemalloc
// (ALEX_OS_JEMALLOC, on by default), and says so in its start-up log line.
#pragma once

#include <string>

namespace alex_os {

// "jemalloc 5.3.0-0-g54eaed1d..., 2 arenas" when jemalloc serves malloc in this process,
// "the C library's malloc" otherwise.
std::string memory_allocator();

}  // namespace alex_os
