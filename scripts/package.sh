#!/usr/bin/env bash
# Builds the Debian package chainbot_<version>_<arch>.deb (Release, stripped) with CPack:
#   scripts/package.sh          for this machine (amd64), built in build-pkg/ (without tests)
#   scripts/package.sh arm64    for the Raspberry Pi (64-bit OS), cross-built in build-arm64/
#                               (with the tests, the tree CI tests under emulation)
# cpack's install step builds the whole build tree first, so the scripts build it all.
# Prints the package's path. Installs what is missing first (root or sudo). BUILD_DIR and
# JOBS (default: nproc) as for scripts/build.sh. What the package holds: packaging/CMakeLists.txt.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
arch="${1:-$(dpkg --print-architecture)}"
jobs="${JOBS:-$(nproc)}"
native="$(dpkg --print-architecture)"

case "$arch" in
  "$native")
    build_dir="${BUILD_DIR:-$root/build-pkg}"
    "$root/scripts/install-deps.sh"
    cmake -S "$root" -B "$build_dir" -DCMAKE_BUILD_TYPE="${BUILD_TYPE:-Release}" -DCHAINBOT_BUILD_TESTS=OFF \
          -DCHAINBOT_SANITIZE= >/dev/null
    cmake --build "$build_dir" -j "$jobs"
    ;;
  arm64)
    build_dir="${BUILD_DIR:-$root/build-arm64}"
    BUILD_DIR="$build_dir" JOBS="$jobs" "$root/scripts/cross-build.sh"
    ;;
  *)
    echo "usage: $0 [$native|arm64]" >&2
    exit 2
    ;;
esac

out="$build_dir/packages"
rm -f "$out"/chainbot_*_"$arch".deb
cpack --config "$build_dir/CPackConfig.cmake" -B "$out" >"$build_dir/cpack.log" 2>&1 \
  || { cat "$build_dir/cpack.log" >&2; exit 1; }
deb="$(ls "$out"/chainbot_*_"$arch".deb)"
echo "package: $deb ($(du -k "$deb" | cut -f1) KiB; installed $(dpkg-deb -f "$deb" Installed-Size) KiB)"
