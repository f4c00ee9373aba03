"""Two gateways behind nginx, configured by deploy/nginx/switchyard.conf: every product works through the load
balancer, and a gateway killed with SIGKILL under streaming clients loses no acknowledged update and counts none
twice when the clients reconnect through nginx and resend what was not acknowledged."""
import base64
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
import urllib.parse
import uuid

import pytest
import requests
import socketio
from websockets.exceptions import ConnectionClosed, WebSocketException
from websockets.sync.client import connect

from conftest import PORTS, Fleet, poll

DEPLOY_CONF = os.path.join(os.path.dirname(__file__), "../../deploy/nginx/switchyard.conf")


def find_nginx():
    found = shutil.which("nginx")
    if found:
        return found
    return "/usr/sbin/nginx" if os.access("/usr/sbin/nginx", os.X_OK) else None


NGINX = find_nginx()
pytestmark = pytest.mark.skipif(NGINX is None, reason="no nginx binary on PATH or at /usr/sbin/nginx "
                                                      "(Debian: apt-get install nginx)")

# The product ports nginx listens on in deploy/nginx/switchyard.conf, and the Fleet attribute holding the first
# gateway's port for each. In that file gateway n listens on port + n * 10000.
PRODUCT_PORTS = {8080: "http_port", 8081: "ws_port", 3000: "stats_port", 3456: "presence_port", 9000: "lobby_port"}
DEPLOY_STRIDE = 10000


