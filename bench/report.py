#!/usr/bin/env python3
"""Turns the raw lines bench/run.sh collected into bench/results/<date>.md and a gnuplot PNG.

  report.py RAW OUT.md OUT.png --wrk "wrk ..." --runs N --chainbot-cmd "..."
"""
import argparse, os, subprocess, tempfile

ap = argparse.ArgumentParser()
ap.add_argument("raw")
ap.add_argument("md")
ap.add_argument("png")
ap.add_argument("--wrk", default="wrk -t2 -c32 -d8s -s bench/post.lua")
ap.add_argument("--runs", default="3")
ap.add_argument("--chainbot-cmd", default="build-bench/bin/alex_os run")
a = ap.parse_args()

machine, http, rss, cold, engine, latency, fsync, ws, runs = {}, {}, {}, {}, {}, {}, {}, None, []
for line in open(a.raw):
    f = line.split()
    if not f:
        continue
    if f[0] == "MACHINE":
        machine[f[1]] = " ".join(f[2:])
    elif f[0] == "HTTP":
        kv = dict(zip(f[2::2], f[3::2]))
        http[f[1]] = {k: float(v) for k, v in kv.items()}
    elif f[0] == "RUN":
        runs.append(f)
    elif f[0] == "RSS":
        kv = dict(zip(f[2::2], f[3::2]))
        rss.setdefault(f[1], {}).update({k: float(v) / 1024 for k, v in kv.items()})
    elif f[0] == "COLDSTART":
        cold[f[1]] = float(f[2])
    elif f[0] == "ENGINE":
        engine[(f[1], f[2])] = (float(f[3]), float(f[4]), " ".join(f[5:]))
    elif f[0] == "LATENCY":
        latency[f[1]] = (float(f[2]), float(f[3]))
    elif f[0] == "FSYNC":
        fsync[f[1] + " at the start"] = float(f[2])
    elif f[0] == "FSYNC_ENGINE":
        fsync[f[1] + " before the engine runs"] = float(f[2])
    elif f[0] == "WS":
        ws = f


def num(x, digits=0):
    if x is None:
        return "n/a"
    return f"{x:,.{digits}f}"


rows = []  # figure, chainbot, node-red, ratio, target, met


def row(figure, cb, nr=None, target="", met=None, digits=0, ratio_digits=1):
    ratio = f"{cb / nr:.{ratio_digits}f}×" if cb is not None and nr else ""
    rows.append((figure, num(cb, digits), num(nr, digits) if nr is not None else "", ratio, target,
                 "" if met is None else ("yes" if met else "**no**")))


nr = http.get("node-red", {})
for mode, target_rps, target_p99 in (("durable", 1, None), ("ephemeral", 10, 5)):
    h = http.get("chainbot-" + mode)
    if not h:
        continue
    want = target_rps * nr.get("rps", 0)
    row(f"HTTP workflow, {mode}: requests/s", h["rps"], nr.get("rps"),
        f"≥ {target_rps}× Node-RED ({want:,.0f})", h["rps"] >= want if nr else None)
    row(f"HTTP workflow, {mode}: p50 latency (ms)", h["p50"], nr.get("p50"), "", None, 2, 2)
    row(f"HTTP workflow, {mode}: p99 latency (ms)", h["p99"], nr.get("p99"),
        f"< {target_p99} ms" if target_p99 else "", (h["p99"] < target_p99) if target_p99 else None, 2, 2)
    if h.get("non2xx") or h.get("errors"):
        row(f"HTTP workflow, {mode}: non-2xx / socket errors (all runs)", h.get("non2xx"), None, "0", False)
cb_rss, nr_rss = rss.get("chainbot", {}), rss.get("node-red", {})
row("RSS idle after start (MB)", cb_rss.get("idle_kb"), nr_rss.get("idle_kb"), "≤ 15 MB",
    cb_rss.get("idle_kb", 1e9) <= 15, 1, 2)
