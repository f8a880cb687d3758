#!/usr/bin/env bash
# Builds the libFuzzer targets (fuzz/) with clang into build-fuzz/ and runs each for a bounded
# time on a scratch copy of its seed corpus (fuzz/corpus/<target>/ plus fuzz/regressions/<target>/).
# Prints, per target, the executions, the coverage (cov/ft of libFuzzer's last status line) and
# the crashes; a crashing input is saved to fuzz/crashes/ and the script exits non-zero.
#   FUZZ_SECONDS=20      seconds per target (libFuzzer -max_total_time)
#   FUZZ_TARGETS="..."   the targets to run (default: all)
#   FUZZ_JOBS=1          targets run at once (each uses one core)
#   FUZZ_PLUGIN=path     the libchainbot.so fuzz_abi loads (default: build/'s, built with gcc if missing)
#   JOBS=2               compile jobs
#   scripts/fuzz.sh [extra libFuzzer flags...]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build_dir="$root/build-fuzz"
seconds="${FUZZ_SECONDS:-20}"
jobs="${JOBS:-2}"
parallel="${FUZZ_JOBS:-1}"
all_targets="fuzz_definition fuzz_expressions fuzz_templates fuzz_config_json fuzz_config_yaml fuzz_config_toml
             fuzz_http_request fuzz_ws_frames fuzz_abi"
read -r -a targets <<< "$(echo ${FUZZ_TARGETS:-$all_targets})"
extra=("$@")

# clang and libFuzzer (Debian: clang, libclang-rt-14-dev); install-deps.sh installs them.
if ! command -v clang++ >/dev/null 2>&1 || [ ! -f "$(clang++ -print-resource-dir 2>/dev/null)/lib/linux/libclang_rt.fuzzer-x86_64.a" ]; then
  "$root/scripts/install-deps.sh"
fi

start=$(date +%s)
CC=clang CXX=clang++ cmake -S "$root" -B "$build_dir" -DCHAINBOT_FUZZ=ON -DCHAINBOT_BUILD_TESTS=OFF \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O1 -gline-tables-only" \
  "-DCMAKE_C_FLAGS_RELWITHDEBINFO=-O1 -gline-tables-only" >/dev/null
cmake --build "$build_dir" -j "$jobs" --target "${targets[@]}"
built=$(date +%s)
echo "fuzz: clang build of ${#targets[@]} targets: $((built - start)) s"

# fuzz_abi loads the module of the normal (gcc) build, brought up to date here (nothing to do
# after scripts/test.sh): the core does not build with clang 14.
plugin="${FUZZ_PLUGIN:-$root/build/bin/modules/chainbot/libchainbot.so}"
if [[ " ${targets[*]} " == *" fuzz_abi "* ]]; then
  if [ -n "${FUZZ_PLUGIN:-}" ]; then
    [ -f "$plugin" ] || { echo "fuzz: FUZZ_PLUGIN=$plugin does not exist" >&2; exit 2; }
  else
    BUILD_DIR="$root/build" CHAINBOT_SANITIZE="" JOBS="$jobs" "$root/scripts/build.sh" chainbot >/dev/null
  fi
fi
export CHAINBOT_FUZZ_PLUGIN="$plugin"
plugin_ready=$(date +%s)

crashes_dir="$root/fuzz/crashes"
mkdir -p "$crashes_dir"
work="$(mktemp -d /tmp/chainbot-fuzz.XXXXXX)"
trap 'rm -rf "$work"' EXIT
export CHAINBOT_FUZZ_SCRATCH="$work"  # fuzz_abi's modules keep their data dirs there

run_one() {
  local t="$1" corpus="$work/$1/corpus" artifacts="$work/$1/artifacts"
  mkdir -p "$corpus" "$artifacts"
  for d in "$root/fuzz/corpus/$t" "$root/fuzz/regressions/$t"; do
    [ -d "$d" ] && find "$d" -type f ! -name '.*' -exec cp {} "$corpus/" \;
  done
  local dict=()
  [ -f "$root/fuzz/dict/$t.dict" ] && dict=("-dict=$root/fuzz/dict/$t.dict")
  local rc=0
  "$build_dir/fuzz/$t" -max_total_time="$seconds" -timeout=5 -rss_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix="$artifacts/" "${dict[@]}" "${extra[@]}" "$corpus" > "$work/$t.log" 2>&1 || rc=$?
  echo "$rc" > "$work/$t.rc"
}

fuzz_start=$(date +%s)
running=0
for t in "${targets[@]}"; do
  run_one "$t" &
  running=$((running + 1))
  if [ "$running" -ge "$parallel" ]; then wait -n || true; running=$((running - 1)); fi
done
wait || true
fuzz_end=$(date +%s)

failed=0
printf '%-18s %12s %10s %8s %8s %8s %8s\n' target executions exec/s cov ft corpus crashes
for t in "${targets[@]}"; do
  log="$work/$t.log"
  rc="$(cat "$work/$t.rc" 2>/dev/null || echo 1)"
  execs="$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)"
  rate="$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)"
  status="$(grep -E '^#[0-9]+.*cov: ' "$log" | tail -1 || true)"
  cov="$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<< "$status")"
  ft="$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<< "$status")"
  corp="$(sed -n 's/.* corp: \([0-9]*\).*/\1/p' <<< "$status")"
  found=0
  for f in "$work/$t/artifacts"/*; do
    [ -f "$f" ] || continue
    found=$((found + 1))
    cp "$f" "$crashes_dir/$t-$(basename "$f")"
  done
  if [ "$rc" != 0 ] && [ "$found" = 0 ]; then found=1; fi  # died without an artifact (setup failure)
  printf '%-18s %12s %10s %8s %8s %8s %8s\n' "$t" "${execs:-?}" "${rate:-?}" "${cov:-?}" "${ft:-?}" "${corp:-?}" "$found"
  if [ "$found" != 0 ]; then
    failed=1
    echo "---- $t (exit $rc): last lines of its log; inputs saved in fuzz/crashes/$t-*" >&2
    grep -vE '^#[0-9]+' "$log" | tail -40 >&2
  fi
done
echo "fuzz: ${#targets[@]} targets x ${seconds} s (${parallel} at a time): $((fuzz_end - fuzz_start)) s; clang build $((built - start)) s; plugin check $((plugin_ready - built)) s; total $((fuzz_end - start)) s"
if [ "$failed" != 0 ]; then
  echo "fuzz: crashes found; fix them, then move each input to fuzz/regressions/<target>/ (ctest -L fuzz replays it)" >&2
  exit 1
fi
echo "fuzz: no crash"