def render_nginx(fleet, prefix, ports):
    """deploy/nginx/switchyard.conf with its listeners on free loopback ports and its upstream servers on this
    fleet's gateways, wrapped in a main configuration that keeps every file inside `prefix` (so it runs as
    any user). `ports` (QuietPorts) picks nginx's ports. Returns the nginx.conf path and {product port: nginx's
    port}."""
    with open(DEPLOY_CONF) as f:
        text = f.read()
    listen = {port: ports.port() for port in PRODUCT_PORTS}

    def listener(m):
        port = int(m.group(1))
        assert port in listen, f"unexpected listener {port} in {DEPLOY_CONF}"
        return f"listen 127.0.0.1:{listen[port]};"

    def gateway(m):
        n, base = divmod(int(m.group(1)), DEPLOY_STRIDE)
        assert base in PRODUCT_PORTS and n >= 1, f"unexpected upstream server {m.group(0)} in {DEPLOY_CONF}"
        return f"server 127.0.0.1:{getattr(fleet, PRODUCT_PORTS[base]) + (n - 1) * fleet.stride}"

    text, listeners = re.subn(r"listen\s+(\d+)\s*;", listener, text)
    text, servers = re.subn(r"server\s+127\.0\.0\.1:(\d+)", gateway, text)
    assert listeners == len(PRODUCT_PORTS), f"{listeners} listeners in {DEPLOY_CONF}"
    assert servers == 2 * len(PRODUCT_PORTS), f"{servers} upstream servers in {DEPLOY_CONF} (two per product)"
    with open(os.path.join(prefix, "switchyard.conf"), "w") as f:
        f.write(text)
    temp = "\n".join(f"    {kind}_temp_path {prefix}/{kind}_temp;" for kind in
                     ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    main = f"""daemon off;
master_process on;
worker_processes 1;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log info;
events {{
    worker_connections 1024;
}}
http {{
    log_format upstreams '$server_port $request_method $request_uri $status $upstream_addr';
    access_log {prefix}/access.log upstreams;
{temp}
    include {prefix}/switchyard.conf;
}}
"""
    conf = os.path.join(prefix, "nginx.conf")
    with open(conf, "w") as f:
        f.write(main)
    return conf, listen


class Nginx:
    """nginx in the foreground (daemon off, master process on) in a private prefix, in front of `fleet`."""

    def __init__(self, fleet, ports):
        self.prefix = tempfile.mkdtemp(prefix="switchyard-nginx-")
        self.proc = self.output = None
        try:
            # As root, nginx's workers run as `nobody` and must reach the temp folders inside the prefix.
            os.chmod(self.prefix, 0o755)
            self.conf, self.ports = render_nginx(fleet, self.prefix, ports)
            self.error_log = os.path.join(self.prefix, "error.log")
            self.output = open(os.path.join(self.prefix, "stderr.log"), "wb")
            self.proc = subprocess.Popen([NGINX, "-p", self.prefix + "/", "-c", self.conf, "-e", self.error_log],
                                         stdout=self.output, stderr=subprocess.STDOUT)

            def accepting():
                assert self.proc.poll() is None, f"nginx exited with {self.proc.returncode}:\n{self.errors()}"
                for port in self.ports.values():
                    with socket.create_connection(("127.0.0.1", port), timeout=1):
                        pass
                return True
            poll(accepting, timeout=20, what="nginx to accept connections on every port")
        except BaseException:
            self.stop()
            raise

    def url(self, product_port, scheme="http"):
        return f"{scheme}://127.0.0.1:{self.ports[product_port]}"

    def errors(self):
        out = []
        for name in ("stderr.log", "error.log"):
            path = os.path.join(self.prefix, name)
            if os.path.exists(path):
                with open(path, "rb") as f:
                    out.append(f.read()[-4000:].decode(errors="replace"))
        return "\n".join(out)

    def access_log(self):
        with open(os.path.join(self.prefix, "access.log")) as f:
            return f.read().splitlines()

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.output is not None:
            self.output.close()
        shutil.rmtree(self.prefix, ignore_errors=True)


@pytest.fixture(scope="module")
def stack():
    ports = PORTS
    fleet = Fleet(gateways=2, workers=2)
    nginx = None
    try:
        nginx = Nginx(fleet, ports)
        yield fleet, nginx
    finally:
        if nginx is not None:
            nginx.stop()
        fleet.stop()


def steps_of(nginx, username):
    return requests.get(f"{nginx.url(8080)}/users/{urllib.parse.quote(username, safe='')}/steps", timeout=10)


def frame(update_id, username, steps, ts):
    return json.dumps({"update_id": update_id, "username": username, "ts": ts, "newSteps": steps})


def upgrade_status(port, path):
    """The status line nginx answers a bare WebSocket handshake with (clients such as browsers do not follow a
    redirect during the handshake, so anything but 101 is a failed connection for them)."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        key = base64.b64encode(os.urandom(16)).decode()
        s.sendall((f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\n"
                   f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n")
                  .encode())
        head = b""
        while b"\r\n" not in head:
            chunk = s.recv(1024)
            if not chunk:
                break
            head += chunk
        return head.split(b"\r\n")[0].decode(errors="replace")


def test_every_product_works_through_nginx(stack):
    fleet, nginx = stack
    gateways = {f"127.0.0.1:{fleet.http_port}", f"127.0.0.1:{fleet.http_port + fleet.stride}"}

    # Step tracker: WebSocket updates with acks on two connections (round robin puts them on both gateways),
    # REST reads through nginx from either gateway.
    name = f"jenna-{uuid.uuid4().hex[:8]}"
    with connect(nginx.url(8081, "ws") + "/?ack=1", open_timeout=10) as ws:
        ws.send(frame("n-1", name, 17, 1503031275211))
        assert json.loads(ws.recv(timeout=15)) == {"$type": "ack", "update_id": "n-1"}
    with connect(nginx.url(8081, "ws") + "/?ack=1", open_timeout=10) as ws:
        ws.send(frame("n-2", name, 166, 1503031279439))
        ws.send(frame("n-1", name, 17, 1503031279440))  # a resend: acknowledged, not counted again
        assert [json.loads(ws.recv(timeout=15)) for _ in range(2)] == [
            {"$type": "ack", "update_id": "n-2"}, {"$type": "ack", "update_id": "n-1"}]
    for _ in range(4):
        r = steps_of(nginx, name)
        assert r.status_code == 200 and r.headers["content-type"].startswith("application/json")
        assert r.text == '{"cumulativeSteps":183,"ts":1503031279439}'
    r = steps_of(nginx, "toString")
    assert r.status_code == 404 and r.json() == {"error": "User doesn't exist"}
    for _ in range(2):
        status = upgrade_status(nginx.ports[8081], "/?ack=1")
        assert status == "HTTP/1.1 101 Switching Protocols", status
    port = str(nginx.ports[8080])
    served = {line.split()[-1] for line in nginx.access_log() if line.startswith(port + " ")}
    assert served == gateways, f"REST reads went to {served}, expected both gateways {gateways}"

    # Learning stats: POST then GET; a body over the gateway's 64 KiB gets the gateway's JSON 413, not nginx's.
    user, course, session = str(uuid.uuid4()), str(uuid.uuid4()), str(uuid.uuid4())
    body = {"sessionId": session, "totalModulesStudied": 3, "averageScore": 50, "timeStudied": 1000}
    r = requests.post(f"{nginx.url(3000)}/courses/{course}", json=body, headers={"X-User-Id": user}, timeout=10)
    assert r.status_code == 201 and r.json() == body, r.text
    r = requests.get(f"{nginx.url(3000)}/courses/{course}", headers={"X-User-Id": user}, timeout=10)
    assert r.status_code == 200 and r.json() == {"totalModulesStudied": 3, "averageScore": 50, "timeStudied": 1000}
    r = requests.post(f"{nginx.url(3000)}/courses/{course}", data=b"x" * 70_000,
                      headers={"X-User-Id": user, "Content-Type": "application/json"}, timeout=10)
    assert r.status_code == 413 and r.json() == {"error": "body is larger than 65536 bytes"}, r.text

    # Lobby: REST with Basic auth, then the WebSocket on the same port and path (REST first on purpose: an
    # upgrade must not travel over a connection nginx keeps from an earlier request, or the gateway answers 307).
    r = requests.get(f"{nginx.url(9000)}/lobby_api/tables", auth=("admin", "admin"), timeout=10)
    assert r.status_code == 200 and r.json()["$type"] == "table_list", (r.text, nginx.access_log()[-12:])
    tables = r.json()
    r = requests.get(f"{nginx.url(9000)}/lobby_api/health", timeout=10)
    assert r.status_code == 401 and r.headers["www-authenticate"].startswith("Basic")
    for _ in range(2):
        status = upgrade_status(nginx.ports[9000], "/lobby_api")
        assert status == "HTTP/1.1 101 Switching Protocols", status
    for _ in range(2):
        with connect(nginx.url(9000, "ws") + "/lobby_api", open_timeout=10) as ws:
            ws.send(json.dumps({"$type": "login", "username": "admin", "password": "admin"}))
            assert json.loads(ws.recv(timeout=15)) == {"$type": "login_successful", "user_type": "admin"}
            ws.send(json.dumps({"$type": "ping", "seq": 5}))
            assert json.loads(ws.recv(timeout=15)) == {"$type": "pong", "seq": 5}
            ws.send(json.dumps({"$type": "subscribe_tables"}))
            assert json.loads(ws.recv(timeout=15)) == tables

    # Presence REST (contracts §3, default keys).
    who = f"nginx-{uuid.uuid4().hex[:8]}"
    r = requests.post(f"{nginx.url(3456)}/users/ping", params={"key": "1"}, json={"id": who, "status": "busy"},
                      timeout=10)
    assert r.status_code == 200 and r.json()["data"]["busy"] >= 1, r.text
    r = requests.get(f"{nginx.url(3456)}/users/list/busy", params={"key": "1"}, timeout=10)
    assert r.status_code == 200 and who in [d["user"] for d in r.json()["data"]]
    assert requests.get(f"{nginx.url(3456)}/users/count", params={"key": "1"}, timeout=10).json()["data"]["busy"] >= 1
    assert requests.get(f"{nginx.url(3456)}/health", params={"key": "1"}, timeout=10).json() == {"data": "healthy"}
    r = requests.get(f"{nginx.url(3456)}/users/count", params={"key": "nope"}, timeout=10)
    assert r.status_code == 403 and r.json() == {"error": "access-denied"}


def test_socketio_polling_sessions_stick_to_one_gateway(stack):
    """Engine.IO polling sessions live in one gateway's memory: nginx's `hash $remote_addr` keeps every request
    of a session on the gateway that made it (round robin would send every other one to a gateway that answers
    400 "Session ID unknown")."""
    _, nginx = stack
    url = f"{nginx.url(3456)}/socket.io/"
    r = requests.get(url, params={"EIO": "4", "transport": "polling"}, timeout=10)
    assert r.status_code == 200 and r.text.startswith("0{"), r.text
    q = {"EIO": "4", "transport": "polling", "sid": json.loads(r.text[1:])["sid"]}
    r = requests.post(url, params=q, data="40", timeout=10)
    assert r.status_code == 200 and r.text == "ok", r.text
    r = requests.get(url, params=q, timeout=30)
    assert r.status_code == 200 and r.text.startswith('40{"sid":"'), r.text
    for i in range(4):
        r = requests.post(url, params=q, data=f'42["user-ping",{{"id":"poller-{i}","status":"available"}}]',
                          timeout=10)
        assert r.status_code == 200 and r.text == "ok", (i, r.status_code, r.text)
    # Over the gateway's maxPayload (1 000 000 bytes) but under nginx's 1m: the gateway's 413, session kept.
    assert requests.post(url, params=q, data="4" + "x" * 1_000_001, timeout=10).status_code == 413
    assert requests.post(url, params=q, data="41", timeout=10).text == "ok"

    # Stock clients: default transports (polling, then upgrade to WebSocket through nginx) and polling only.
    for transports, expected in ((None, "websocket"), (["polling"], "polling")):
        counts = []
        client = socketio.Client(reconnection=False)
        client.on("online-users-count", counts.append)
        client.connect(nginx.url(3456), wait_timeout=10, **({} if transports is None else {"transports": transports}))
        try:
            poll(lambda: client.transport() == expected and counts, timeout=15, what=f"a {expected} session")
            who = f"sio-{uuid.uuid4().hex[:6]}"
            client.emit("user-ping", {"id": who, "status": "busy"})
            poll(lambda: who in [d["user"] for d in requests.get(
                f"{nginx.url(3456)}/users/list/busy", params={"key": "1"}, timeout=10).json()["data"]],
                timeout=15, what="the Socket.IO ping to reach the presence list")
            assert client.connected
        finally:
            client.disconnect()


CLIENTS = 6          # WebSocket streams through nginx; round robin puts half of them on each gateway
TOTAL = 400          # acknowledged updates per client, then it stops
KILL_AT = 60         # the gateway is killed once every client has this many acknowledged
GATE = 200           # a client this far ahead waits for the kill, so every stream spans it
WINDOW = 16          # updates a client has outstanding at most


class StreamClient(threading.Thread):
    """Streams acknowledged step updates for one user through nginx. Every update has a unique update_id; those
    sent but not acknowledged are kept and, when the connection breaks, resent with the same ids on a new
    connection through nginx."""

    def __init__(self, url, index, killed):
        super().__init__(daemon=True, name=f"stream-{index}")
        self.url, self.killed = url, killed
        self.user = f"lb-{index}-{uuid.uuid4().hex[:8]}"
        self.pending = {}      # update_id -> (newSteps, frame), in send order
        self.acked = {}        # update_id -> newSteps
        self.sent = 0
        self.reconnects = 0
        self.broken_by = []
        self.error = None
        self.connect_error = None

    def run(self):
        try:
            self.stream()
        except BaseException as e:  # reported by the test thread
            self.error = e

    def connect(self):
        def attempt():
            try:
                return [connect(self.url, open_timeout=5, close_timeout=1).__enter__()]
            except (OSError, WebSocketException) as e:
                self.connect_error = e
                return None
        try:
            return poll(attempt, timeout=30, interval=0.05, what=f"{self.user} to reconnect through nginx")[0]
        except AssertionError as e:
            raise AssertionError(f"{e}; last error: {self.connect_error!r}") from None

    def stream(self):
        deadline = time.monotonic() + 180
        ws = None
        try:
            while len(self.acked) < TOTAL:
                assert time.monotonic() < deadline, f"{self.user}: {len(self.acked)} of {TOTAL} acknowledged"
                try:
                    if ws is None:
                        # (Re)connect through nginx (to a live gateway) and resend every unacknowledged update
                        # with its update_id: one the dead gateway had already passed on is acknowledged again
                        # but not applied twice.
                        ws = self.connect()
                        for _, data in list(self.pending.values()):
                            ws.send(data)
                    while (len(self.pending) < WINDOW and self.sent < TOTAL
                           and (self.killed.is_set() or len(self.acked) < GATE)):
                        uid = f"{self.user}-{self.sent}"
                        steps = self.sent % 7 + 1
                        self.pending[uid] = (steps, frame(uid, self.user, steps, self.sent))
                        self.sent += 1
                        ws.send(self.pending[uid][1])
                    if not self.pending:
                        self.killed.wait(timeout=1)  # ahead of the others: wait for the kill
                        continue
                    try:
                        msg = json.loads(ws.recv(timeout=30))
                    except TimeoutError:
                        raise AssertionError(f"{self.user}: no ack for 30 s with {len(self.pending)} outstanding "
                                             "(a connection to a dead gateway hung?)")
                    assert msg["$type"] == "ack", msg
                    uid = msg["update_id"]
                    if uid in self.pending:
                        self.acked[uid] = self.pending.pop(uid)[0]
                    else:
                        assert uid in self.acked, f"{self.user}: ack for an update never sent: {msg}"
                except (ConnectionClosed, OSError) as e:
                    # The gateway behind this connection died.
                    self.broken_by.append(repr(e))
                    self.reconnects += 1
                    ws.close()
                    ws = None
        finally:
            if ws is not None:
                ws.close()


def test_kill_a_gateway_behind_nginx_loses_nothing_acknowledged_and_counts_nothing_twice(stack):
    fleet, nginx = stack
    fleet.wait_healthy()
    killed = threading.Event()
    clients = [StreamClient(nginx.url(8081, "ws") + "/?ack=1", i, killed) for i in range(CLIENTS)]
    for c in clients:
        c.start()

    def errors():
        return [f"{c.user}: {c.error!r}" for c in clients if c.error is not None]

    def all_streaming():
        assert not errors(), errors()
        return all(len(c.acked) >= KILL_AT for c in clients)
    poll(all_streaming, timeout=60, what=f"every client to have {KILL_AT} acknowledged updates")

    victim = fleet.process("g1")
    os.kill(victim["pid"], signal.SIGKILL)
    killed.set()

    deadline = time.monotonic() + 200
    for c in clients:
        c.join(timeout=max(0.0, deadline - time.monotonic()))
    assert not any(c.is_alive() for c in clients), "a client did not finish: " + ", ".join(
        f"{c.user} {len(c.acked)}/{TOTAL}" for c in clients if c.is_alive())
    assert not errors(), "\n".join(errors()) + "\n" + nginx.errors()[-2000:]
    broken = [c for c in clients if c.reconnects]
    assert broken, "no client's connection broke: none was on the killed gateway"
    assert len(broken) < CLIENTS, "every connection broke: the surviving gateway's clients should not notice"

    # The supervisor restarts the killed gateway on the same ports and the fleet is healthy again.
    restarted = fleet.wait_healthy(timeout=30, predicate=lambda h: next(
        p for p in h["processes"] if p["id"] == "g1")["restarts"] >= 1)
    assert next(p for p in restarted["processes"] if p["id"] == "g1")["pid"] != victim["pid"]

    # Every acknowledged update counted exactly once: through nginx, and on the restarted gateway directly.
    for c in clients:
        assert len(c.acked) == TOTAL and not c.pending
        expected = sum(c.acked.values())
        r = steps_of(nginx, c.user)
        assert r.status_code == 200, r.text
        assert r.json()["cumulativeSteps"] == expected, (c.user, c.reconnects, c.broken_by)
        r = requests.get(f"{fleet.http}/users/{c.user}/steps", timeout=10)
        assert r.status_code == 200 and r.json()["cumulativeSteps"] == expected, c.user
