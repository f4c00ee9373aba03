"""Shedding (docs/operations.md, "Shedding"): while a gateway is overloaded, new connections and requests get 503
and new WebSockets 1013, existing connections keep being served, lobby subscribers get the changes they missed as
one fresh `table_list` once it has caught up, and everything is accepted again afterwards.

The overload is made deterministic through the queued-bytes measure: a lobby subscriber that stops reading holds
megabytes in the gateway's queue, over a low `--shed-queued-bytes`."""
import base64
import contextlib
import json
import os
import socket
import struct
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from websockets.sync.client import connect

from conftest import masked_frame, poll, raw_websocket


def rest(fleet, method, path, **kw):
    return requests.request(method, f"http://{fleet.lobby}/lobby_api{path}", auth=("admin", "admin"), timeout=10,
                            **kw)


def upgrade_request():
    key = base64.b64encode(os.urandom(16)).decode()
    return (f"GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n").encode()


def read_to_end(sock):
    answer = b""
    while True:
        chunk = sock.recv(4096)
        if not chunk:
            return answer
        answer += chunk


def is_shedding(fleet):
    r = requests.get(f"{fleet.http}/users/nobody/steps", timeout=10)
    return r.status_code == 503 and "overloaded" in r.json()["error"]


def test_an_overloaded_gateway_sheds_new_work_and_keeps_serving_what_it_has(fresh_fleet):
    fleet = fresh_fleet(workers=1, partitions=4, extra=(
        "--shed-queued-bytes", "1000000", "--max-queued-bytes", str(64 << 20),
        "--lobby-max-queued-messages", "100000"))
    with ThreadPoolExecutor(8) as pool:
        statuses = list(pool.map(lambda n: rest(fleet, "post", "/tables", json={
            "after_id": -1, "table": {"name": f"{n:04d}" + "x" * 250, "participants": n}}).status_code, range(300)))
    assert statuses == [201] * 300

    # Connections that exist before the overload.
    exits = contextlib.ExitStack()
    steps = exits.enter_context(connect(f"{fleet.ws}/?ack=1"))
    admin = exits.enter_context(connect(f"ws://{fleet.lobby}/lobby_api"))
    watcher = exits.enter_context(connect(f"ws://{fleet.lobby}/lobby_api"))
    session = exits.enter_context(requests.Session())
    opened = exits.enter_context(socket.create_connection(("127.0.0.1", fleet.ws_port), timeout=10))
    stalled = None
    try:
        admin.send(json.dumps({"$type": "login", "username": "admin", "password": "admin"}))
        assert json.loads(admin.recv(timeout=10))["$type"] == "login_successful"
        watcher.send(json.dumps({"$type": "login", "username": "user", "password": "user"}))
        assert json.loads(watcher.recv(timeout=10))["$type"] == "login_successful"
        watcher.send(json.dumps({"$type": "subscribe_tables"}))
        assert json.loads(watcher.recv(timeout=10))["$type"] == "table_list"
        assert session.get(f"{fleet.http}/users/nobody/steps", timeout=10).status_code == 404

        # The overload: a subscriber that stops reading asks for 100 lists of ~80 KB.
        stalled = raw_websocket(fleet.lobby_port, "/lobby_api", receive_buffer=4096)
        stalled.sendall(masked_frame(1, json.dumps({"$type": "login", "username": "user", "password": "user"})
                                     .encode()))
        for _ in range(100):
            stalled.sendall(masked_frame(1, b'{"$type": "subscribe_tables"}'))
        poll(lambda: is_shedding(fleet), timeout=30, what="the gateway to start shedding")

        # New work is refused, with the reason and when to retry.
        r = requests.get(f"{fleet.stats}/courses/{uuid.uuid4()}", headers={"X-User-Id": str(uuid.uuid4())},
                         timeout=10)
        assert r.status_code == 503 and r.headers["Retry-After"] == "1" and "overloaded" in r.json()["error"]
        r = session.get(f"{fleet.http}/users/nobody/steps", timeout=10)
        assert r.status_code == 503, r.text  # a new request on a kept-alive connection too
        # A new WebSocket's connection is answered 503 before its upgrade is even read.
        with socket.create_connection(("127.0.0.1", fleet.ws_port), timeout=10) as late:
            late.sendall(upgrade_request())
            answer = read_to_end(late)
        assert answer.startswith(b"HTTP/1.1 503") and b"overloaded" in answer, answer
        # An upgrade on a connection accepted before the overload: upgraded only to be told "try again later".
        opened.sendall(upgrade_request())
        head, _, frames = read_to_end(opened).partition(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 101") and frames[0] == 0x88, (head, frames)
        assert struct.unpack(">H", frames[2:4])[0] == 1013

        # What was there before goes on: acknowledged updates, and the admin's changes.
        steps.send(json.dumps({"update_id": "during", "username": "steady", "ts": 1, "newSteps": 5}))
        assert json.loads(steps.recv(timeout=10)) == {"$type": "ack", "update_id": "during"}
        admin.send(json.dumps({"$type": "update_table", "table": {"id": 1, "name": "changed while shedding",
                                                                   "participants": 3}}))
        # The watcher is not sent the change while the gateway sheds: it catches up below.
        with pytest.raises(TimeoutError):
            watcher.recv(timeout=1)
        shed = fleet.process("g1")["shed"]
    finally:
        if stalled:
            stalled.close()

    try:
        # The stalled subscriber gone, its queue is freed and the gateway takes new work again.
        poll(lambda: not is_shedding(fleet), timeout=30, what="the gateway to stop shedding")
        caught_up = json.loads(watcher.recv(timeout=10))
        assert caught_up["$type"] == "table_list"
        assert {"id": 1, "name": "changed while shedding", "participants": 3} in caught_up["tables"]
        # And later changes arrive as changes again.
        admin.send(json.dumps({"$type": "update_table", "table": {"id": 1, "name": "after", "participants": 4}}))
        assert json.loads(watcher.recv(timeout=10)) == {
            "$type": "table_updated", "table": {"id": 1, "name": "after", "participants": 4}}
        assert requests.get(f"{fleet.http}/users/steady/steps", timeout=10).json()["cumulativeSteps"] == 5
        assert shed >= 3
        assert "gateway overloaded" in fleet.tail(200_000)
    finally:
        exits.close()


def test_with_shedding_off_the_gateway_runs_and_never_sheds(fresh_fleet):
    fleet = fresh_fleet(extra=("--shed-lag-ms", "0", "--shed-queued-bytes", "0"))
    assert requests.get(f"{fleet.http}/users/nobody/steps", timeout=10).status_code == 404
    assert fleet.process("g1")["restarts"] == 0
