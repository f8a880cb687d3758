#!/usr/bin/env bash
# The soak (issue 12): starts the real host (alex_os) with ChainBot on SQLite in a temporary
# data directory, puts concurrent REST clients, WebSocket subscribers and executions on it over
# loopback for SOAK_SECONDS, samples the host's RSS (VmRSS), open descriptors and queue depths
# (GET /api/chainbot/metrics) every few seconds, prints the table and fails when memory drifts
# after the warm-up, descriptors leak or queues grow (see bench/soak.cpp for the rules).
#   scripts/soak.sh                      120 s, 4 REST clients, 8 WebSocket subscribers
#   SOAK_SECONDS=60 scripts/soak.sh      a shorter bounded run (CI)
# Environment: SOAK_SECONDS (120), SOAK_CLIENTS (4), SOAK_SUBSCRIBERS (8), SOAK_SAMPLE_SECONDS
# (5), SOAK_WARMUP_SECONDS (a quarter of the run, 10 to 60), SOAK_MAX_DRIFT_MB (5),
# SOAK_MAX_DRIFT_PERCENT (10), BUILD_DIR (build/; built here with scripts/build.sh when the
# programs are missing or stale), SOAK_NO_BUILD=1 (use what is built).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build_dir="${BUILD_DIR:-$root/build}"
seconds="${SOAK_SECONDS:-120}"

if [ -z "${SOAK_NO_BUILD:-}" ]; then
  BUILD_DIR="$build_dir" "$root/scripts/build.sh" alex_os chainbot chainbot_soak >/dev/null
fi
host="$build_dir/bin/alex_os"
soak="$build_dir/bin/chainbot_soak"
for f in "$host" "$soak"; do
  [ -x "$f" ] || { echo "soak: $f is missing (build it, or unset SOAK_NO_BUILD)" >&2; exit 1; }
done

work="$(mktemp -d /tmp/chainbot-soak.XXXXXX)"
pid=""
cleanup() {
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
port=""
for _ in $(seq 20); do
  p=$((20000 + RANDOM % 12000))  # below the kernel's ephemeral range (32768-60999): no outgoing connection holds it
  if port_free "$p"; then port="$p"; break; fi
done
[ -n "$port" ] || { echo "soak: no free port found" >&2; exit 1; }

log="$work/host.log"
"$host" run --log-level WARNING --set "chainbot.api.port=$port" --set "chainbot.module.data_dir=$work/data" \
  --set chainbot.logging.level=WARNING >"$log" 2>&1 &
pid=$!
for _ in $(seq 300); do
  if curl -sf "http://127.0.0.1:$port/api/chainbot/health" >/dev/null 2>&1 && [ -s "$work/data/admin_token" ]; then break; fi
  kill -0 "$pid" 2>/dev/null || { echo "soak: the host exited at start:" >&2; sed 's/^/  | /' "$log" >&2; exit 1; }
  sleep 0.1
done
curl -sf "http://127.0.0.1:$port/api/chainbot/health" >/dev/null || { echo "soak: the host did not answer" >&2; exit 1; }
token="$(cat "$work/data/admin_token")"

echo "soak: $(basename "$host") pid $pid on 127.0.0.1:$port, build $(grep -m1 CMAKE_BUILD_TYPE: "$build_dir/CMakeCache.txt" | cut -d= -f2), data in $work/data" >&2
set +e
"$soak" --port "$port" --pid "$pid" --token "$token" --seconds "$seconds" \
  --clients "${SOAK_CLIENTS:-4}" --subscribers "${SOAK_SUBSCRIBERS:-8}" \
  --sample-seconds "${SOAK_SAMPLE_SECONDS:-5}" \
  ${SOAK_WARMUP_SECONDS:+--warmup-seconds "$SOAK_WARMUP_SECONDS"} \
  --max-drift-mb "${SOAK_MAX_DRIFT_MB:-5}" --max-drift-percent "${SOAK_MAX_DRIFT_PERCENT:-10}"
status=$?
set -e
unset token
echo "soak: database $(du -h "$work/data/chainbot.db" 2>/dev/null | cut -f1) after the run" >&2

# A clean stop: SIGTERM, the host must exit 0 within 10 s.
kill "$pid"
stopped=""
for _ in $(seq 100); do
  if ! kill -0 "$pid" 2>/dev/null; then stopped=yes; break; fi
  sleep 0.1
done
if [ -z "$stopped" ]; then
  echo "soak: the host did not stop within 10 s of SIGTERM" >&2
  status=1
else
  host_status=0
  wait "$pid" || host_status=$?
  pid=""
  if [ "$host_status" -ne 0 ]; then
    echo "soak: the host exited with $host_status" >&2
    status=1
  fi
fi
if [ "$status" -ne 0 ]; then
  echo "soak: the host's log:" >&2
  tail -50 "$log" | sed 's/^/  | /' >&2
fi
exit "$status"
