#!/usr/bin/env bash
# The sanitizer runs (issue 12), each a Debug build in a directory of its own, with a real
# PostgreSQL (scripts/with-postgres.sh):
#   scripts/sanitize.sh address   ASan + UBSan: builds everything into build-sanitize/ and runs
#                                 the whole ctest suite but the package test (it packages this
#                                 build: slow, and nothing a sanitizer checks), then the secret scan
#   scripts/sanitize.sh thread    TSan: builds the concurrency suites into build-tsan/ and runs
#                                 the labels orchestrator, ws, agents, events, entanglement
#   scripts/sanitize.sh           both, one after the other
# Extra arguments go to ctest (scripts/sanitize.sh thread -R hub). Prints each run's build and
# test times. Environment: JOBS (nproc), TEST_JOBS (JOBS + 1), CHAINBOT_CMAKE_ARGS (default
# below: -g1), TSAN_LABELS (a ctest label regex), ASAN_OPTIONS, UBSAN_OPTIONS, TSAN_OPTIONS
# (defaults below: stop at the first report).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
mode="${1:-all}"
case "$mode" in
  address|thread|all) [ $# -gt 0 ] && shift ;;
  -*) mode=all ;;
  *) echo "usage: $0 [address|thread|all] [ctest arguments...]" >&2; exit 2 ;;
esac
jobs="${JOBS:-$(nproc)}"
# Many tests mostly wait (timers, child processes, the browser): one more test than cores.
test_jobs="${TEST_JOBS:-$((jobs + 1))}"
# Debug builds with line tables only (-g1): sanitizer reports keep their file:line frames, the
# builds take about a sixth less time than with full debug information (-g).
export CHAINBOT_CMAKE_ARGS="${CHAINBOT_CMAKE_ARGS:--DCMAKE_CXX_FLAGS_DEBUG=-g1 -DCMAKE_C_FLAGS_DEBUG=-g1}"
"$root/scripts/install-deps.sh"
summary=()
status=0

# A test that failed only on timing (the multi-process cluster and crash tests on a loaded machine:
# sanitized code runs 2-10x slower) gets one more run; a sanitizer report never passes, on any run,
# since every run's output is in ctest's LastTest.log and is searched here.
sanitizer_reports() {
  local log="$1/Testing/Temporary/LastTest.log" found
  [ -f "$log" ] || { echo "sanitize: no test output in $log" >&2; return 1; }
  found="$(grep -n -E 'ERROR: (AddressSanitizer|LeakSanitizer)|WARNING: ThreadSanitizer|runtime error:' "$log" | head -20 || true)"
  if [ -n "$found" ]; then
    echo "sanitize: sanitizer reports in $log:" >&2
    echo "$found" >&2
    return 1
  fi
}

run_address() {
  local dir="$root/build-sanitize" start built
  export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}"
  export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
  start=$(date +%s)
  BUILD_DIR="$dir" BUILD_TYPE=Debug CHAINBOT_SANITIZE=address,undefined JOBS="$jobs" "$root/scripts/build.sh"
  built=$(date +%s)
  local rc=0
  "$root/scripts/with-postgres.sh" ctest --test-dir "$dir" -LE '^package$' --output-on-failure -j "$test_jobs" \
    --repeat until-pass:2 "$@" || rc=$?
  sanitizer_reports "$dir" || rc=1
  [ "$rc" -ne 0 ] || "$root/scripts/secret-scan.sh" "$dir" || rc=$?
  summary+=("address,undefined: build $((built - start)) s, tests $(( $(date +%s) - built )) s (whole suite), $( [ "$rc" -eq 0 ] && echo passed || echo FAILED)")
  [ "$rc" -eq 0 ] || status=1
}

run_thread() {
  local dir="$root/build-tsan" start built labels
  labels="${TSAN_LABELS:-^(orchestrator|ws|agents|events|entanglement)\$}"
  # tests/hardening/tsan.supp: only Catch2's own bookkeeping when a test asserts off the main thread.
  export TSAN_OPTIONS="${TSAN_OPTIONS:-halt_on_error=1:second_deadlock_stack=1:suppressions=$root/tests/hardening/tsan.supp}"
  start=$(date +%s)
  # Only the test programs of those labels (and what they run: the crash child, the example).
  BUILD_DIR="$dir" BUILD_TYPE=Debug CHAINBOT_SANITIZE=thread JOBS="$jobs" "$root/scripts/build.sh" \
    orchestrator_tests orchestrator_crash_tests orchestrator_crash_child ws_tests agents_tests events_tests \
    entanglement_tests coordinator_example
  built=$(date +%s)
  local rc=0
  "$root/scripts/with-postgres.sh" ctest --test-dir "$dir" -L "$labels" --output-on-failure -j "$test_jobs" \
    --repeat until-pass:2 "$@" || rc=$?
  sanitizer_reports "$dir" || rc=1
  summary+=("thread: build $((built - start)) s, tests $(( $(date +%s) - built )) s (labels $labels), $( [ "$rc" -eq 0 ] && echo passed || echo FAILED)")
  [ "$rc" -eq 0 ] || status=1
}

case "$mode" in
  address) run_address "$@" ;;
  thread) run_thread "$@" ;;
  all) run_address "$@"; run_thread "$@" ;;
esac
for line in "${summary[@]}"; do echo "sanitize: $line"; done
exit "$status"
