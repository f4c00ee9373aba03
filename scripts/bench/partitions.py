#!/usr/bin/env python3
"""What a partition costs a worker (issue 15): for each partition count, starts `switchyard up` with one worker on
free loopback ports and reads the worker's memory (VmRSS) and open file handles from /proc while idle; then streams
acknowledged step updates over enough users to touch every partition and reads them again, with the worker's CPU per
update and, where `perf` is installed, its `syncfs` (durability barriers), `pwrite64` (WAL pages) and `fcntl` (SQLite
locks) calls per update. Standard library only; run through scripts/bench/partitions."""
import argparse
import json
import os
import re
import shutil
import subprocess
import tempfile
import time
import urllib.request

from benchkit import free_ports, rss_kib, stop

TICKS = os.sysconf("SC_CLK_TCK")
SYSCALLS = ["syncfs", "pwrite64", "fcntl"]


def health(port):
    return json.load(urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2))


def start_fleet(binary, partitions, commit_threads):
    data = tempfile.mkdtemp(prefix="switchyard-partitions-")
    hp, http, ws = free_ports(3)
    args = [binary, "up", "--data", os.path.join(data, "data"), "--workers", "1", "--partitions", str(partitions),
            "--products", "steps", "--listen-host", "127.0.0.1", "--health-port", str(hp),
            "--steps-http-port", str(http), "--steps-ws-port", str(ws), "--max-messages-per-second", "0",
            "--commit-threads", str(commit_threads)]
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"the fleet exited ({proc.returncode}) before it was healthy")
        try:
            h = health(hp)
            if h["status"] == "healthy":
                return proc, data, ws, next(p for p in h["processes"] if p["role"] == "worker")["pid"]
        except OSError:
            pass
        time.sleep(0.2)  # poll interval, bounded by the deadline above
    proc.kill()
    raise SystemExit("the fleet did not become healthy within 120 s")


def stop_fleet(proc, data):
    stop(proc, timeout=30)
    shutil.rmtree(data, ignore_errors=True)


def rss_mib(pid):
    return rss_kib(pid) / 1024


def handles(pid):
    """Open descriptors, and how many of them are partition files (the database and its -wal/-shm)."""
    names = [os.readlink(f"/proc/{pid}/fd/{fd}") for fd in os.listdir(f"/proc/{pid}/fd")]
    return len(names), sum(1 for n in names if re.search(r"/p-\d{4}\.sqlite(-wal|-shm)?$", n))


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def measure(args, partitions):
    proc, data, ws_port, worker = start_fleet(args.binary, partitions, args.commit_threads)
    try:
        idle_rss = rss_mib(worker)
        idle_fds, idle_files = handles(worker)
        users = max(args.users, 4 * partitions)
        load = subprocess.Popen(
            [args.bench_binary, "load", "--url", f"ws://127.0.0.1:{ws_port}/?ack=1", "--connections",
             str(args.connections), "--window", str(args.window), "--duration", str(args.seconds), "--warmup", "2",
             "--users", str(users)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        time.sleep(2.5)  # the load client's warm-up (its own --warmup 2), then measure inside its window
        window = max(1.0, args.seconds - 1.5)
        before = cpu_seconds(worker)
        counts = {}
        if shutil.which("perf"):
            events = ",".join(f"syscalls:sys_enter_{s}" for s in SYSCALLS)
            out = subprocess.run(["perf", "stat", "-x", ",", "-e", events, "-p", str(worker), "--", "sleep",
                                  str(window)], capture_output=True, text=True).stderr
            for line in out.splitlines():
                parts = line.split(",")
                if len(parts) > 2 and parts[2].startswith("syscalls:sys_enter_") and parts[0].isdigit():
                    counts[parts[2].removeprefix("syscalls:sys_enter_")] = int(parts[0])
        else:
            time.sleep(window)
        cores = (cpu_seconds(worker) - before) / window
        output, _ = load.communicate(timeout=args.seconds + 60)
        match = re.search(r"acked updates/s: (\d+)", output)
        rate = int(match.group(1)) if match else 0
        busy_rss = rss_mib(worker)
        busy_fds, busy_files = handles(worker)
        per_update = {s: counts[s] / window / rate for s in counts} if rate else {}
        return dict(partitions=partitions, users=users, idle_rss=idle_rss, idle_fds=idle_fds, idle_files=idle_files,
                    busy_rss=busy_rss, busy_fds=busy_fds, busy_files=busy_files, rate=rate,
                    us_per_update=cores / rate * 1e6 if rate else 0.0, cores=cores, per_update=per_update)
    finally:
        stop_fleet(proc, data)


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--binary", required=True)
    p.add_argument("--bench-binary", required=True)
    p.add_argument("--partitions", default="16 64 256 1024")
    p.add_argument("--connections", type=int, default=16)
    p.add_argument("--window", type=int, default=32)
    p.add_argument("--seconds", type=int, default=8)
    p.add_argument("--users", type=int, default=1000)
    p.add_argument("--commit-threads", type=int, default=2)
    args = p.parse_args()
    rows = [measure(args, int(n)) for n in args.partitions.split()]
    print(f"one worker, --commit-threads {args.commit_threads}, durability full; load {args.connections} × window "
          f"{args.window} acked updates for {args.seconds} s over max({args.users}, 4 × partitions) users; "
          f"{os.cpu_count()} CPUs" + ("" if shutil.which("perf") else "; perf not installed: no syscall counts"))
    print(f"{'partitions':>10} {'idle MiB':>9} {'fds':>6} {'files':>6} {'busy MiB':>9} {'fds':>6} {'files':>6} "
          f"{'acked/s':>8} {'cores':>6} {'µs/upd':>7} " + " ".join(f"{s + '/upd':>12}" for s in SYSCALLS))
    for r in rows:
        calls = " ".join(f"{r['per_update'].get(s, float('nan')):>12.4f}" for s in SYSCALLS)
        print(f"{r['partitions']:>10} {r['idle_rss']:>9.1f} {r['idle_fds']:>6} {r['idle_files']:>6} "
              f"{r['busy_rss']:>9.1f} {r['busy_fds']:>6} {r['busy_files']:>6} {r['rate']:>8} {r['cores']:>6.2f} "
              f"{r['us_per_update']:>7.1f} {calls}")
    if len(rows) > 1:
        a, b = rows[0], rows[-1]
        span = b["partitions"] - a["partitions"]
        print(f"per partition, from {a['partitions']} to {b['partitions']}: idle "
              f"{(b['idle_rss'] - a['idle_rss']) * 1024 / span:.0f} KiB and "
              f"{(b['idle_files'] - a['idle_files']) / span:.1f} file handles; after the load "
              f"{(b['busy_rss'] - a['busy_rss']) * 1024 / span:.0f} KiB")


if __name__ == "__main__":
    main()
