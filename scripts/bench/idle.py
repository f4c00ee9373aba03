#!/usr/bin/env python3
"""Gateway memory per idle WebSocket (issue 14): starts `switchyard up` on free loopback ports, opens N idle
WebSocket connections to one endpoint (the step tracker, the lobby, or Socket.IO's WebSocket transport), and reads
the gateway's RSS from /proc before and after. Standard library only; run through scripts/bench/idle."""
import argparse
import base64
import json
import os
import random
import resource
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.request

from benchkit import rss_kib

# This process and the gateway each hold one descriptor per connection; both get the hard limit.
DESCRIPTORS = resource.getrlimit(resource.RLIMIT_NOFILE)[1]

ENDPOINTS = {
    # name: (port offset, request path)
    "steps": (2, "/"),
    "lobby": (5, "/lobby_api"),
    "socketio": (4, "/socket.io/?EIO=4&transport=websocket"),
}


def start_fleet(binary, base):
    data = tempfile.mkdtemp(prefix="switchyard-idle-")
    limit = lambda: resource.setrlimit(resource.RLIMIT_NOFILE, (DESCRIPTORS, DESCRIPTORS))  # noqa: E731
    args = [binary, "up", "--data", os.path.join(data, "data"), "--listen-host", "127.0.0.1",
            "--health-port", str(base), "--steps-http-port", str(base + 1), "--steps-ws-port", str(base + 2),
            "--stats-http-port", str(base + 3), "--presence-port", str(base + 4), "--lobby-port", str(base + 5),
            "--max-connections", "60000"]
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, preexec_fn=limit)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            health = json.load(urllib.request.urlopen(f"http://127.0.0.1:{base}/health", timeout=2))
            if health["status"] == "healthy":
                return proc, data, next(p for p in health["processes"] if p["id"] == "g1")["pid"]
        except OSError:
            pass
        time.sleep(0.2)  # poll interval, bounded by the deadline above
    proc.kill()
    raise SystemExit("the fleet did not become healthy within 90 s")


def open_idle(port, path, count):
    socks = []
    for _ in range(count):
        s = socket.create_connection(("127.0.0.1", port), timeout=10)
        key = base64.b64encode(os.urandom(16)).decode()
        s.sendall((f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                   f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n").encode())
        socks.append(s)
    for s in socks:
        answer = s.recv(4096)
        if not answer.startswith(b"HTTP/1.1 101"):
            raise SystemExit(f"upgrade refused: {answer[:80]!r}")
    return socks


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--binary", required=True)
    parser.add_argument("--connections", type=int, default=10000)
    parser.add_argument("--endpoints", default="steps,lobby,socketio")
    parser.add_argument("--settle", type=float, default=3.0, help="seconds between the last upgrade and the read")
    args = parser.parse_args()
    if args.connections + 256 > DESCRIPTORS:
        raise SystemExit(f"at most {DESCRIPTORS - 256} connections: the hard descriptor limit is {DESCRIPTORS}")
    resource.setrlimit(resource.RLIMIT_NOFILE, (DESCRIPTORS, DESCRIPTORS))
    for name in args.endpoints.split(","):
        offset, path = ENDPOINTS[name]
        base = random.randrange(20000, 40000)
        proc, data, gateway = start_fleet(args.binary, base)
        try:
            before = rss_kib(gateway)
            socks = open_idle(base + offset, path, args.connections)
            # Allocations settle after the upgrades (buffers shrink, tasks park); a fixed pause is what "idle" means.
            time.sleep(args.settle)
            after = rss_kib(gateway)
            print(f"result endpoint={name} connections={args.connections} rss_before_kib={before} "
                  f"rss_after_kib={after} kib_per_connection={(after - before) / args.connections:.1f}")
            for s in socks:
                s.close()
        finally:
            proc.terminate()
            proc.wait(timeout=60)
            shutil.rmtree(data, ignore_errors=True)


if __name__ == "__main__":
    main()
