"""Starts real `switchyard up` fleets on free loopback ports for the integration tests."""
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import tempfile
import time

import pytest
import requests

BIN = os.environ.get("SWITCHYARD_BIN", os.path.join(os.path.dirname(__file__), "../../.build/debug/switchyard"))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def poll(predicate, timeout=30.0, interval=0.05, what="condition"):
    """Polls `predicate` until it returns a truthy value or the deadline passes."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        try:
            last = predicate()
            if last:
                return last
        except (requests.RequestException, OSError) as e:
            last = e
        time.sleep(interval)  # poll interval, bounded by the deadline above
    raise AssertionError(f"timed out after {timeout}s waiting for {what}; last: {last!r}")


def free_stride(ports, gateways):
    """A port stride that puts every further gateway's ports on free ports."""
    room = (65535 - max(ports)) // max(gateways - 1, 1)
    for _ in range(100):
        if room < 1:
            break
        stride = random.randint(1, room)
        try:
            for n in range(1, gateways):
                for p in ports:
                    with socket.socket() as s:
                        s.bind(("127.0.0.1", p + n * stride))
            return stride
        except OSError:
            continue
    raise AssertionError("no free port stride")


class Fleet:
    """One fleet: a supervisor with its gateways and workers, on fresh ports and a fresh data folder."""

    def __init__(self, workers=2, partitions=16, extra=(), env=None, gateways=1):
        self.data = tempfile.mkdtemp(prefix="switchyard-it-")
        self.health_port = free_port()
        self.http_port = free_port()
        self.ws_port = free_port()
        self.stats_port = free_port()
        self.presence_port = free_port()
        self.lobby_port = free_port()
        self.stride = 0
        if gateways > 1:
            self.stride = free_stride(
                [self.http_port, self.ws_port, self.stats_port, self.presence_port, self.lobby_port], gateways)
            extra = (*extra, "--gateways", str(gateways), "--port-stride", str(self.stride))
        self.args = [
            BIN, "up", "--data", self.data, "--workers", str(workers), "--partitions", str(partitions),
            "--listen-host", "127.0.0.1", "--health-port", str(self.health_port),
            "--steps-http-port", str(self.http_port), "--steps-ws-port", str(self.ws_port),
            "--stats-http-port", str(self.stats_port), "--presence-port", str(self.presence_port),
            "--lobby-port", str(self.lobby_port),
            *extra,
        ]
        self.log = open(os.path.join(self.data, "fleet.log"), "wb")
        self.proc = subprocess.Popen(self.args, stdout=self.log, stderr=subprocess.STDOUT,
                                     env={**os.environ, **(env or {})})
        self.wait_healthy()

    @property
    def http(self):
        return f"http://127.0.0.1:{self.http_port}"

    @property
    def stats(self):
        return f"http://127.0.0.1:{self.stats_port}"

    @property
    def lobby(self):
        return f"127.0.0.1:{self.lobby_port}"

    @property
    def presence(self):
        return f"http://127.0.0.1:{self.presence_port}"

    @property
    def ws(self):
        return f"ws://127.0.0.1:{self.ws_port}"

    def health(self):
        r = requests.get(f"http://127.0.0.1:{self.health_port}/health", timeout=5)
        return r.status_code, r.json()

    def wait_healthy(self, timeout=60.0, predicate=lambda h: True):
        def ok():
            assert self.proc.poll() is None, f"fleet exited with {self.proc.returncode}:\n{self.tail()}"
            code, body = self.health()
            return body if code == 200 and predicate(body) else None
        return poll(ok, timeout=timeout, what="a healthy fleet")

    def process(self, pid_or_id):
        _, body = self.health()
        return next(p for p in body["processes"] if p["id"] == pid_or_id)

    def tail(self, n=4000):
        self.log.flush()
        with open(os.path.join(self.data, "fleet.log"), "rb") as f:
            return f.read()[-n:].decode(errors="replace")

    def stop(self):
        """SIGTERM; the whole fleet must drain and exit 0 within 20 s."""
        code = None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                code = self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        tail = self.tail()
        self.log.close()
        shutil.rmtree(self.data, ignore_errors=True)
        assert code == 0, f"fleet did not stop cleanly on SIGTERM (exit {code}):\n{tail}"


@pytest.fixture(scope="module")
def fleet():
    f = Fleet()
    yield f
    f.stop()


@pytest.fixture
def fresh_fleet():
    fleets = []

    def make(**kw):
        f = Fleet(**kw)
        fleets.append(f)
        return f
    yield make
    for f in fleets:
        f.stop()
