# Included by the top-level CMakeLists.txt when CHAINBOT_FUZZ is ON, before any target is
# defined: everything built in a fuzz build (build-fuzz/, scripts/fuzz.sh) is compiled with
# libFuzzer's coverage instrumentation, AddressSanitizer and UndefinedBehaviorSanitizer. The
# fuzz targets add -fsanitize=fuzzer at link time (fuzz/CMakeLists.txt), which brings
# libFuzzer's main (Debian: libclang-rt-14-dev).
if(NOT CMAKE_CXX_COMPILER_ID MATCHES "Clang" OR NOT CMAKE_C_COMPILER_ID MATCHES "Clang")
  message(FATAL_ERROR "CHAINBOT_FUZZ needs clang (libFuzzer): configure with CC=clang CXX=clang++ "
                      "in a build directory of its own (scripts/fuzz.sh uses build-fuzz/)")
endif()
if(CHAINBOT_SANITIZE)
  message(FATAL_ERROR "CHAINBOT_FUZZ brings its own sanitizers: leave CHAINBOT_SANITIZE empty")
endif()
# UBSan's vptr check cannot link against SOCI (no typeinfo exported): off, as in ChainbotWarnings.
set(CHAINBOT_FUZZ_FLAGS -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize=vptr
    -fno-sanitize-recover=undefined -fno-omit-frame-pointer)
add_compile_options(${CHAINBOT_FUZZ_FLAGS})
add_link_options(-fsanitize=address,undefined -fno-sanitize=vptr)
