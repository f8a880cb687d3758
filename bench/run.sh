#!/usr/bin/env bash
# ChainBot side by side with Node-RED (issue 10). One command:
#   bench/run.sh
# Installs what is missing (wrk and gnuplot from apt, Node-RED 4.1 from npm into
# bench/node-red/node_modules), builds ChainBot in Release into build-bench/ (with
# -DCHAINBOT_BENCH=ON), runs every benchmark, and writes bench/results/<date>.md and
# bench/results/<date>.png (<date>-2, -3, ... for later runs of the same day). Environment:
#   JOBS=2         parallel build jobs
#   RUNS=3         measured runs per HTTP figure (the median is reported)
#   DURATION=8     seconds per wrk run (wrk -t2 -c32, as in the issue)
#   SKIP_PG=1      skip the PostgreSQL engine figures (they need scripts/with-postgres.sh)
#   CB_SET="..."   extra --set options for the ChainBot host
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bench="$root/bench"
build="$root/build-bench"
jobs="${JOBS:-2}"
runs="${RUNS:-3}"
duration="${DURATION:-8}"
wrk_args=(-t2 -c32 "-d${duration}s")
stamp="$(date -u +%Y-%m-%d)"
# A second run on the same day writes <date>-2.md, then -3, ...: earlier results are kept.
if [ -e "$root/bench/results/$stamp.md" ]; then
  n=2
  while [ -e "$root/bench/results/$stamp-$n.md" ]; do n=$((n + 1)); done
  stamp="$stamp-$n"
fi
results="$bench/results"
work="$build/bench-work"
raw="$work/raw.txt"
cb_port=18000
nr_port=18800
mkdir -p "$results"
rm -rf "$work"
mkdir -p "$work"
: >"$raw"

log() { echo "== $*" >&2; }
record() { echo "$*" | tee -a "$raw"; }
sudo_if_needed() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

# ---- dependencies -------------------------------------------------------------------------
missing=()
command -v wrk >/dev/null || missing+=(wrk)
command -v gnuplot >/dev/null || missing+=(gnuplot-nox)
command -v taskset >/dev/null || missing+=(util-linux)
if [ ${#missing[@]} -gt 0 ]; then
  log "apt-get install ${missing[*]}"
  sudo_if_needed apt-get update -qq
  sudo_if_needed apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
"$root/scripts/install-deps.sh"
if [ ! -f "$bench/node-red/node_modules/node-red/package.json" ]; then
  log "npm install node-red 4.1 into bench/node-red"
  (cd "$bench/node-red" && npm install --no-audit --no-fund --omit=dev --loglevel=error)
fi

# ---- build ----------------------------------------------------------------------------------
log "building ChainBot (Release) into build-bench"
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release -DCHAINBOT_BUILD_TESTS=OFF -DCHAINBOT_BENCH=ON >/dev/null
cmake --build "$build" -j "$jobs" --target alex_os chainbot engine_bench fsync_rate ws_fanout

# ---- helpers --------------------------------------------------------------------------------
port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
for p in $cb_port $nr_port; do
  port_free "$p" || { echo "port $p is in use" >&2; exit 1; }
done
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
}
trap cleanup EXIT
kb() { awk -v k="$2:" '$1 == k {print $2}' "/proc/$1/status"; }
stop_pid() {
  kill "$1" 2>/dev/null || true
  for _ in $(seq 100); do kill -0 "$1" 2>/dev/null || return 0; sleep 0.05; done
  kill -9 "$1" 2>/dev/null || true
}
median() { sort -g | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}'; }
# wrk_median NAME URL BODY [TOKEN]: one warm-up run, then $runs runs; records the medians.
wrk_median() {
  local name="$1" url="$2" body="$3" token="${4:-}" out="$work/wrk-$1.txt"
  : >"$out"
  log "$name: warm-up"
  BENCH_BODY="$body" BENCH_TOKEN="$token" wrk "${wrk_args[@]}" -s "$bench/post.lua" "$url" | grep '^BENCH' | sed "s/^/WARMUP $name /" | tee -a "$raw" >&2
  for r in $(seq "$runs"); do
    BENCH_BODY="$body" BENCH_TOKEN="$token" wrk "${wrk_args[@]}" -s "$bench/post.lua" "$url" | grep '^BENCH' >>"$out"
    log "$name run $r: $(tail -1 "$out")"
  done
  record "HTTP $name rps $(awk '{print $2}' "$out" | median) p50 $(awk '{print $3}' "$out" | median)" \
         "p99 $(awk '{print $4}' "$out" | median) non2xx $(awk '{s += $6} END {print s}' "$out")" \
         "errors $(awk '{s += $7} END {print s}' "$out")"
  sed "s/^/RUN $name /" "$out" >>"$raw"
}

# ---- machine --------------------------------------------------------------------------------
{
  echo "MACHINE cpu $(lscpu | awk -F: '/Model name/ {gsub(/^ +/, "", $2); print $2; exit}')"
  echo "MACHINE cores $(nproc)"
  echo "MACHINE memory $(awk '/MemTotal/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo)"
  echo "MACHINE kernel $(uname -sr)"
  echo "MACHINE os $(. /etc/os-release && echo "$PRETTY_NAME")"
  echo "MACHINE disk $(df -h "$build" | awk 'NR == 2 {print $1 " (" $2 ")"}')"
  echo "MACHINE load_at_start $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "MACHINE compiler $(c++ --version | head -1)"
  echo "MACHINE node $(node --version)"
  echo "MACHINE node_red $(node -p "require('$bench/node-red/node_modules/node-red/package.json').version")"
  echo "MACHINE wrk $(wrk -v 2>&1 | head -1 | awk '{print $2}')"
  case "$(ldd "$build/bin/alex_os")" in
    *libjemalloc*) echo "MACHINE allocator jemalloc (alex_os is linked with libjemalloc2)" ;;
    *) echo "MACHINE allocator the C library's malloc" ;;
  esac
  echo "MACHINE commit $(git -C "$root" rev-parse --short HEAD)$(git -C "$root" diff --quiet HEAD -- src include || echo ' + uncommitted changes')"
} | tee -a "$raw"

