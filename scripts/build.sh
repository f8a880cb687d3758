#!/usr/bin/env bash
# Configures and builds ChainBot into $BUILD_DIR (default: build/).
#   BUILD_TYPE=Release|RelWithDebInfo|Debug   CHAINBOT_SANITIZE=address,undefined
#   scripts/build.sh [cmake --build target...]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build_dir="${BUILD_DIR:-$root/build}"
jobs="${JOBS:-$(nproc)}"
cmake -S "$root" -B "$build_dir" -DCMAKE_BUILD_TYPE="${BUILD_TYPE:-RelWithDebInfo}" \
      -DCHAINBOT_SANITIZE="${CHAINBOT_SANITIZE:-}" >/dev/null
if [ $# -gt 0 ]; then
  for target in "$@"; do cmake --build "$build_dir" -j "$jobs" --target "$target"; done
else
  cmake --build "$build_dir" -j "$jobs"
fi
