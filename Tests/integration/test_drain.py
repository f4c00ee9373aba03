"""Graceful drain (issue 7): SIGTERM to a gateway closes its WebSockets with 1001 after answering what they had in
flight; the supervisor restarts it and clients that reconnect and resend lose nothing and double nothing."""
import json
import os
import signal
import uuid

from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from steps_streamer import steps_of


def test_sigterm_to_a_gateway_closes_websockets_with_going_away(fresh_fleet):
    fleet = fresh_fleet(workers=1, partitions=4)
    user = f"drain-{uuid.uuid4().hex[:8]}"
    steps = connect(f"{fleet.ws}/?ack=1").__enter__()
    lobby = connect(f"ws://{fleet.lobby}/lobby_api").__enter__()
    lobby.send(json.dumps({"$type": "login", "username": "user", "password": "user"}))
    assert json.loads(lobby.recv(timeout=10))["$type"] == "login_successful"
    sent = {}
    for n in range(200):
        update_id = str(uuid.uuid4())
        sent[update_id] = n + 1
        steps.send(json.dumps({"update_id": update_id, "username": user, "ts": n, "newSteps": n + 1}))
    gateway = fleet.process("g1")
    os.kill(gateway["pid"], signal.SIGTERM)
    acked = set()
    try:
        while True:
            message = json.loads(steps.recv(timeout=15))
            assert message["$type"] == "ack", message
            acked.add(message["update_id"])
    except ConnectionClosed as closed:
        assert closed.rcvd is not None and closed.rcvd.code == 1001, closed
    try:
        lobby.recv(timeout=15)
        raise AssertionError("the lobby connection got a message instead of a close")
    except ConnectionClosed as closed:
        assert closed.rcvd is not None and closed.rcvd.code == 1001, closed
    # The gateway exited cleanly and the supervisor started it again.
    restarted = fleet.wait_healthy(predicate=lambda h: next(
        p for p in h["processes"] if p["id"] == "g1")["restarts"] >= 1)
    assert next(p for p in restarted["processes"] if p["id"] == "g1")["pid"] != gateway["pid"]
    assert "g1" in fleet.tail(200_000) and "status=exited(0)" in fleet.tail(200_000)
    # Resending what was not acknowledged, with the same ids, gives the exact total.
    with connect(f"{fleet.ws}/?ack=1") as again:
        missing = [i for i in sent if i not in acked]
        for update_id in missing:
            again.send(json.dumps({"update_id": update_id, "username": user, "ts": 999, "newSteps": sent[update_id]}))
        for _ in missing:
            assert json.loads(again.recv(timeout=15))["$type"] == "ack"
    assert steps_of(fleet.http, user) == sum(sent.values())
