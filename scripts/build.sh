#!/usr/bin/env bash
# Configures and builds ChainBot into $BUILD_DIR (default: build/).
#   BUILD_TYPE=Release|RelWithDebInfo|Debug   CHAINBOT_SANITIZE=address,undefined
#   CHAINBOT_CMAKE_ARGS="-D..."   more cmake options (split on spaces)
#   scripts/build.sh [cmake --build target...]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build_dir="${BUILD_DIR:-$root/build}"
jobs="${JOBS:-$(nproc)}"
cmake -S "$root" -B "$build_dir" -DCMAKE_BUILD_TYPE="${BUILD_TYPE:-RelWithDebInfo}" \
      -DCHAINBOT_SANITIZE="${CHAINBOT_SANITIZE:-}" ${CHAINBOT_CMAKE_ARGS:-} >/dev/null
if [ $# -gt 0 ]; then
  # One invocation for all the targets: make then runs their sources in parallel, where one
  # target after another leaves a core idle at the end of each.
  cmake --build "$build_dir" -j "$jobs" --target "$@"
else
  cmake --build "$build_dir" -j "$jobs"
fi
