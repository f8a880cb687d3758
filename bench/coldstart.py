#!/usr/bin/env python3
"""Starts a server and measures the time from process start to its first HTTP 200.

  coldstart.py URL [--post BODYFILE] [--pidfile F] [--log F] -- CMD [ARGS...]

Polls URL every millisecond (a GET, or a POST of BODYFILE as JSON) over a raw socket, so no
client start-up cost is counted. Prints "COLDSTART <ms>" and leaves the server running (its
pid goes to --pidfile)."""
import argparse, os, socket, subprocess, sys, time
from urllib.parse import urlsplit

ap = argparse.ArgumentParser()
ap.add_argument("url")
ap.add_argument("--post")
ap.add_argument("--pidfile")
ap.add_argument("--log", default=os.devnull)
ap.add_argument("--timeout", type=float, default=30)
argv = sys.argv[1:]
if "--" not in argv:
    sys.exit("usage: coldstart.py URL [--post BODYFILE] [--pidfile F] [--log F] -- CMD [ARGS...]")
cut = argv.index("--")
a = ap.parse_args(argv[:cut])
cmd = argv[cut + 1:]
u = urlsplit(a.url)
if a.post:
    body = open(a.post, "rb").read()
    req = (f"POST {u.path} HTTP/1.1\r\nHost: {u.hostname}\r\nContent-Type: application/json\r\n"
           f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n").encode() + body
else:
    req = f"GET {u.path} HTTP/1.1\r\nHost: {u.hostname}\r\nConnection: close\r\n\r\n".encode()

log = open(a.log, "ab")
t0 = time.monotonic()
p = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)
if a.pidfile:
    open(a.pidfile, "w").write(str(p.pid))
while True:
    if p.poll() is not None:
        sys.exit(f"coldstart: the server exited with {p.returncode} (see {a.log})")
    if time.monotonic() - t0 > a.timeout:
        sys.exit("coldstart: no 200 within the timeout")
    try:
        with socket.create_connection((u.hostname, u.port), timeout=1) as s:
            s.sendall(req)
            head = s.recv(64)
            if head.startswith(b"HTTP/1.1 200"):
                break
    except OSError:
        pass
    time.sleep(0.001)
print(f"COLDSTART {(time.monotonic() - t0) * 1000:.1f}")
