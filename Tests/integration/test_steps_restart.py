"""Kill -9 a worker while a client streams acknowledged updates: nothing acknowledged is lost, nothing is counted
twice when the client resends what was not acknowledged."""
import json
import os
import signal
import threading
import time
import uuid

import pytest
import requests
from websockets.sync.client import connect

from conftest import poll
from steps_streamer import StepStreamer, finish_and_check, wait_for_progress

USERS = [f"runner-{i}-{uuid.uuid4().hex[:6]}" for i in range(12)]


@pytest.mark.parametrize("sync", ["round", "transaction"])
def test_kill_worker_mid_stream_loses_nothing_and_counts_nothing_twice(fresh_fleet, sync):
    fleet = fresh_fleet(workers=2, extra=("--durable-sync", sync))
    sent = []  # (update_id, user) in send order
    last_ts = {}  # user -> ts of the last update sent for them
    acked = set()
    victim = fleet.process("w1")

    def reader(ws):
        try:
            while True:
                msg = json.loads(ws.recv(timeout=60))
                if msg["$type"] == "ack":
                    acked.add(msg["update_id"])
        except Exception:
            return

    with connect(fleet.ws + "/?ack=1") as ws:
        t = threading.Thread(target=reader, args=(ws,), daemon=True)
        t.start()
        i = 0
        killed = False
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            user = USERS[i % len(USERS)]
            uid = f"{user}-{i}"
            ws.send(json.dumps({"update_id": uid, "username": user, "ts": i, "newSteps": 1}))
            sent.append((uid, user))
            last_ts[user] = i
            i += 1
            if not killed and len(acked) >= 300:
                os.kill(victim["pid"], signal.SIGKILL)
                killed = True
                kill_index = i
            if killed and i >= kill_index + 600:
                break
            if i % 50 == 0:
                # Bounded pacing so the stream spans the kill and the restart instead of finishing before it.
                poll(lambda: len(acked) >= i - 400, timeout=60, interval=0.005, what="acks to keep up")
        assert killed, "the stream ended before the worker was killed"
        # The gateway resends what the dead worker lost; wait for the acks that will come.
        poll(lambda: len(acked) == len(sent), timeout=60, what="every update acknowledged after the restart")

    restarted = fleet.wait_healthy(predicate=lambda h: next(p for p in h["processes"] if p["id"] == "w1")["restarts"] >= 1)
    assert next(p for p in restarted["processes"] if p["id"] == "w1")["pid"] != victim["pid"]

    # A client that lost its acks resends everything: nothing may count twice.
    with connect(fleet.ws + "/?ack=1") as ws:
        for uid, user in sent:
            ws.send(json.dumps({"update_id": uid, "username": user, "ts": 0, "newSteps": 1}))
        for _ in sent:
            assert json.loads(ws.recv(timeout=60))["$type"] == "ack"

    expected = {}
    for _, user in sent:
        expected[user] = expected.get(user, 0) + 1
    for user, count in expected.items():
        r = requests.get(f"{fleet.http}/users/{user}/steps", timeout=10)
        assert r.status_code == 200
        # Every update counted once, and applied in the order sent across the restart (the last one's ts wins).
        assert r.json() == {"cumulativeSteps": count, "ts": last_ts[user]}, user


def test_kill_gateway_is_restarted_and_acknowledged_updates_survive(fresh_fleet):
    fleet = fresh_fleet(workers=2)
    user = f"walker-{uuid.uuid4().hex[:8]}"
    victim = fleet.process("g1")
    with connect(fleet.ws + "/?ack=1") as ws:
        for i in range(20):
            ws.send(json.dumps({"update_id": f"a{i}", "username": user, "ts": i, "newSteps": 2}))
        for _ in range(20):
            assert json.loads(ws.recv(timeout=30))["$type"] == "ack"
        os.kill(victim["pid"], signal.SIGKILL)
        # The client sees its connection end (no hang): the gateway process is gone.
        try:
            while True:
                ws.recv(timeout=30)
        except Exception as e:
            assert not isinstance(e, TimeoutError), "the connection hung after the gateway was killed"

    restarted = fleet.wait_healthy(
        timeout=30, predicate=lambda h: next(p for p in h["processes"] if p["id"] == "g1")["restarts"] >= 1)
    assert next(p for p in restarted["processes"] if p["id"] == "g1")["pid"] != victim["pid"]

    # The new gateway serves the same ports; every acknowledged update is there, and resends are not double counted.
    with connect(fleet.ws + "/?ack=1") as ws:
        for i in range(25):
            ws.send(json.dumps({"update_id": f"a{i}", "username": user, "ts": 100 + i, "newSteps": 2}))
        for _ in range(25):
            assert json.loads(ws.recv(timeout=30))["$type"] == "ack"
    r = requests.get(f"{fleet.http}/users/{user}/steps", timeout=10)
    assert r.status_code == 200
    assert r.json() == {"cumulativeSteps": 50, "ts": 124}


def test_kill_worker_while_batches_are_in_flight_loses_nothing_and_counts_nothing_twice(fresh_fleet):
    """Wide windows keep a thousand updates in flight, so commands reach the worker packed in batches and replies
    come back the same way (docs/protocol.md §4.3). A kill -9 in the middle of that loses only what was not
    acknowledged, which the gateway and the clients send again: every acknowledged update counts exactly once."""
    fleet = fresh_fleet(workers=2, partitions=8)
    streamers = [StepStreamer([fleet.ws], [f"batch-{uuid.uuid4().hex[:8]}" for _ in range(6)], window=256)
                 for _ in range(4)]
    for s in streamers:
        s.start()
    try:
        wait_for_progress(streamers, more=300, timeout=90)
        victim = fleet.process("w1")
        # Batches are reaching the victim right now, not only earlier.
        poll(lambda: fleet.process("w1")["batchesReceived"] > victim["batchesReceived"], timeout=30,
             what="batches of commands reaching w1")
        assert fleet.process("w1")["batchedMessagesReceived"] > fleet.process("w1")["batchesReceived"]
        os.kill(victim["pid"], signal.SIGKILL)
        fleet.wait_healthy(predicate=lambda h: next(p for p in h["processes"] if p["id"] == "w1")["pid"]
                           != victim["pid"])
        wait_for_progress(streamers, more=300, timeout=90)
        gateway = next(p for p in fleet.health()[1]["processes"] if p["role"] == "gateway")
        assert gateway["batchesReceived"] > 0, "no reply batch reached the gateway"
    finally:
        finish_and_check(fleet, streamers)
