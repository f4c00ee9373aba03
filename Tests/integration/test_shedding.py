"""Shedding (docs/operations.md, "Shedding"): while a gateway is overloaded, new connections and requests get 503
and new WebSockets 1013, existing connections keep being served, lobby subscribers get the changes they missed as
one fresh `table_list` once it has caught up, and everything is accepted again afterwards.

The overload is made deterministic through the queued-bytes measure: lobby subscribers that stop reading while
changes are fanned out to them hold more in the gateway's queues than a low `--shed-queued-bytes`."""
import base64
import contextlib
import json
import os
import socket
import itertools
import struct
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from websockets.sync.client import connect

from conftest import masked_frame, poll, raw_websocket, server_frames


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


def table_list(fleet):
    """The tables a new subscriber is sent."""
    with connect(f"ws://{fleet.lobby}/lobby_api") as ws:
        ws.send(json.dumps({"$type": "login", "username": "user", "password": "user"}))
        assert json.loads(ws.recv(timeout=10))["$type"] == "login_successful"
        ws.send(json.dumps({"$type": "subscribe_tables"}))
        return json.loads(ws.recv(timeout=10))["tables"]


def watcher_receives(watcher, name, unless):
    """Reads `watcher` until the change naming `name` arrives (True), or until a read times out while `unless()`
    holds (False)."""
    while True:
        try:
            message = json.loads(watcher.recv(timeout=1))
        except TimeoutError:
            if unless():
                return False
            continue
        if message.get("table", {}).get("name") == name:
            return True


def test_an_overloaded_gateway_sheds_new_work_and_keeps_serving_what_it_has(fresh_fleet):
    fleet = fresh_fleet(workers=1, partitions=4, extra=(
        "--shed-queued-bytes", "200000", "--socket-send-buffer", "16384", "--max-queued-bytes", str(64 << 20),
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
    stalled = []
    try:
        admin.send(json.dumps({"$type": "login", "username": "admin", "password": "admin"}))
        assert json.loads(admin.recv(timeout=10))["$type"] == "login_successful"
        watcher.send(json.dumps({"$type": "login", "username": "user", "password": "user"}))
        assert json.loads(watcher.recv(timeout=10))["$type"] == "login_successful"
        watcher.send(json.dumps({"$type": "subscribe_tables"}))
        assert json.loads(watcher.recv(timeout=10))["$type"] == "table_list"
        assert session.get(f"{fleet.http}/users/nobody/steps", timeout=10).status_code == 404

        # The overload: subscribers that stop reading once subscribed, and changes fanned out to them until their
        # queues pass --shed-queued-bytes. The watcher reads each change until the gateway stops forwarding them.
        for _ in range(8):
            sock = raw_websocket(fleet.lobby_port, "/lobby_api", receive_buffer=4096)
            stalled.append(sock)
            sock.sendall(masked_frame(1, b'{"$type": "login", "username": "user", "password": "user"}'))
            sock.sendall(masked_frame(1, b'{"$type": "subscribe_tables"}'))
            seen = b""
            while b"table_list" not in seen:
                chunk = sock.recv(1024)
                assert chunk, seen
                seen += chunk
        for n in itertools.count():
            assert n < 20_000, "the gateway never started shedding"
            name = f"fill {n:05d} " + "y" * 240
            admin.send(json.dumps({"$type": "update_table", "table": {"id": 2 + n % 200, "name": name,
                                                                      "participants": 1}}))
            if not watcher_receives(watcher, name, unless=lambda: is_shedding(fleet)):
                break
        assert is_shedding(fleet)

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
        for sock in stalled:
            sock.close()

    try:
        # The stalled subscribers gone, their queues are freed and the gateway takes new work again.
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


def test_a_client_that_pipelines_requests_and_reads_nothing_is_answered_only_as_it_reads(fresh_fleet):
    """A hundred `subscribe_tables` sent at once by a client that reads nothing: the gateway answers as the client
    takes its answers, rather than holding a hundred 80 KB lists for it, so a low `--shed-queued-bytes` is never
    passed; once the client reads, every answer arrives, in order."""
    fleet = fresh_fleet(workers=1, partitions=4, extra=("--shed-queued-bytes", "1000000"))
    tables = len(table_list(fleet)) + 300
    with ThreadPoolExecutor(8) as pool:
        statuses = list(pool.map(lambda n: rest(fleet, "post", "/tables", json={
            "after_id": -1, "table": {"name": f"{n:04d}" + "x" * 250, "participants": n}}).status_code, range(300)))
    assert statuses == [201] * 300
    poll(lambda: len(table_list(fleet)) == tables, what="the gateway's list to hold every table")

    client = raw_websocket(fleet.lobby_port, "/lobby_api", receive_buffer=4096)
    try:
        client.sendall(masked_frame(1, b'{"$type": "login", "username": "user", "password": "user"}')
                       + masked_frame(1, b'{"$type": "subscribe_tables"}') * 100
                       + masked_frame(1, b'{"$type": "ping", "seq": 7}'))
        with pytest.raises(AssertionError, match="timed out"):
            poll(lambda: is_shedding(fleet), timeout=3, what="shedding, which should not start")

        data = b""
        while True:
            frames = server_frames(data)
            if len(frames) == 102:
                break
            chunk = client.recv(65536)
            assert chunk, f"closed after {len(frames)} frames"
            data += chunk
        kinds = [json.loads(payload)["$type"] for _, payload in frames]
        assert kinds == ["login_successful"] + ["table_list"] * 100 + ["pong"], kinds
        assert all(len(json.loads(payload)["tables"]) == tables for _, payload in frames[1:101])
        assert fleet.process("g1")["shed"] == 0
    finally:
        client.close()
