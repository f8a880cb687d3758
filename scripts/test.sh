#!/usr/bin/env bash
# The second README command: installs what is missing, builds everything and runs the
# whole test suite through CTest. Extra arguments go to ctest (e.g. -L abi, -R config).
#   CHAINBOT_SANITIZE=address,undefined scripts/test.sh   builds into build-sanitize/
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$root/scripts/install-deps.sh"
if [ -n "${CHAINBOT_SANITIZE:-}" ]; then
  export BUILD_DIR="${BUILD_DIR:-$root/build-sanitize}"
  export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}"
  export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
fi
build_dir="${BUILD_DIR:-$root/build}"
start=$(date +%s)
"$root/scripts/build.sh"
built=$(date +%s)
# The store and orchestrator suites run against a real PostgreSQL server, which
# with-postgres.sh starts for the duration of the run (and stops afterwards).
"$root/scripts/with-postgres.sh" ctest --test-dir "$build_dir" --output-on-failure -j "${JOBS:-$(nproc)}" "$@"
# No fixed test secret (tests/support/test_secrets.hpp) may appear in what the tests printed.
"$root/scripts/secret-scan.sh" "$build_dir"
echo "build $((built - start)) s, tests $(( $(date +%s) - built )) s"
