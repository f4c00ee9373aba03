"""`switchyard fleet roll` (issue 18): every worker, then every gateway, replaced one at a time by a process of
another executable while clients stream acknowledged updates through both gateways (directly, and behind nginx
with lobby and Socket.IO subscribers); and a roll onto a broken executable stops after its first process and
leaves the fleet serving."""
import json
import os
import shutil
import stat
import subprocess
import threading
import uuid

import pytest
import requests
import socketio
from websockets.exceptions import ConnectionClosed, InvalidHandshake
from websockets.sync.client import connect

from conftest import BIN, PORTS, Fleet, poll
from steps_streamer import StepStreamer, finish_and_check, wait_for_progress
from test_nginx import NGINX, Nginx


def roll(fleet, *args):
    return subprocess.run([BIN, "fleet", "roll", "--supervisor-url", f"http://127.0.0.1:{fleet.health_port}",
                           "--data", fleet.data, *args], capture_output=True, text=True, timeout=180)


def test_a_roll_replaces_every_process_and_loses_or_doubles_nothing(fresh_fleet, tmp_path):
    fleet = fresh_fleet(workers=2, partitions=8, gateways=2)
    new_binary = str(tmp_path / "switchyard-next")
    shutil.copy2(BIN, new_binary)
    urls = [fleet.ws, f"ws://127.0.0.1:{fleet.ws_port + fleet.stride}"]
    streamers = [StepStreamer(urls[i % 2:] + urls[:i % 2], [f"roll-{uuid.uuid4().hex[:8]}" for _ in range(3)])
                 for i in range(4)]
    for s in streamers:
        s.start()
    try:
        wait_for_progress(streamers)
        out = roll(fleet, "--binary", new_binary)
        assert out.returncode == 0, out.stdout + out.stderr
        assert "roll: finished" in out.stdout
        # Clients on a replaced gateway reconnected (to either) and carry on.
        wait_for_progress(streamers)
    finally:
        finish_and_check(fleet, streamers)
    health = fleet.health()[1]
    assert health["roll"]["state"] == "finished"
    assert sorted(health["roll"]["replaced"]) == ["g1", "g2", "w1", "w2"]
    assert all(p["executable"] == new_binary for p in health["processes"]), health["processes"]
    # Every worker has its share again.
    assert sorted(len(p["partitions"]) for p in health["processes"] if p["role"] == "worker") == [4, 4]


def test_a_roll_onto_a_broken_binary_stops_after_the_first_process_and_the_fleet_serves(fresh_fleet, tmp_path):
    fleet = fresh_fleet(workers=2, partitions=4)
    broken = tmp_path / "switchyard-broken"
    broken.write_text("#!/bin/sh\necho 'this build is broken' >&2\nexit 1\n")
    broken.chmod(broken.stat().st_mode | stat.S_IXUSR)
    before = {p["id"]: p["executable"] for p in fleet.health()[1]["processes"]}
    out = roll(fleet, "--binary", str(broken))
    assert out.returncode == 1, out.stdout + out.stderr
    assert "roll stopped: w1 exited when started from" in out.stdout and "this build is broken" in out.stdout
    fleet.wait_healthy(predicate=lambda h: h["roll"]["state"] == "failed"
                       and all(p["healthy"] and p["partitions"] for p in h["processes"] if p["role"] == "worker"))
    health = fleet.health()[1]
    assert health["roll"]["replaced"] == [] and health["roll"]["waiting"] == ["w2", "g1"]
    assert {p["id"]: p["executable"] for p in health["processes"]} == before
    assert any("the last fleet roll stopped" in w for w in health["warnings"])
    r = requests.get(f"{fleet.http}/users/nobody/steps", timeout=10)
    assert r.status_code in (200, 404), r.text
    # Refused at once: a relative path, a file that is not executable, an unknown role.
    for args in (["--binary", "relative/switchyard"], ["--binary", os.devnull], ["--binary", BIN, "--only", "x"]):
        refused = roll(fleet, "--no-wait", *args)
        assert refused.returncode != 0, args
    api = f"http://127.0.0.1:{fleet.health_port}/fleet/roll"
    assert requests.post(api, json={"binary": BIN}, timeout=10).status_code == 401