# ---- raw fsync rate of the disk the databases live on ------------------------------------------
log "fsync rate"
"$build/bin/fsync_rate" "$work" 2 | tee -a "$raw"

# ---- ChainBot over HTTP -----------------------------------------------------------------------
cb_data="$work/chainbot-data"
cb_cmd=("$build/bin/alex_os" run --log-level WARNING
        --set "chainbot.api.port=$cb_port" --set "chainbot.module.data_dir=$cb_data"
        --set chainbot.logging.level=WARNING ${CB_SET:-})
health="http://127.0.0.1:$cb_port/api/chainbot/health"
log "ChainBot cold start (first start: creates the database, migrates, bootstraps the admin)"
first=$(python3 "$bench/coldstart.py" "$health" --pidfile "$work/cb.pid" --log "$work/chainbot.log" -- "${cb_cmd[@]}")
record "${first/COLDSTART/COLDSTART chainbot-first}"
stop_pid "$(cat "$work/cb.pid")"
starts=()
for i in 1 2 3 4 5; do
  starts+=("$(python3 "$bench/coldstart.py" "$health" --pidfile "$work/cb.pid" --log "$work/chainbot.log" -- "${cb_cmd[@]}" | awk '{print $2}')")
  [ "$i" -lt 5 ] && stop_pid "$(cat "$work/cb.pid")"
done
record "COLDSTART chainbot $(printf '%s\n' "${starts[@]}" | median) runs ${starts[*]}"
cb_pid=$(cat "$work/cb.pid")
pids+=("$cb_pid")
sleep 3
record "RSS chainbot idle_kb $(kb "$cb_pid" VmRSS)"
token=$(cat "$cb_data/admin_token")
api="http://127.0.0.1:$cb_port/api/chainbot"
create() {
  curl -sf -H "Authorization: Bearer $token" -H 'Content-Type: application/json' --data-binary @- "$api/workflows" |
    python3 -c 'import sys, json; print(json.load(sys.stdin)["id"])'
}
wf_durable=$(create <"$bench/workflow.json")
wf_ephemeral=$(python3 -c 'import json, sys; d = json.load(open(sys.argv[1])); d["ephemeral"] = True; d["name"] += " (ephemeral)"; print(json.dumps(d))' "$bench/workflow.json" | create)
wf_ws=$(create <"$bench/ws_workflow.json")
log "answer of the durable workflow:"
curl -s -H "Authorization: Bearer $token" -H 'Content-Type: application/json' --data-binary @"$bench/body.json" \
  "$api/workflows/$wf_durable/execute?wait=true" | tee "$work/chainbot-answer.json" >&2
