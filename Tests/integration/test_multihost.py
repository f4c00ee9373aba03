"""A fleet on two "hosts" of one machine (issue 7): the supervisor and its host's processes on 127.0.0.1 with one
data folder, an external worker on 127.0.0.2 with another, started by the test as its host's unit would start it.
Partitions move between the hosts by copying their files (docs/protocol.md §5.5) while clients stream acknowledged
updates; a worker cut off from the supervisor stops serving and comes back."""
import json
import os
import shutil
import signal
import subprocess
import tempfile
import uuid

import pytest
import requests

from conftest import BIN, free_port, poll
from steps_streamer import StepStreamer, steps_of


def can_bind(address):
    import socket
    try:
        with socket.socket() as s:
            s.bind((address, 0))
        return True
    except OSError:
        return False


class TwoHostFleet:
    def __init__(self):
        self.root = tempfile.mkdtemp(prefix="switchyard-mh-")
        self.data_a = os.path.join(self.root, "a")
        self.data_b = os.path.join(self.root, "b")
        os.makedirs(self.data_b)
        self.control = f"tcp://127.0.0.1:{free_port()}"
        self.health_port = free_port()
        self.ports = {k: free_port() for k in ("stepsHTTP", "stepsWS", "stats", "presence", "lobby")}
        fleet = {
            "partitions": 8, "data": self.data_a, "control": self.control, "localHost": "a",
            "health": {"host": "127.0.0.1", "port": self.health_port}, "unresponsiveTimeoutMs": 3000,
            "workers": [{"id": "w1", "host": "a"}, {"id": "w2", "host": "b"}],
            "gateways": [{"id": "g1", "host": "a", "listen": "127.0.0.1", **self.ports}],
        }
        self.fleet_file = os.path.join(self.root, "fleet.json")
        with open(self.fleet_file, "w") as f:
            json.dump(fleet, f)
        self.log = open(os.path.join(self.root, "fleet.log"), "wb")
        # Host b's key, made on the supervisor's host and copied over, as docs/operations.md ("Fleet keys") says.
        self.w2_key = os.path.join(self.data_b, "w2.key")
        subprocess.run([BIN, "keys", "issue", "w2", "--data", self.data_a, "--out", self.w2_key], check=True,
                       stdout=self.log, stderr=subprocess.STDOUT)
        self.supervisor = subprocess.Popen(
            [BIN, "supervisor", "--fleet", self.fleet_file, "--heartbeat-ms", "100"],
            stdout=self.log, stderr=subprocess.STDOUT)
        self.w2 = None
        self.start_w2()

    def start_w2(self):
        # What host b's systemd unit runs (deploy/systemd/switchyard-worker@.service).
        self.w2 = subprocess.Popen(
            [BIN, "worker", "--id", "w2", "--supervisor", self.control, "--data", self.data_b,
             "--command-endpoint", "tcp://127.0.0.2:*", "--publish-endpoint", "tcp://127.0.0.2:*",
             "--lease-ms", "1500", "--heartbeat-ms", "100", "--key-file", self.w2_key],
            stdout=self.log, stderr=subprocess.STDOUT)

    @property
    def http(self):
        return f"http://127.0.0.1:{self.ports['stepsHTTP']}"

    @property
    def ws(self):
        return f"ws://127.0.0.1:{self.ports['stepsWS']}"

    def health(self):
        r = requests.get(f"http://127.0.0.1:{self.health_port}/health", timeout=5)
        return r.status_code, r.json()

    def api(self, method, path, **kw):
        with open(os.path.join(self.data_a, "control.token")) as f:
            token = f.read().strip()
        return requests.request(method, f"http://127.0.0.1:{self.health_port}{path}", timeout=10,
                                headers={"Authorization": f"Bearer {token}"}, **kw)

    def wait(self, predicate, timeout=60, what="the fleet"):
        def ok():
            assert self.supervisor.poll() is None, f"supervisor exited:\n{self.tail()}"
            code, body = self.health()
            return body if code == 200 and predicate(body) else None
        return poll(ok, timeout=timeout, what=what)

    def tail(self, n=6000):
        self.log.flush()
        with open(os.path.join(self.root, "fleet.log"), "rb") as f:
            return f.read()[-n:].decode(errors="replace")

    def stop(self):
        for p in (self.supervisor, self.w2):
            if p and p.poll() is None:
                p.send_signal(signal.SIGTERM)
        codes = []
        for p in (self.supervisor, self.w2):
            try:
                codes.append(p.wait(timeout=20))
            except subprocess.TimeoutExpired:
                p.kill()
                codes.append(p.wait())
        tail = self.tail()
        self.log.close()
        if os.environ.get("SWITCHYARD_KEEP"):
            print("kept", self.root)
        else:
            shutil.rmtree(self.root, ignore_errors=True)
        assert codes == [0, 0], f"exit codes {codes}:\n{tail}"