row("RSS peak under the HTTP load, VmHWM (MB)", cb_rss.get("peak_kb"), nr_rss.get("peak_kb"), "≤ 40 MB",
    cb_rss.get("peak_kb", 1e9) <= 40, 1, 2)
row("Cold start to first 200 (ms), existing data dir", cold.get("chainbot"), cold.get("node-red"), "< 100 ms",
    cold.get("chainbot", 1e9) < 100, 1, 2)
if "chainbot-first" in cold:
    row("Cold start to first 200 (ms), first start (migrations, admin bootstrap)", cold["chainbot-first"], None, "", None, 1)
fs = fsync.get("fdatasync before the engine runs", fsync.get("fdatasync at the start"))
for (mode, shape), (wall, cpu, note) in sorted(engine.items()):
    target, met = "", None
    if mode == "memory":
        target, met = "≥ 200,000 (one core)", wall >= 200000
    elif mode.startswith("sqlite") and fs:
        target, met = f"≥ 10× fsync ({10 * fs:,.0f})", wall >= 10 * fs
    row(f"Engine {mode}, {shape}: steps/s (wall)", wall, None, target, met)
    row(f"Engine {mode}, {shape}: steps per CPU-second", cpu, None)
for mode, (p50, p99) in sorted(latency.items()):
    row(f"Engine {mode}: step dispatch latency p50 / p99 (µs)", None, None)
    rows[-1] = (rows[-1][0], f"{p50:,.1f} / {p99:,.1f}", "", "", "", "")
for k, v in sorted(fsync.items()):
    call, when = k.split(" ", 1)
    row(f"Disk: raw {call} rate {when} (ops/s)", v, None)
if ws:
    kv = dict(x.split("=", 1) for x in ws[2:])
    row(f"WebSocket: event deliveries/s to {kv.get('clients')} clients", float(ws[1]), None, "≥ 200,000",
        float(ws[1]) >= 200000)
    rows.append(("WebSocket: drops reported to clients during the window", kv.get("dropped", "?"), "", "", "", ""))

date = os.path.basename(a.md)[:-3]
with open(a.md, "w") as out:
    w = out.write
    w(f"# ChainBot vs Node-RED, {date}\n\n")
    w("Produced by `bench/run.sh` (issue 10). Same machine, same run; HTTP figures are medians of "
      f"{a.runs} runs after one warm-up run per side. Ratio is ChainBot / Node-RED.\n\n")
    w(f"![chart]({os.path.basename(a.png)})\n\n")
    w("| figure | ChainBot | Node-RED | ratio | target | met |\n|---|---:|---:|---:|---|---|\n")
    for r in rows:
        w("| " + " | ".join(r) + " |\n")
    w("\n## Command lines\n\n```sh\n")
    w(f"# ChainBot (module on SQLite, WAL, synchronous NORMAL), the workflow of bench/workflow.json\n{a.chainbot_cmd}\n")
    w(f"{a.wrk} http://127.0.0.1:18000/api/chainbot/workflows/<id>/execute?wait=true   "
      "# BENCH_BODY=bench/body.json BENCH_TOKEN=<data_dir>/admin_token; the ephemeral run uses a copy with \"ephemeral\": true\n")
    w("# Node-RED 4.1 with bench/node-red/flows.json\n"
      "node bench/node-red/node_modules/node-red/red.js --settings bench/node-red/settings.js --userDir <work>/node-red\n")
    w(f"{a.wrk} http://127.0.0.1:18800/bench   # BENCH_BODY=bench/node-red/body.json\n")
    w("bench/coldstart.py http://127.0.0.1:18000/api/chainbot/health -- <the ChainBot command>   # median of 5 restarts\n")
    w("bench/coldstart.py http://127.0.0.1:18800/bench --post bench/node-red/body.json -- <the Node-RED command>   # median of 3\n")
    w("# RSS: VmRSS of /proc/<pid>/status 3 s after start; peak: VmHWM after both wrk series\n")
    w("build-bench/bin/ws_fanout 18000 <token> <id of bench/ws_workflow.json> 100 5 1   # 1 publisher: more offered load only adds drops\n")
    w("taskset -c 0 build-bench/bin/engine_bench --mode memory\n")
    w("build-bench/bin/engine_bench --mode sqlite-normal; build-bench/bin/engine_bench --mode sqlite-full\n")
    w("scripts/with-postgres.sh build-bench/bin/engine_bench --mode postgres\n")
    w("build-bench/bin/fsync_rate <dir on the same disk> 2   # at the start, and again right before the durable engine runs\n```\n\n")
    w("Engine figures: 100-step workflows of `transform` steps (an expression each), `sequential` "
      "(each step after the previous) and `parallel` (all 100 at once); batches of executions submitted at once, "
      "16 running at a time. Dispatch latency: the time between consecutive step completions of one "
      "sequential execution of 2000 steps in memory, 300 durably (so it includes the step's own work and, durably, its commit).\n\n")
    for (mode, shape), (_, _, note) in sorted(engine.items()):
        w(f"- engine {mode} {shape}: {note}\n")
    w("\n## Every run\n\n```\n")
    for r in runs:
        w(" ".join(r) + "\n")
    w("```\n\n## Machine\n\n")
    for k, v in machine.items():
        w(f"- {k}: {v}\n")

