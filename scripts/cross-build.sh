#!/usr/bin/env bash
# Cross-compiles the whole project (module, host, examples, tests) for arm64 (64-bit
# Raspberry Pi OS / Debian 12 arm64) with Debian's cross toolchain, into $BUILD_DIR
# (default: build-arm64/). Installs what is missing first (root or sudo):
# crossbuild-essential-arm64, qemu-user-static and the :arm64 library packages.
#   BUILD_TYPE (default Release: no debug symbols, the smallest package)  JOBS (default: nproc)
#   scripts/cross-build.sh [cmake --build target...]
# Then: ctest --test-dir build-arm64 (runs under qemu-aarch64-static), or
#       scripts/package.sh build-arm64 (the arm64 .deb).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build_dir="${BUILD_DIR:-$root/build-arm64}"
jobs="${JOBS:-$(nproc)}"

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive

# The arm64 twins of scripts/install-deps.sh's libraries. libpq-dev, libyaml-cpp-dev and
# catch2 cannot be installed for both architectures (each would remove its amd64 twin):
# catch2 is header-only (the amd64 one serves), the two -dev packages are unpacked below.
packages=(
  crossbuild-essential-arm64 qemu-user-static
  libboost1.81-dev:arm64 libboost-json1.81-dev:arm64 libboost-filesystem1.81-dev:arm64
  libsoci-dev:arm64 libsqlite3-dev:arm64 libfmt-dev:arm64 libtomlplusplus-dev:arm64
  libgpiod-dev:arm64 libssl-dev:arm64 libpq5:arm64 libyaml-cpp0.7:arm64 libjemalloc2:arm64
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "cross-build: installing ${missing[*]}"
  if ! dpkg --print-foreign-architectures | grep -qx arm64; then
    $SUDO dpkg --add-architecture arm64
  fi
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# libpq-dev:arm64 and libyaml-cpp-dev:arm64, unpacked into the build folder. Their
# libpq.so / libyaml-cpp.so (and yaml-cpp's CMake targets) point at the shared libraries
# of libpq5:arm64 / libyaml-cpp0.7:arm64, which are installed: link those in beside them.
dev_root="$build_dir/arm64-dev"
if [ ! -f "$dev_root/.complete" ]; then
  rm -rf "$dev_root" "$build_dir/arm64-debs"
  mkdir -p "$dev_root" "$build_dir/arm64-debs"
  # (As root, apt warns that it downloads "unsandboxed": harmless.)
  (cd "$build_dir/arm64-debs" && apt-get download -qq libpq-dev:arm64 libyaml-cpp-dev:arm64)
  for deb in "$build_dir"/arm64-debs/*.deb; do dpkg -x "$deb" "$dev_root"; done
  libdir=/usr/lib/aarch64-linux-gnu
  for so in "$libdir"/libpq.so.* "$libdir"/libyaml-cpp.so.*; do
    [ -e "$dev_root$so" ] || ln -s "$so" "$dev_root$so"
  done
  touch "$dev_root/.complete"
fi

cmake -S "$root" -B "$build_dir" \
      -DCMAKE_TOOLCHAIN_FILE="$root/cmake/toolchains/aarch64-linux-gnu.cmake" \
      -DCHAINBOT_ARM64_DEV_ROOT="$dev_root" \
      -DCMAKE_BUILD_TYPE="${BUILD_TYPE:-Release}" -DCHAINBOT_SANITIZE= >/dev/null
if [ $# -gt 0 ]; then
  # One invocation for all the targets: make then runs their sources in parallel, where one
  # target after another leaves a core idle at the end of each.
  cmake --build "$build_dir" -j "$jobs" --target "$@"
else
  cmake --build "$build_dir" -j "$jobs"
fi
