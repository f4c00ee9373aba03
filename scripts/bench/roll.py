"""Rolling the fleet (issue 18): how long `switchyard fleet roll` takes for a fleet of W workers and G gateways under
a steady stream of acknowledged step updates, and how deep and how long the throughput dips while it runs.

Starts `switchyard up` (release build) on free ports with a temporary data folder, streams acknowledged updates
through every gateway with reconnecting clients (the integration tests' StepStreamer: a client on a replaced
gateway reconnects to another and resends what was not acknowledged), samples acknowledged updates per 250 ms,
rolls the fleet onto a copy of the same executable at second --roll-at, and prints the roll's duration, the
throughput before, during and after it, the worst 250 ms window and the time spent below half the baseline. Every
acknowledged update is then checked against the fleet's totals (nothing lost or doubled)."""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "..", "Tests", "integration"))
from benchkit import free_ports, stop  # noqa: E402
from steps_streamer import StepStreamer, steps_of  # noqa: E402


def health(port):
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=5) as r:
        return json.load(r)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", required=True)
    ap.add_argument("--workers", type=int, default=4)
    ap.add_argument("--gateways", type=int, default=2)
    ap.add_argument("--partitions", type=int, default=16)
    ap.add_argument("--clients", type=int, default=8)
    ap.add_argument("--window", type=int, default=32)
    ap.add_argument("--roll-at", type=float, default=4.0)
    ap.add_argument("--after", type=float, default=4.0, help="seconds measured after the roll ends")
    ap.add_argument("--gateway-pause-ms", type=int, default=6000)
    args = ap.parse_args()

    tmp = tempfile.mkdtemp(prefix="switchyard-roll-")
    new_binary = os.path.join(tmp, "switchyard-next")
    shutil.copy2(args.binary, new_binary)
    health_port, http, ws, stats, presence, lobby = free_ports(6)
    # Gateway n listens on the base ports + n × stride.
    stride = 7
    fleet = subprocess.Popen(
        [args.binary, "up", "--data", os.path.join(tmp, "data"), "--workers", str(args.workers),
         "--gateways", str(args.gateways), "--port-stride", str(stride), "--partitions", str(args.partitions),
         "--listen-host", "127.0.0.1", "--health-port", str(health_port), "--steps-http-port", str(http),
         "--steps-ws-port", str(ws), "--stats-http-port", str(stats), "--presence-port", str(presence),
         "--lobby-port", str(lobby), "--max-messages-per-second", "0"],
        stdout=open(os.path.join(tmp, "fleet.log"), "wb"), stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if health(health_port)["status"] == "healthy":
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise SystemExit("the fleet did not become healthy")
            time.sleep(0.1)
        urls = [f"ws://127.0.0.1:{ws + n * stride}" for n in range(args.gateways)]
        streamers = [StepStreamer(urls[i % len(urls):] + urls[:i % len(urls)], [f"roll-{i}-{u}" for u in range(4)],
                                  window=args.window) for i in range(args.clients)]
        for s in streamers:
            s.start()
        samples = []  # (seconds since start, acknowledged so far)
        t0 = time.monotonic()
        roll = None
        roll_start = roll_end = None
        while True:
            now = time.monotonic() - t0
            samples.append((now, sum(s.ack_count for s in streamers)))
            if roll is None and now >= args.roll_at:
                roll_start = now
                roll = subprocess.Popen(
                    [args.binary, "fleet", "roll", "--supervisor-url", f"http://127.0.0.1:{health_port}",
                     "--data", os.path.join(tmp, "data"), "--binary", new_binary,
                     "--gateway-pause-ms", str(args.gateway_pause_ms)],
                    stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
            if roll is not None and roll_end is None and roll.poll() is not None:
                roll_end = now
                if roll.returncode != 0:
                    raise SystemExit("the roll failed:\n" + roll.stdout.read())
            if roll_end is not None and now >= roll_end + args.after:
                break
            if now > args.roll_at + 300:
                raise SystemExit("the roll did not end within 300 s")
            time.sleep(0.25)
        for s in streamers:
            s.stop()
        for s in streamers:
            s.join(timeout=90)
        lost = [(u, t) for s in streamers for u, t in s.totals().items() if steps_of(f"http://127.0.0.1:{http}", u) != t]
        errors = [s.error for s in streamers if s.error]
        rates = [((t1 + t2) / 2, (a2 - a1) / (t2 - t1)) for (t1, a1), (t2, a2) in zip(samples, samples[1:])]
        before = [r for t, r in rates if 1.0 <= t < roll_start]
        during = [r for t, r in rates if roll_start <= t < roll_end]
        after = [r for t, r in rates if t >= roll_end + 1.0]
        baseline = sum(before) / len(before) if before else 0
        below = sum(0.25 for r in during if r < baseline / 2)

        def mean(values):
            return sum(values) / len(values) if values else float("nan")
        final = health(health_port)
        print(f"fleet: {args.workers} workers, {args.gateways} gateways, {args.partitions} partitions; "
              f"load: {args.clients} reconnecting clients × window {args.window}, acked step updates")
        print(f"roll of {args.workers + args.gateways} processes took {roll_end - roll_start:.1f} s "
              f"(replaced {final['roll']['replaced']}; {args.gateway_pause_ms} ms pause between gateways)")
        print(f"acked updates/s: before {mean(before):.0f}, during {mean(during):.0f}, after {mean(after):.0f}")
        print(f"worst 250 ms window during the roll: {min(during, default=float('nan')):.0f}/s; "
              f"below half the baseline for {below:.2f} s")
        reconnects = sum(s.reconnects for s in streamers)
        resends = sum(s.resends for s in streamers)
        print(f"client reconnects {reconnects}, resends {resends}, errors {errors or 'none'}, "
              f"users whose total differs from their acknowledged updates: {len(lost)}")
        print("result " + " ".join(f"{k}={v}" for k, v in {
            "roll_s": round(roll_end - roll_start, 2), "before": round(mean(before)), "during": round(mean(during)),
            "after": round(mean(after)), "worst": round(min(during, default=0)), "below_half_s": below,
            "reconnects": reconnects, "lost": len(lost)}.items()))
        if lost or errors:
            raise SystemExit(1)
    finally:
        stop(fleet)
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