echo >&2
wrk_median chainbot-durable "$api/workflows/$wf_durable/execute?wait=true" "$bench/body.json" "$token"
wrk_median chainbot-ephemeral "$api/workflows/$wf_ephemeral/execute?wait=true" "$bench/body.json" "$token"
record "RSS chainbot peak_kb $(kb "$cb_pid" VmHWM) after_load_kb $(kb "$cb_pid" VmRSS)"

# ---- WebSocket fan-out ------------------------------------------------------------------------
log "WebSocket fan-out to 100 clients"
"$build/bin/ws_fanout" "$cb_port" "$token" "$wf_ws" 100 5 1 | tee -a "$raw"
stop_pid "$cb_pid"

# ---- Node-RED ---------------------------------------------------------------------------------
nr_dir="$work/node-red"
mkdir -p "$nr_dir"
cp "$bench/node-red/flows.json" "$nr_dir/flows.json"
nr_cmd=(env PORT="$nr_port" node "$bench/node-red/node_modules/node-red/red.js" --settings "$bench/node-red/settings.js"
        --userDir "$nr_dir")
nr_url="http://127.0.0.1:$nr_port/bench"
log "Node-RED cold start"
starts=()
for i in 1 2 3; do
  starts+=("$(python3 "$bench/coldstart.py" "$nr_url" --post "$bench/node-red/body.json" --pidfile "$work/nr.pid" \
              --log "$work/node-red.log" -- "${nr_cmd[@]}" | awk '{print $2}')")
  [ "$i" -lt 3 ] && stop_pid "$(cat "$work/nr.pid")"
done
record "COLDSTART node-red $(printf '%s\n' "${starts[@]}" | median) runs ${starts[*]}"
nr_pid=$(cat "$work/nr.pid")
pids+=("$nr_pid")
sleep 3
record "RSS node-red idle_kb $(kb "$nr_pid" VmRSS)"
log "answer of Node-RED:"
curl -s -H 'Content-Type: application/json' --data-binary @"$bench/node-red/body.json" "$nr_url" | tee "$work/node-red-answer.json" >&2
echo >&2
wrk_median node-red "$nr_url" "$bench/node-red/body.json"
record "RSS node-red peak_kb $(kb "$nr_pid" VmHWM) after_load_kb $(kb "$nr_pid" VmRSS)"
stop_pid "$nr_pid"

# ---- engine micro-benchmarks --------------------------------------------------------------------
log "engine: in memory, pinned to one core"
taskset -c 0 "$build/bin/engine_bench" --mode memory --dir "$work/engine" | tee -a "$raw"
# The disk is shared with whatever else runs here: measure its fsync rate again right
# before the durable engine figures, which are read against it.
"$build/bin/fsync_rate" "$work" 2 | sed 's/^FSYNC /FSYNC_ENGINE /' | tee -a "$raw"
for m in sqlite-normal sqlite-full; do
  log "engine: $m"
  "$build/bin/engine_bench" --mode "$m" --dir "$work/engine" | tee -a "$raw"
done
if [ -z "${SKIP_PG:-}" ]; then
  log "engine: postgres"
  "$root/scripts/with-postgres.sh" "$build/bin/engine_bench" --mode postgres --dir "$work/engine" | tee -a "$raw"
fi

# ---- report ---------------------------------------------------------------------------------
cp "$bench/workflow.json" "$work/"
python3 "$bench/report.py" "$raw" "$results/$stamp.md" "$results/$stamp.png" \
  --wrk "wrk ${wrk_args[*]} -s bench/post.lua" --runs "$runs" --chainbot-cmd "${cb_cmd[*]/#$root\//}"
log "wrote $results/$stamp.md and $results/$stamp.png"
