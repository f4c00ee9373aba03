"""Starts real `switchyard up` fleets on free loopback ports for the integration tests."""
import base64
import os
import random
import resource
import shutil
import signal
import socket
import struct
import subprocess
import tempfile
import time

import pytest
import requests
import zmq

BIN = os.environ.get("SWITCHYARD_BIN", os.path.join(os.path.dirname(__file__), "../../.build/debug/switchyard"))


def ephemeral_floor():
    """The lowest port the kernel hands out on its own (bind to port 0, connect, ZeroMQ `tcp://127.0.0.1:*`)."""
    try:
        with open("/proc/sys/net/ipv4/ip_local_port_range") as f:
            return int(f.read().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768


class QuietPorts:
    """Distinct free loopback ports below the kernel's ephemeral range.

    A port from the ephemeral range (bind to port 0) is released before the fleet binds it, so two calls could
    return the same port, and while a killed gateway is down one of its ports can be taken by an outgoing
    connection or by a worker's ZeroMQ endpoint (`tcp://127.0.0.1:*`), and the restarted gateway cannot bind it.
    Below the ephemeral range only an explicit bind takes a port."""

    def __init__(self, low=10000):
        self.low, self.top = low, min(ephemeral_floor(), 32768) - 1
        self.taken = set()
        self.usable = self.top - self.low > 4000

    def _free(self, port):
        if port in self.taken or not self.low <= port <= self.top:
            return False
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                return False
        return True

    def port(self, high=None):
        """A free port in [low, high]; the fleet's base ports stay in the lower half so strides fit above."""
        if not self.usable:  # an unusual ip_local_port_range: distinct ports from the kernel, at least
            for _ in range(100):
                with socket.socket() as s:
                    s.bind(("127.0.0.1", 0))
                    p = s.getsockname()[1]
                if p not in self.taken:
                    self.taken.add(p)
                    return p
        high = high or self.top
        for _ in range(1000):
            p = random.randint(self.low, high)
            if self._free(p):
                self.taken.add(p)
                return p
        raise AssertionError(f"no free port in {self.low}..{high}")

    def stride(self, ports, gateways):
        """A stride that puts every further gateway's ports on free ports below the ephemeral range."""
        room = (self.top - max(ports)) // max(gateways - 1, 1)
        for _ in range(1000):
            stride = random.randint(1, room)
            candidates = [p + n * stride for n in range(1, gateways) for p in ports]
            if len(set(candidates)) == len(candidates) and all(self._free(p) for p in candidates):
                self.taken.update(candidates)
                return stride
        raise AssertionError("no free port stride below the ephemeral range")


PORTS = QuietPorts()


def free_port():
    """A free loopback port for a fleet's listener, distinct from every other one this run handed out."""
    return PORTS.port(high=(PORTS.low + PORTS.top) // 2)


def free_stride(ports, gateways):
    """A port stride that puts every further gateway's ports on free ports."""
    return PORTS.stride(ports, gateways)


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


def lobby_user(fleet, *args):
    """`switchyard lobby-user` against `fleet`'s supervisor (the token from its data folder)."""
    return subprocess.run([BIN, "lobby-user", "--data", fleet.data, "--supervisor-url",
                           f"http://127.0.0.1:{fleet.health_port}", *args], capture_output=True, text=True, timeout=60)


def gateway(fleet, gateway_id="g1"):
    """A gateway's entry in the fleet's /health (its edge counters among it)."""
    return fleet.process(gateway_id)


def counters_reach(fleet, gateway_id="g1", **minimums):
    """Polls /health until the gateway's counters (carried by its heartbeat) reach the given minimums."""
    def reached():
        g = gateway(fleet, gateway_id)
        return g if all(g[k] >= v for k, v in minimums.items()) else None
    return poll(reached, timeout=10, what=f"{gateway_id} counters {minimums}")


def raw_websocket(port, path="/", receive_buffer=None):
    """A bare WebSocket client on a socket, to send what well-behaved libraries refuse to, or to stop reading.
    `receive_buffer` sets SO_RCVBUF before connecting (a small one makes a client that stops reading fill up
    fast). Reads the 101 byte by byte, so nothing after it is consumed."""
    sock = socket.socket()
    if receive_buffer:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, receive_buffer)
    sock.settimeout(10)
    sock.connect(("127.0.0.1", port))
    key = base64.b64encode(os.urandom(16)).decode()
    sock.sendall((f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                  f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n").encode())
    head = b""
    while b"\r\n\r\n" not in head:
        chunk = sock.recv(1)
        assert chunk, f"connection closed during the upgrade: {head!r}"
        head += chunk
    assert head.startswith(b"HTTP/1.1 101"), head
    return sock


def masked_frame(opcode, payload):
    """One client frame (masked, FIN set) with a payload under 126 bytes."""
    mask = os.urandom(4)
    assert len(payload) < 126
    return bytes([0x80 | opcode, 0x80 | len(payload)]) + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload))


def server_frames(data):
    """(opcode, payload) of each complete server frame in `data`."""
    frames, i = [], 0
    while i + 2 <= len(data):
        opcode, n = data[i] & 0x0F, data[i + 1] & 0x7F
        i += 2
        if n == 126:
            n, i = struct.unpack(">H", data[i:i + 2])[0], i + 2
        elif n == 127:
            n, i = struct.unpack(">Q", data[i:i + 8])[0], i + 8
        if i + n > len(data):
            break
        frames.append((opcode, data[i:i + n]))
        i += n
    return frames


def read_until_closed(sock, timeout):
    """Reads until the server closes the connection; returns the byte count."""
    sock.settimeout(timeout)
    total = 0
    while True:
        chunk = sock.recv(65536)
        if not chunk:
            return total
        total += len(chunk)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """A failed test's report carries the tail of every fleet running at the time: the fleet's log is deleted with
    its data folder when it stops, and without it a failure seen only once in CI cannot be explained."""
    outcome = yield
    report = outcome.get_result()
    if report.failed:
        for fleet in list(Fleet.running):
            try:
                tail = fleet.tail(12_000)
            except (OSError, ValueError) as error:
                tail = f"(unreadable: {error})"
            report.sections.append((f"fleet log {fleet.data} (last 12 000 bytes)", tail))


class Fleet:
    """One fleet: a supervisor with its gateways and workers, on fresh ports and a fresh data folder."""

    #: Fleets started and not stopped yet, for the failure reports.
    running = []

    def __init__(self, workers=2, partitions=16, extra=(), env=None, gateways=1, nofile=None, wait=True):
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
        self.env = env or {}
        # `nofile` starts the fleet as under `ulimit -n nofile` (soft and hard), as an operator's limit would.
        limit = (lambda: resource.setrlimit(resource.RLIMIT_NOFILE, (nofile, nofile))) if nofile else None
        self.proc = subprocess.Popen(self.args, stdout=self.log, stderr=subprocess.STDOUT,
                                     env={**os.environ, **(env or {})}, preexec_fn=limit)
        Fleet.running.append(self)
        try:
            if wait:
                self.wait_healthy()
        except BaseException:
            # Nobody will call stop() on a fleet that never came up: do not leave it running.
            self.proc.kill()
            self.proc.wait()
            Fleet.running.remove(self)
            raise

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
        # With --protect-health /health needs the control token too; sending it always does no harm.
        r = requests.get(f"http://127.0.0.1:{self.health_port}/health", timeout=5, headers=self.auth())
        return r.status_code, r.json()

    def auth(self):
        """The Authorization header for the control token, once the fleet has one."""
        token = self.env.get("SWITCHYARD_CONTROL_TOKEN")
        if token is None and os.path.exists(os.path.join(self.data, "control.token")):
            token = self.control_token()
        return {"Authorization": f"Bearer {token}"} if token else {}

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

    def control_token(self):
        """The control API's bearer token, which the supervisor made in the data folder on first start."""
        with open(os.path.join(self.data, "control.token")) as f:
            return f.read().strip()

    def key(self, process_id):
        """(public, secret) CURVE key of a process of this host, from the key file the supervisor made for it."""
        with open(os.path.join(self.data, "keys", f"{process_id}.key")) as f:
            fields = dict(line.split(" ", 1) for line in f.read().splitlines() if line and not line.startswith("#"))
        secret = fields["secret-key"].strip().encode()
        return zmq.curve_public(secret), secret

    def as_process(self, sock, process_id, server_id):
        """Makes a pyzmq socket a CURVE client that holds `process_id`'s key and expects `server_id`'s (a worker or
        "supervisor"): an insider, for tests of what even a fleet key does not allow."""
        sock.curve_publickey, sock.curve_secretkey = self.key(process_id)
        sock.curve_serverkey = self.key(server_id)[0]
        return sock

    def api(self, method, path, **kw):
        """A request to the supervisor's control API, with the token."""
        headers = {**self.auth(), **kw.pop("headers", {})}
        return requests.request(method, f"http://127.0.0.1:{self.health_port}{path}", timeout=10, headers=headers,
                                **kw)

    def restart(self, extra=()):
        """Stops the supervisor (SIGTERM, exit 0) and starts it again on the same data folder and ports."""
        self.proc.send_signal(signal.SIGTERM)
        code = self.proc.wait(timeout=20)
        assert code == 0, f"fleet did not stop cleanly on SIGTERM (exit {code}):\n{self.tail()}"
        self.proc = subprocess.Popen([*self.args, *extra], stdout=self.log, stderr=subprocess.STDOUT)
        return self.wait_healthy()

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
        # A diagnostic: OVERLOAD_REPORT=FILE lists the fleets whose gateway shed load (a test that did not mean to
        # overload it would be measuring a loaded machine).
        if os.environ.get("OVERLOAD_REPORT") and "gateway overloaded" in self.tail(10_000_000):
            with open(os.environ["OVERLOAD_REPORT"], "a") as f:
                f.write(" ".join(self.args[-12:]) + "\n")
        self.log.close()
        if self in Fleet.running:
            Fleet.running.remove(self)
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