def workers(health):
    return {p["id"]: p for p in health["processes"] if p["role"] == "worker"}


def settled(health):
    owned = sorted(p for w in workers(health).values() for p in w["partitions"])
    return (not health["moves"] and not health["transfers"] and not health["rebalancePending"]
            and owned == list(range(health["partitionCount"])) and health["status"] == "healthy")


def files(folder):
    return sorted(f for f in os.listdir(folder) if f.startswith("p-") and f.endswith(".sqlite"))


@pytest.mark.skipif(not can_bind("127.0.0.2"), reason="127.0.0.2 is not a usable loopback address here")
def test_partitions_move_between_hosts_by_copying_their_files():
    fleet = TwoHostFleet()
    streamers = []
    try:
        health = fleet.wait(settled, what="a healthy two-host fleet")
        assert workers(health)["w2"]["commandEndpoint"].startswith("tcp://127.0.0.2:")
        assert len(files(fleet.data_b)) == 4 and len(files(fleet.data_a)) == 4
        streamers = [StepStreamer([fleet.ws], [f"mh-{uuid.uuid4().hex[:8]}" for _ in range(3)]) for _ in range(3)]
        for s in streamers:
            s.start()

        def progress(more=30):
            targets = [s.ack_count + more for s in streamers]
            poll(lambda: all(s.error is None and s.ack_count >= t for s, t in zip(streamers, targets)),
                 timeout=60, what=f"more acks; errors {[s.error for s in streamers]}")

        progress()
        # Host a's only worker leaves: its partitions' files are copied to host b, then it stops.
        assert fleet.api("delete", "/workers/w1").status_code == 202
        health = fleet.wait(lambda h: "w1" not in workers(h) and settled(h), what="w1's partitions on host b")
        assert workers(health)["w2"]["partitions"] == list(range(8))
        assert len(files(fleet.data_b)) == 8
        progress()
        # A worker joins on host a: half the partitions are copied back.
        r = fleet.api("post", "/workers", json={"id": "w3", "host": "a"})
        assert r.status_code == 202 and r.json()["status"] == "starting"
        # Killed as soon as it runs, so during its moves or its copies: it comes back and copies again.
        w3 = poll(lambda: (lambda w: w if w.get("pid") and w["state"] == "running" else None)(
            workers(fleet.health()[1]).get("w3", {})), timeout=60, what="w3 running")
        os.kill(w3["pid"], signal.SIGKILL)
        health = fleet.wait(lambda h: "w3" in workers(h) and workers(h)["w3"]["restarts"] >= 1 and settled(h),
                            what="w3 restarted and serving its share")
        assert len(workers(health)["w3"]["partitions"]) == 4
        progress()
        # Host b is cut off (its worker frozen): it stops serving within its lease, is taken as gone by the
        # supervisor, and serves again once it can talk to the supervisor.
        fleet.w2.send_signal(signal.SIGSTOP)
        poll(lambda: workers(fleet.health()[1])["w2"]["state"] == "exited", timeout=30,
             what="the supervisor to take the silent host-b worker as gone")
        fleet.w2.send_signal(signal.SIGCONT)
        fleet.wait(settled, what="host b back")
        progress()
    finally:
        for s in streamers:
            s.stop()
        for s in streamers:
            s.join(timeout=90)
        try:
            for s in streamers:
                assert not s.is_alive() and s.error is None and s.unexpected == [], (s.error, s.unexpected[:3])
                for user, total in s.totals().items():
                    assert steps_of(fleet.http, user) == total, f"{user}: acknowledged {total}"
        finally:
            tail = fleet.tail(20000)
            fleet.stop()
    assert "partition file fetched" in tail