# The chart: four panels, ChainBot durable / ephemeral against Node-RED.
with tempfile.TemporaryDirectory() as tmp:
    def data(name, pairs):
        p = os.path.join(tmp, name)
        with open(p, "w") as f:
            for label, v in pairs:
                f.write(f'"{label}" {v if v is not None else 0}\n')
        return p
    d, e = http.get("chainbot-durable", {}), http.get("chainbot-ephemeral", {})
    rps = data("rps", [("ChainBot durable", d.get("rps")), ("ChainBot ephemeral", e.get("rps")), ("Node-RED", nr.get("rps"))])
    p99 = data("p99", [("ChainBot durable", d.get("p99")), ("ChainBot ephemeral", e.get("p99")), ("Node-RED", nr.get("p99"))])
    mem = data("mem", [("ChainBot idle", cb_rss.get("idle_kb")), ("ChainBot peak", cb_rss.get("peak_kb")),
                       ("Node-RED idle", nr_rss.get("idle_kb")), ("Node-RED peak", nr_rss.get("peak_kb"))])
    start = data("start", [("ChainBot", cold.get("chainbot")), ("Node-RED", cold.get("node-red"))])
    script = f"""
set terminal pngcairo size 1200,800 font ",10"
set output "{a.png}"
set multiplot layout 2,2 title "ChainBot vs Node-RED ({date}, wrk -t2 -c32, medians)"
set style data histograms
set style fill solid 0.8 border -1
set boxwidth 0.7
set grid ytics
set yrange [0:*]
unset key
set xtics nomirror
set title "HTTP workflow: requests/s (higher is better)"
plot "{rps}" using 2:xtic(1) lc rgb "#3465a4", '' using 0:2:(sprintf("%.0f",$2)) with labels offset 0,0.7
set title "HTTP workflow: p99 latency, ms (lower is better)"
plot "{p99}" using 2:xtic(1) lc rgb "#cc0000", '' using 0:2:(sprintf("%.1f",$2)) with labels offset 0,0.7
set title "RSS, MB (lower is better)"
plot "{mem}" using 2:xtic(1) lc rgb "#73d216", '' using 0:2:(sprintf("%.1f",$2)) with labels offset 0,0.7
set title "Cold start to first 200, ms (lower is better)"
plot "{start}" using 2:xtic(1) lc rgb "#f57900", '' using 0:2:(sprintf("%.0f",$2)) with labels offset 0,0.7
unset multiplot
"""
    subprocess.run(["gnuplot"], input=script.encode(), check=True)
