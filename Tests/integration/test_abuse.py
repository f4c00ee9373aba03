"""Abuse limits (docs/operations.md, "Client limits"): failed lobby logins are throttled per name and per
connection and checked on the gateway, never on the worker that serves other products; a Socket.IO polling
payload carries a bounded number of packets; a WebSocket's message rate is held to its limit."""
import json
import statistics
import threading
import time
import uuid

import pytest
import requests
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from conftest import counters_reach, lobby_user, poll

LOCKOUT_S = 2.0


def cpu_seconds(pid):
    """User + system CPU time of a process so far (from /proc)."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    ticks = int(fields[11]) + int(fields[12])
    return ticks / 100.0


def ack_latencies(url, user, count, seconds=0.0):
    """Sequential acknowledged updates on one connection, `count` of them and for at least `seconds`: each one's
    round trip in milliseconds."""
    latencies = []
    until = time.monotonic() + seconds
    with connect(f"{url}/?ack=1", open_timeout=10) as ws:
        while len(latencies) < count or time.monotonic() < until:
            start = time.perf_counter()
            ws.send(json.dumps({"update_id": str(uuid.uuid4()), "username": user, "ts": 1, "newSteps": 1}))
            assert json.loads(ws.recv(timeout=30))["$type"] == "ack"
            latencies.append((time.perf_counter() - start) * 1000)
    return latencies


def rest_login(fleet, username, password):
    return requests.get(f"http://{fleet.lobby}/lobby_api/tables", auth=(username, password), timeout=30)


def test_a_login_flood_is_checked_on_the_gateway_and_leaves_the_workers_other_products_alone(fresh_fleet):
    # One worker: the lobby's partition and every step-tracker user share it, as in the report.
    fleet = fresh_fleet(workers=1, extra=("--max-failed-logins", "1000000"))
    worker = next(p for p in fleet.health()[1]["processes"] if p["role"] == "worker")
    baseline = ack_latencies(fleet.ws, "walker", 100)

    stop = threading.Event()
    attempts, busy = [0], [0]

    def flood(i):
        # Wrong passwords for a name that exists and for names that do not: each costs a derivation.
        with requests.Session() as s:
            while not stop.is_set():
                name = "admin" if i % 2 else f"ghost{uuid.uuid4().hex[:8]}"
                r = s.get(f"http://{fleet.lobby}/lobby_api/tables", auth=(name, "wrong"), timeout=30)
                assert r.status_code in (401, 503), r.text
                attempts[0] += 1
                busy[0] += r.status_code == 503

    threads = [threading.Thread(target=flood, args=(i,), daemon=True) for i in range(8)]
    for t in threads:
        t.start()
    try:
        poll(lambda: attempts[0] >= 20, timeout=60, what="the flood to get going")
        # The flood alone, over the next 60 attempts: what they cost the worker.
        worker_cpu, first, start = cpu_seconds(worker["pid"]), attempts[0], time.monotonic()
        poll(lambda: attempts[0] >= first + 60, timeout=120, what="60 more login attempts")
        elapsed = time.monotonic() - start
        worker_share = (cpu_seconds(worker["pid"]) - worker_cpu) / elapsed
        flood_rate = (attempts[0] - first) / elapsed
        during = ack_latencies(fleet.ws, "walker", 100, seconds=5)
    finally:
        stop.set()
        for t in threads:
            t.join(timeout=60)
    # The worker does no password derivation: it answers a cheap credentials read per attempt (with the checks
    # on the worker, the report measured 99 % of a core).
    assert worker_share < 0.25, f"worker used {worker_share:.0%} of a core during the flood"
    # Step updates on that worker keep their latency: the stated bound is the idle median (measured just before,
    # on the same machine) times 5 plus 20 ms; with the checks on the worker it went from 1 ms to 109 ms.
    median, idle = statistics.median(during), statistics.median(baseline)
    print(f"login flood: {flood_rate:.0f} attempts/s ({busy[0]} of {attempts[0]} answered 503), worker {worker_share:.0%} of a core, "
          f"step ack median {idle:.1f} ms idle, {median:.1f} ms during")
    assert median < 5 * idle + 20, (idle, median, attempts[0])


def test_a_name_is_locked_after_failed_logins_and_free_again_after_the_lockout(fresh_fleet):
    fleet = fresh_fleet(extra=("--max-failed-logins", "3", "--login-lockout-ms", str(int(LOCKOUT_S * 1000))))
    assert rest_login(fleet, "user", "user").status_code == 200
    for _ in range(3):
        assert rest_login(fleet, "admin", "wrong").status_code == 401
    # Locked: even the right password is refused, without a check, and counted.
    assert rest_login(fleet, "admin", "admin").status_code == 401
    counters_reach(fleet, loginNamesLocked=1, loginsThrottled=1)
    # Another name is not affected.
    assert rest_login(fleet, "user", "x").status_code == 401
    start = time.monotonic()
    poll(lambda: rest_login(fleet, "admin", "admin").status_code == 200, timeout=LOCKOUT_S + 10,
         what="the lockout to end")
    assert time.monotonic() - start >= LOCKOUT_S - 0.5


def test_a_websocket_guessing_passwords_is_closed_after_its_failures(fresh_fleet):
    fleet = fresh_fleet(extra=("--max-failed-logins-per-connection", "3"))
    with connect(f"ws://{fleet.lobby}/lobby_api") as ws:
        for i in range(3):
            ws.send(json.dumps({"$type": "login", "username": f"guess{i}", "password": "x"}))
            assert json.loads(ws.recv(timeout=30)) == {"$type": "login_failed"}
        with pytest.raises(ConnectionClosed) as closed:
            ws.recv(timeout=10)
        assert closed.value.rcvd.code == 1008
    counters_reach(fleet, loginConnectionsClosed=1)
    # A well-behaved connection still logs in.
    with connect(f"ws://{fleet.lobby}/lobby_api") as ws:
        ws.send(json.dumps({"$type": "login", "username": "admin", "password": "admin"}))
        assert json.loads(ws.recv(timeout=30))["$type"] == "login_successful"


def test_a_polling_payload_with_too_many_packets_is_refused_and_the_session_survives(fresh_fleet):
    fleet = fresh_fleet(extra=("--socketio-max-packets-per-payload", "8"))
    url = f"{fleet.presence}/socket.io/"
    r = requests.get(url, params={"EIO": "4", "transport": "polling"}, timeout=10)
    sid = json.loads(r.text[1:])["sid"]
    q = {"EIO": "4", "transport": "polling", "sid": sid}
    ping = '42["user-ping",{"id":"%d","status":"available"}]'
    assert requests.post(url, params=q, data="\x1e".join(["40"] + [ping % i for i in range(9)]),
                         timeout=10).status_code == 413
    counters_reach(fleet, payloadsRefused=1)
    # Nothing of it was applied: no user appears; and the session goes on with a payload within the limit.
    assert requests.post(url, params=q, data="\x1e".join(["40"] + [ping % i for i in range(7)]),
                         timeout=10).text == "ok"
    count = poll(lambda: requests.get(f"{fleet.presence}/users/count", params={"key": "1"}, timeout=10)
                 .json()["data"]["available"] == 7, what="the seven users of the accepted payload")
    assert count


def test_a_websocket_faster_than_its_message_rate_is_held_back_and_loses_nothing(fresh_fleet):
    rate, count = 50, 200
    fleet = fresh_fleet(extra=("--max-messages-per-second", str(rate)))
    with connect(f"{fleet.ws}/?ack=1") as ws:
        start = time.monotonic()
        for i in range(count):
            ws.send(json.dumps({"update_id": f"rate-{i}", "username": "sprinter", "ts": 1, "newSteps": 1}))
        acks = [json.loads(ws.recv(timeout=30)) for _ in range(count)]
        took = time.monotonic() - start
    assert all(a["$type"] == "ack" for a in acks)
    # A burst of `rate`, then `rate` a second.
    assert took >= (count - rate) / rate - 0.3, took
    assert requests.get(f"{fleet.http}/users/sprinter/steps", timeout=10).json()["cumulativeSteps"] == count
    counters_reach(fleet, rateLimited=count - rate - 5)


def test_health_warns_while_the_first_start_accounts_keep_their_default_passwords(fresh_fleet):
    fleet = fresh_fleet(extra=("--default-password-check-ms", "500"))
    warned = poll(lambda: [w for w in fleet.health()[1]["warnings"] if "admin and user" in w], timeout=30,
                  what="the default-password warning")
    assert "switchyard lobby-user" in warned[0]
    assert "first-start passwords" in fleet.tail(100_000)
    # The contract's accounts still work: the warning is only a warning.
    assert rest_login(fleet, "admin", "admin").status_code == 200
    for name in ("admin", "user"):
        out = lobby_user(fleet, "--username", name, "--type", "admin" if name == "admin" else "user",
                         "--password", f"new-{name}")
        assert out.returncode == 0, out.stderr
    poll(lambda: fleet.health()[1]["warnings"] == [], timeout=30, what="the warning to clear")
    assert rest_login(fleet, "admin", "new-admin").status_code == 200
