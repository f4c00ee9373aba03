"""A fleet over two hosts for the multi-host tests: host a runs the supervisor (from a fleet file), worker w1 and
gateway g1; host b runs worker w2, started by the test as that host's unit would start it, with the key
`switchyard keys issue` made for it (docs/operations.md, "Several hosts" and "Fleet keys"). Where the hosts are is
the caller's: two loopback addresses, or a network namespace."""
import json
import os
import shutil
import signal
import subprocess
import tempfile

import requests

from conftest import BIN, free_port, poll


class TwoHostFleet:
    def __init__(self, prefix, address_a, address_b, run_on_b=(), extra_fleet=None):
        self.root = tempfile.mkdtemp(prefix=prefix)
        self.data_a = os.path.join(self.root, "a")
        self.data_b = os.path.join(self.root, "b")
        os.makedirs(self.data_b)
        self.address_b = address_b
        self.run_on_b = list(run_on_b)
        self.control = f"tcp://{address_a}:{free_port()}"
        self.health_port = free_port()
        self.ports = {k: free_port() for k in ("stepsHTTP", "stepsWS", "stats", "presence", "lobby")}
        fleet = {
            "partitions": 8, "data": self.data_a, "control": self.control, "localHost": "a",
            "health": {"host": "127.0.0.1", "port": self.health_port}, "unresponsiveTimeoutMs": 3000,
            "workers": [{"id": "w1", "host": "a"}, {"id": "w2", "host": "b"}],
            "gateways": [{"id": "g1", "host": "a", "listen": "127.0.0.1", **self.ports}],
            **(extra_fleet or {}),
        }
        self.fleet_file = os.path.join(self.root, "fleet.json")
        with open(self.fleet_file, "w") as f:
            json.dump(fleet, f)
        self.log = open(os.path.join(self.root, "fleet.log"), "wb")
        # Host b's key, made on the supervisor's host and copied over.
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
            [*self.run_on_b, BIN, "worker", "--id", "w2", "--supervisor", self.control, "--data", self.data_b,
             "--command-endpoint", f"tcp://{self.address_b}:*", "--publish-endpoint", f"tcp://{self.address_b}:*",
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
        """Polls for a healthy (200) report that satisfies `predicate`."""
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
