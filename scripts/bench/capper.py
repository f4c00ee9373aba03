#!/usr/bin/env python3
"""Caps the CPU of a fleet's processes with the cgroup v1 `cpu` controller, for as long as the fleet runs.

    capper.py HEALTH_URL CGROUP_DIR ROLE=CORES [ROLE=CORES …]

Every 0.2 s it reads HEALTH_URL (/health), and each process of a capped role (worker, gateway) that is not capped
yet gets a cgroup of its own under CGROUP_DIR with `cpu.cfs_quota_us` = CORES × `cpu.cfs_period_us`, and is moved
into it (every thread: `cgroup.procs`). A process the supervisor starts later (a restart, a worker added under
load) is capped the same way within 0.2 s. It prints one `capped ID PID CORES` line per process, flushed, so the
caller can wait for the fleet to be capped before it measures. It stops when HEALTH_URL stops answering for 5 s
or on SIGTERM, and then removes the cgroups it made that no process is left in.

Exit status 3 when CGROUP_DIR cannot be made (no writable cgroup v1 `cpu` controller): the caller skips cleanly.
"""
import json
import os
import signal
import sys
import time
import urllib.error
import urllib.request

PERIOD_US = 100_000


def main():
    health, root, *caps = sys.argv[1:]
    cores = {}
    for cap in caps:
        role, value = cap.split("=", 1)
        cores[role] = float(value)
    try:
        os.makedirs(root, exist_ok=True)
    except OSError as error:
        print(f"cannot make {root}: {error}", file=sys.stderr)
        sys.exit(3)
    stopping = []
    signal.signal(signal.SIGTERM, lambda *_: stopping.append(True))
    capped = {}  # pid -> cgroup dir
    last_answer = time.monotonic()
    while not stopping and time.monotonic() - last_answer < 5:
        try:
            with urllib.request.urlopen(health, timeout=1) as response:
                body = response.read()
        except urllib.error.HTTPError as error:  # 503 while not healthy: the body is the same report
            body = error.read()
        except OSError:
            time.sleep(0.2)
            continue
        last_answer = time.monotonic()
        try:
            report = json.loads(body)
        except ValueError:
            report = {}
        for process in report.get("processes", []):
            role, pid = process.get("role"), process.get("pid")
            if role not in cores or not pid or pid in capped or process.get("state") != "running":
                continue
            group = os.path.join(root, f"{process['id']}-{pid}")
            try:
                os.makedirs(group, exist_ok=True)
                with open(os.path.join(group, "cpu.cfs_period_us"), "w") as f:
                    f.write(str(PERIOD_US))
                with open(os.path.join(group, "cpu.cfs_quota_us"), "w") as f:
                    f.write(str(int(cores[role] * PERIOD_US)))
                with open(os.path.join(group, "cgroup.procs"), "w") as f:
                    f.write(str(pid))
            except OSError as error:
                print(f"cannot cap {process['id']} (pid {pid}): {error}", file=sys.stderr)
                continue
            capped[pid] = group
            print(f"capped {process['id']} {pid} {cores[role]}", flush=True)
        time.sleep(0.2)
    for group in capped.values():
        try:
            os.rmdir(group)
        except OSError:
            pass  # a process still in it (the caller removes what is left once the fleet is gone)


if __name__ == "__main__":
    main()
