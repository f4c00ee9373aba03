"""Overload benchmark (run through scripts/bench/overload): drives one gateway past capacity with lobby fan-out
and measures what happens to a client that stays within capacity, to the gateway's memory, and to new work, with
shedding on (the defaults) and off (--shed-lag-ms 0 --shed-queued-bytes 0), one after the other on the same machine.

- the overload: `switchyard-bench lobby-load`, K subscribers on the gateway and an admin changing a table R times a
  second (K x R deliveries/s offered, past what one gateway writes on this machine);
- the in-capacity client: one step-tracker WebSocket sending an acknowledged update every 50 ms, timing each ack;
- new work: a fresh REST connection every 200 ms (`GET /users/probe/steps`), counting answers by status;
- memory: the gateway's VmRSS every 500 ms.

Every wait has a deadline; every process started here is stopped (SIGTERM, then SIGKILL) before the next mode.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid

import requests
from websockets.sync.client import connect

from benchkit import free_ports, rss_kib, stop


def percentile(values, p):
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]


class Probe(threading.Thread):
    """The in-capacity client: one acknowledged step update every `period` seconds, each ack timed."""

    def __init__(self, url, period=0.05):
        super().__init__(daemon=True)
        self.url, self.period = url, period
        self.stop = threading.Event()
        self.samples = []  # (sent monotonic, latency ms or None for a timeout)
        self.errors = []

    def run(self):
        try:
            with connect(f"{self.url}/?ack=1", open_timeout=10) as ws:
                next_send = time.monotonic()
                while not self.stop.is_set():
                    sent = time.monotonic()
                    ws.send(json.dumps({"update_id": str(uuid.uuid4()), "username": "probe", "ts": 1, "newSteps": 1}))
                    try:
                        reply = json.loads(ws.recv(timeout=10))
                        assert reply["$type"] == "ack", reply
                        self.samples.append((sent, (time.monotonic() - sent) * 1000))
                    except TimeoutError:
                        self.samples.append((sent, None))
                    next_send += self.period
                    self.stop.wait(max(0.0, next_send - time.monotonic()))
        except Exception as e:  # reported in the summary
            self.errors.append(repr(e))


class NewWork(threading.Thread):
    """A new REST connection every `period` seconds; counts the answers by status."""

    def __init__(self, url, period=0.2):
        super().__init__(daemon=True)
        self.url, self.period = url, period
        self.stop = threading.Event()
        self.statuses = {}

    def run(self):
        while not self.stop.is_set():
            try:
                status = str(requests.get(self.url, timeout=10, headers={"Connection": "close"}).status_code)
            except requests.RequestException as e:
                status = type(e).__name__
            self.statuses[status] = self.statuses.get(status, 0) + 1
            self.stop.wait(self.period)


class Sampler(threading.Thread):
    def __init__(self, pid, period=0.5):
        super().__init__(daemon=True)
        self.pid, self.period = pid, period
        self.stop = threading.Event()
        self.samples = []

    def run(self):
        while not self.stop.is_set():
            kib = rss_kib(self.pid)
            if kib is not None:
                self.samples.append((time.monotonic(), kib))
            self.stop.wait(self.period)


def wait_healthy(health_url, proc, deadline_s):
    deadline = time.monotonic() + deadline_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"the fleet exited with {proc.returncode}")
        try:
            r = requests.get(health_url, timeout=2)
            if r.status_code == 200:
                return r.json()
        except requests.RequestException:
            pass
        time.sleep(0.2)  # poll interval, bounded by the deadline
    raise SystemExit("the fleet did not become healthy in time")


def run_mode(name, shed_args, args, switchyard, bench):
    health_port, http_port, ws_port, lobby_port = free_ports(4)
    data = tempfile.mkdtemp(prefix=f"switchyard-overload-{name}-")
    log_path = os.path.join(data, "fleet.log")
    cmd = [switchyard, "up", "--data", os.path.join(data, "data"), "--workers", "2", "--products", "steps,lobby",
           "--listen-host", "127.0.0.1", "--health-port", str(health_port), "--steps-http-port", str(http_port),
           "--steps-ws-port", str(ws_port), "--lobby-port", str(lobby_port), "--max-messages-per-second", "0",
           *shed_args]
    print(f"\n== {name}: {' '.join(cmd)}", flush=True)
    log = open(log_path, "wb")
    fleet = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT)
    try:
        health = wait_healthy(f"http://127.0.0.1:{health_port}/health", fleet, 60)
        gateway = next(p for p in health["processes"] if p["role"] == "gateway")
        sampler = Sampler(gateway["pid"])
        probe = Probe(f"ws://127.0.0.1:{ws_port}")
        new_work = NewWork(f"http://127.0.0.1:{http_port}/users/probe/steps")
        sampler.start()
        probe.start()
        time.sleep(args.baseline)  # the probe's baseline, before the overload (a measurement window)
        load_start = time.monotonic()
        new_work.start()
        load_cmd = [bench, "lobby-load", "--urls", f"ws://127.0.0.1:{lobby_port}/lobby_api",
                    "--subscribers", str(args.subscribers), "--rate", str(args.rate), "--duration", str(args.duration),
                    "--warmup", "2", "--drain", "10", "--observe-pid", str(fleet.pid),
                    "--memory-pid", f"g1={gateway['pid']}"]
        print(f"load: {' '.join(load_cmd)}", flush=True)
        deadline = 60 + (args.subscribers // 128 + 2) * 20 + args.duration + 12
        load = subprocess.run(load_cmd, capture_output=True, text=True, timeout=deadline)
        load_end = time.monotonic()
        for t in (new_work, probe, sampler):
            t.stop.set()
        for t in (new_work, probe, sampler):
            t.join(timeout=30)
        final = requests.get(f"http://127.0.0.1:{health_port}/health", timeout=5).json()
        shed = next(p for p in final["processes"] if p["role"] == "gateway").get("shed", 0)
    finally:
        stop(fleet)
        log.close()
    result_line = next((line for line in reversed(load.stdout.splitlines()) if line.startswith("result ")), "")
    fields = dict(kv.split("=", 1) for kv in result_line.split()[1:] if "=" in kv)
    baseline = [ms for t, ms in probe.samples if t < load_start and ms is not None]
    during = [ms for t, ms in probe.samples if load_start <= t < load_end]
    answered = [ms for ms in during if ms is not None]
    rss = [kib for _, kib in sampler.samples]
    rss_during = [kib for t, kib in sampler.samples if load_start <= t < load_end]
    with open(log_path, errors="replace") as f:
        text = f.read()
    return {
        "mode": name,
        "probe_baseline_p50": statistics.median(baseline) if baseline else float("nan"),
        "probe_p50": percentile(answered, 50), "probe_p99": percentile(answered, 99),
        "probe_max": max(answered) if answered else float("nan"),
        "probe_timeouts": len(during) - len(answered), "probe_sent": len(during), "probe_errors": probe.errors,
        "rss_before_mb": rss[0] / 1024 if rss else float("nan"),
        "rss_peak_mb": max(rss_during) / 1024 if rss_during else float("nan"),
        "rss_end_mb": rss_during[-1] / 1024 if rss_during else float("nan"),
        "new_work": dict(sorted(new_work.statuses.items())), "shed": shed,
        "overload_entered": text.count("gateway overloaded"),
        "deliveries_per_s": fields.get("deliveries_per_s", "?"), "expected_per_s": fields.get("expected_per_s", "?"),
        "delivery_p50_ms": fields.get("p50_ms", "?"), "delivery_p99_ms": fields.get("p99_ms", "?"),
        "extra_table_lists": fields.get("extra_table_lists", "?"), "gaps": fields.get("gaps", "?"),
        "disconnects": fields.get("disconnects", "?"), "load_rc": load.returncode,
        "load_tail": load.stdout.splitlines()[-3:] + load.stderr.splitlines()[-3:],
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--subscribers", type=int, default=2000)
    parser.add_argument("--rate", type=float, default=50)
    parser.add_argument("--duration", type=int, default=30)
    parser.add_argument("--baseline", type=float, default=3)
    parser.add_argument("--modes", default="shed,no-shed")
    parser.add_argument("--shed-lag-ms", type=int, default=None, help="the shed mode's --shed-lag-ms (default: its default)")
    parser.add_argument("--bin-dir", required=True)
    parser.add_argument("--reproduce", default="scripts/bench/overload")
    args = parser.parse_args()
    switchyard, bench = os.path.join(args.bin_dir, "switchyard"), os.path.join(args.bin_dir, "switchyard-bench")
    shed = ["--shed-lag-ms", str(args.shed_lag_ms)] if args.shed_lag_ms is not None else []
    modes = {"shed": shed, "no-shed": ["--shed-lag-ms", "0", "--shed-queued-bytes", "0"]}
    results = [run_mode(m, modes[m], args, switchyard, bench) for m in args.modes.split(",")]
    print(f"\n== summary: {args.subscribers} lobby subscribers x {args.rate:g} changes/s on one gateway for "
          f"{args.duration} s (+2 s warm-up); probe: one acked step update every 50 ms; new work: a new REST "
          f"connection every 200 ms; {os.cpu_count()} CPUs, load average before {os.getloadavg()[0]:.2f}")
    print(f"{'':<46}" + "".join(f"{r['mode']:<30}" for r in results))
    rows = [
        ("probe ack ms: idle p50", "probe_baseline_p50", "{:.1f}"),
        ("probe ack ms under load: p50", "probe_p50", "{:.1f}"),
        ("probe ack ms under load: p99", "probe_p99", "{:.1f}"),
        ("probe ack ms under load: max", "probe_max", "{:.1f}"),
        ("probe acks missing after 10 s / sent", None, None),
        ("gateway VmRSS MB: before / peak / end", None, None),
        ("new connections: answers", "new_work", "{}"),
        ("gateway: overload entered / work shed", None, None),
        ("lobby deliveries/s (offered)", None, None),
        ("lobby delivery ms p50 / p99", None, None),
        ("lobby: extra table_list / gaps / disconnects", None, None),
    ]
    for label, key, fmt in rows:
        cells = []
        for r in results:
            if key:
                cells.append(fmt.format(r[key]))
            elif label.startswith("probe acks"):
                cells.append(f"{r['probe_timeouts']} / {r['probe_sent']}")
            elif label.startswith("gateway VmRSS"):
                cells.append(f"{r['rss_before_mb']:.0f} / {r['rss_peak_mb']:.0f} / {r['rss_end_mb']:.0f}")
            elif label.startswith("gateway: overload"):
                cells.append(f"{r['overload_entered']} / {r['shed']}")
            elif label.startswith("lobby deliveries"):
                cells.append(f"{r['deliveries_per_s']} ({r['expected_per_s']})")
            elif label.startswith("lobby delivery ms"):
                cells.append(f"{r['delivery_p50_ms']} / {r['delivery_p99_ms']}")
            else:
                cells.append(f"{r['extra_table_lists']} / {r['gaps']} / {r['disconnects']}")
        print(f"{label:<46}" + "".join(f"{c:<30}" for c in cells))
    for r in results:
        if r["probe_errors"] or r["load_rc"] not in (0, 1):
            print(f"{r['mode']}: probe errors {r['probe_errors']}; load exit {r['load_rc']}: {r['load_tail']}")
    print(f"\nreproduce with: {args.reproduce}")


if __name__ == "__main__":
    sys.exit(main())
