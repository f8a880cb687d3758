# Cross-compiling for 64-bit Raspberry Pi OS / Debian arm64 with Debian's cross toolchain
# (crossbuild-essential-arm64) against the :arm64 library packages. See
# scripts/cross-build.sh, which installs them and configures with this file, and
# ../shared/TOOLCHAIN.md ("Building for the Raspberry Pi (arm64) here").
#
#   cmake -S . -B build-arm64 -DCMAKE_TOOLCHAIN_FILE=cmake/toolchains/aarch64-linux-gnu.cmake \
#         -DCHAINBOT_ARM64_DEV_ROOT=$PWD/build-arm64/arm64-dev
#
# CHAINBOT_ARM64_DEV_ROOT: a folder holding libpq-dev:arm64 and libyaml-cpp-dev:arm64
# unpacked with dpkg -x (those two cannot be installed beside their amd64 twins). It is
# searched before / so that its arm64 headers and CMake files win.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(CMAKE_C_COMPILER aarch64-linux-gnu-gcc)
set(CMAKE_CXX_COMPILER aarch64-linux-gnu-g++)
# Debian's arm64 packages live in /usr/lib/aarch64-linux-gnu (multiarch), not in /usr/aarch64-linux-gnu.
set(CMAKE_LIBRARY_ARCHITECTURE aarch64-linux-gnu)

if(NOT DEFINED CHAINBOT_ARM64_DEV_ROOT AND DEFINED ENV{CHAINBOT_ARM64_DEV_ROOT})
  set(CHAINBOT_ARM64_DEV_ROOT "$ENV{CHAINBOT_ARM64_DEV_ROOT}")
endif()
# try_compile projects read this file again: hand them the variable too.
list(APPEND CMAKE_TRY_COMPILE_PLATFORM_VARIABLES CHAINBOT_ARM64_DEV_ROOT)
set(CMAKE_FIND_ROOT_PATH ${CHAINBOT_ARM64_DEV_ROOT} /usr/aarch64-linux-gnu /)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)

# Without this pkg-config (libgpiod) and FindOpenSSL quietly return amd64 libraries.
set(_pc_dirs /usr/lib/aarch64-linux-gnu/pkgconfig /usr/share/pkgconfig)
if(CHAINBOT_ARM64_DEV_ROOT)
  list(PREPEND _pc_dirs ${CHAINBOT_ARM64_DEV_ROOT}/usr/lib/aarch64-linux-gnu/pkgconfig)
endif()
string(REPLACE ";" ":" _pc_dirs "${_pc_dirs}")
set(ENV{PKG_CONFIG_LIBDIR} "${_pc_dirs}")
set(ENV{PKG_CONFIG_PATH} "")
unset(_pc_dirs)

# ctest (and catch_discover_tests at build time) run the arm64 test programs under
# qemu user emulation; no binfmt_misc registration is needed. No "-L /usr/aarch64-linux-gnu":
# the programs must run on the dynamic loader of libc6:arm64 (/lib/ld-linux-aarch64.so.1),
# the one that matches the libc.so.6 the loader finds in /lib/aarch64-linux-gnu. With the
# cross toolchain's older loader from -L, the two glibc builds mix and pthread_create hangs.
find_program(CHAINBOT_QEMU_AARCH64 NAMES qemu-aarch64-static qemu-aarch64)
if(CHAINBOT_QEMU_AARCH64)
  set(CMAKE_CROSSCOMPILING_EMULATOR ${CHAINBOT_QEMU_AARCH64})
endif()