class LobbySubscriber(threading.Thread):
    """A lobby subscriber that keeps its own copy of the table list from what it is sent: the list at each
    subscription, then the changes in order. When its connection breaks it reconnects (through nginx), logs in and
    subscribes again, and the new list replaces its copy (a resync)."""

    def __init__(self, url):
        super().__init__(daemon=True)
        self.url, self.tables, self.resyncs, self.error = url, [], 0, None
        self.stopping = threading.Event()

    def apply(self, message):
        kind = message["$type"]
        if kind == "table_list":
            self.tables = list(message["tables"])
        elif kind == "table_added":
            after = message["after_id"]
            at = 0 if after == -1 else next(i for i, t in enumerate(self.tables) if t["id"] == after) + 1
            self.tables.insert(at, message["table"])
        elif kind == "table_updated":
            self.tables = [message["table"] if t["id"] == message["table"]["id"] else t for t in self.tables]
        elif kind == "table_removed":
            self.tables = [t for t in self.tables if t["id"] != message["id"]]
        else:
            raise AssertionError(f"unexpected lobby message {message}")

    def run(self):
        try:
            while not self.stopping.is_set():
                try:
                    with connect(self.url, open_timeout=5) as ws:
                        ws.send(json.dumps({"$type": "login", "username": "user", "password": "user"}))
                        assert json.loads(ws.recv(timeout=10))["$type"] == "login_successful"
                        ws.send(json.dumps({"$type": "subscribe_tables"}))
                        self.resyncs += 1
                        while not self.stopping.is_set():
                            try:
                                self.apply(json.loads(ws.recv(timeout=0.2)))
                            except TimeoutError:
                                continue
                except (ConnectionClosed, OSError, InvalidHandshake):
                    self.stopping.wait(0.05)  # back-off, then reconnect (its gateway was replaced)
        except BaseException as e:  # reported by the test
            self.error = e


@pytest.mark.skipif(NGINX is None, reason="no nginx binary (Debian: apt-get install nginx)")
def test_a_roll_behind_nginx_keeps_step_lobby_and_socketio_clients_served(tmp_path):
    """The issue's scenario: two gateways behind nginx; step clients stream acknowledged updates, a lobby
    subscriber follows table changes an admin makes all along, and a Socket.IO client stays connected, while the
    whole fleet rolls onto a second copy of the executable."""
    fleet = Fleet(gateways=2, workers=2)
    nginx = None
    try:
        nginx = Nginx(fleet, PORTS)
        new_binary = str(tmp_path / "switchyard-next")
        shutil.copy2(BIN, new_binary)
        streamers = [StepStreamer([nginx.url(8081, "ws")], [f"lb-roll-{uuid.uuid4().hex[:8]}" for _ in range(3)])
                     for _ in range(4)]
        subscriber = LobbySubscriber(nginx.url(9000, "ws") + "/lobby_api")
        sio = socketio.Client(reconnection=True, reconnection_delay=0.1, reconnection_delay_max=0.5)
        counts = []
        sio.on("online-users-count", counts.append)
        sio.connect(nginx.url(3456), wait_timeout=10)
        for s in [*streamers, subscriber]:
            s.start()
        rest = f"{nginx.url(9000)}/lobby_api/tables"
        changes = []

        def admin():
            # One change every 50 ms, through nginx (so through either gateway), for as long as the roll runs.
            while not done.is_set():
                r = requests.post(rest, auth=("admin", "admin"), timeout=10,
                                  json={"after_id": -1, "table": {"name": f"t{len(changes)}", "participants": 1}})
                if r.status_code == 201:
                    changes.append(r.json()["id"])
                done.wait(0.05)  # the admin's pace
        done = threading.Event()
        writer = threading.Thread(target=admin, daemon=True)
        try:
            poll(lambda: subscriber.resyncs >= 1 and subscriber.tables, what="the lobby subscription")
            wait_for_progress(streamers)
            writer.start()
            out = roll(fleet, "--binary", new_binary)
            assert out.returncode == 0, out.stdout + out.stderr
            wait_for_progress(streamers)
        finally:
            done.set()
            writer.join(timeout=30)
            finish_and_check(fleet, streamers)
        assert len(changes) > 5, "the admin made too few changes to follow"
        listed = requests.get(rest, auth=("user", "user"), timeout=10)
        assert listed.status_code == 200, (listed.status_code, listed.text[:300])
        final = listed.json()["tables"]
        poll(lambda: subscriber.tables == final, timeout=15,
             what="the subscriber's copy of the tables to equal the lobby's")
        subscriber.stopping.set()
        subscriber.join(timeout=10)
        assert subscriber.error is None, subscriber.error
        # Its gateway was replaced (it resubscribed at least once more), and it followed every change in order.
        assert subscriber.resyncs >= 2
        poll(lambda: sio.connected, timeout=15, what="the Socket.IO client to be connected again")
        health = fleet.health()[1]
        assert health["roll"]["state"] == "finished"
        assert all(p["executable"] == new_binary for p in health["processes"])
        sio.disconnect()
    finally:
        if nginx is not None:
            nginx.stop()
        fleet.stop()
