"""The gateway's edge against hostile clients (docs/operations.md, "Client limits"): slow and idle connections are
cut off within their timeouts on every port, the descriptor limit is a limit and not a crash, every WebSocket
endpoint closes bad frames with the same codes, and malformed HTTP gets its status with a JSON body."""
import base64
import json
import os
import resource
import select
import socket
import struct
import threading
import time
import uuid

import pytest
import requests
from websockets.sync.client import connect

from conftest import Fleet, counters_reach, gateway, poll, raw_websocket, server_frames

HEADER_S, BODY_S, IDLE_S, PING_S, PONG_S = 1.5, 1.5, 2.5, 1.0, 1.0
SLACK = 3.0  # scheduling on a loaded 2-vCPU machine; the limits themselves are what is checked
EDGE = (
    "--header-timeout-ms", str(int(HEADER_S * 1000)), "--body-timeout-ms", str(int(BODY_S * 1000)),
    "--idle-timeout-ms", str(int(IDLE_S * 1000)), "--ws-ping-interval-ms", str(int(PING_S * 1000)),
    "--ws-ping-timeout-ms", str(int(PONG_S * 1000)),
)
SOCKET_IO = "/socket.io/?EIO=4&transport=websocket"
USER_ID = "3fa85f64-5717-4562-b3fc-2c963f66afa6"


@pytest.fixture(scope="module")
def edge_fleet():
    f = Fleet(extra=EDGE)
    yield f
    f.stop()


def ports(fleet):
    return {"steps-rest": fleet.http_port, "steps-ws": fleet.ws_port, "stats": fleet.stats_port,
            "presence": fleet.presence_port, "lobby": fleet.lobby_port}


def connect_raw(port, data=b""):
    s = socket.create_connection(("127.0.0.1", port))
    if data:
        s.sendall(data)
    return s


def read_answer(sock, limit):
    """Everything the server sends until it closes, and how long that took; fails if it is still open after
    `limit` seconds."""
    start = time.monotonic()
    sock.settimeout(limit)
    data = b""
    try:
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                break
            data += chunk
    except ConnectionResetError:
        pass
    except socket.timeout:
        pytest.fail(f"connection still open after {limit}s; got {data[:200]!r}")
    finally:
        sock.close()
    return data, time.monotonic() - start


def status_and_json(answer):
    head, _, body = answer.partition(b"\r\n\r\n")
    status = int(head.split(b" ")[1])
    return status, head, json.loads(body)


def client_frame(opcode, payload, masked=True, fin=True):
    """One client WebSocket frame, of any length, masked unless told otherwise."""
    head = bytes([(0x80 if fin else 0) | opcode])
    bit = 0x80 if masked else 0
    n = len(payload)
    if n < 126:
        head += bytes([bit | n])
    elif n < 65536:
        head += bytes([bit | 126]) + struct.pack(">H", n)
    else:
        head += bytes([bit | 127]) + struct.pack(">Q", n)
    if not masked:
        return head + payload
    mask = os.urandom(4)
    return head + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload))


def close_code(data):
    closes = [p for op, p in server_frames(data) if op == 8]
    assert closes, f"no close frame in {data[:100]!r}"
    return struct.unpack(">H", closes[0][:2])[0]


def open_endpoint(fleet, name):
    """A raw upgraded WebSocket on one of the three endpoints (the Socket.IO open packet already read)."""
    if name == "steps":
        return raw_websocket(fleet.ws_port, "/")
    if name == "lobby":
        return raw_websocket(fleet.lobby_port, "/lobby_api")
    sock = raw_websocket(fleet.presence_port, SOCKET_IO)
    sock.settimeout(10)
    first = sock.recv(2)
    n = first[1] & 0x7F
    while n:
        n -= len(sock.recv(n))
    return sock


# --- timeouts -------------------------------------------------------------------------------------------------


def test_silent_and_half_sent_headers_get_408_within_the_header_timeout_on_every_port(edge_fleet):
    before = gateway(edge_fleet)["headerTimeouts"]
    for name, port in ports(edge_fleet).items():
        for opening in (b"", b"GET / HTTP/1.1\r\nHost: x\r\n", b"GET /lobby_api HTTP/1.1\r\nUpgrade: websocket\r\n"):
            answer, took = read_answer(connect_raw(port, opening), HEADER_S + SLACK)
            status, _, body = status_and_json(answer)
            assert status == 408 and "header" in body["error"], (name, opening, answer)
            assert took >= HEADER_S - 0.2, (name, opening, took)
    counters_reach(edge_fleet, headerTimeouts=before + 15)


def test_trickling_a_header_buys_no_time(edge_fleet):
    sock = connect_raw(edge_fleet.http_port)
    start = time.monotonic()
    sock.settimeout(0.3)
    try:
        for byte in b"GET /users/x/steps HTTP/1.1\r\nHost: x\r\n":
            sock.sendall(bytes([byte]))
            try:
                if sock.recv(65536):
                    break
            except socket.timeout:
                pass
    except (BrokenPipeError, ConnectionResetError):
        pass
    assert time.monotonic() - start < HEADER_S + SLACK


def test_many_half_sent_upgrade_requests_are_all_cut_off(edge_fleet):
    socks = [connect_raw(edge_fleet.ws_port, b"GET / HTTP/1.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n")
             for _ in range(300)]
    deadline = time.monotonic() + HEADER_S + SLACK
    for s in socks:
        answer, _ = read_answer(s, max(0.1, deadline - time.monotonic()))
        assert answer.startswith(b"HTTP/1.1 408"), answer[:100]


def test_a_stalled_body_is_cut_off_within_the_body_timeout_on_every_port(edge_fleet):
    auth = "Authorization: Basic YWRtaW46YWRtaW4=\r\n"  # admin:admin
    requests_by_port = {
        "stats": f"POST /courses/{uuid.uuid4()} HTTP/1.1\r\nHost: x\r\nX-User-Id: {USER_ID}\r\n",
        "presence": "POST /users/ping?key=x HTTP/1.1\r\nHost: x\r\n",
        "lobby": f"POST /lobby_api/tables HTTP/1.1\r\nHost: x\r\n{auth}",
        "steps-rest": "POST /users/x/steps HTTP/1.1\r\nHost: x\r\n",
        "steps-ws": "POST / HTTP/1.1\r\nHost: x\r\n",
    }
    before = gateway(edge_fleet)["bodyTimeouts"]
    for name, head in requests_by_port.items():
        sock = connect_raw(ports(edge_fleet)[name], (head + "Content-Type: application/json\r\n"
                                                     "Content-Length: 100\r\n\r\n{\"a\"").encode())
        answer, took = read_answer(sock, BODY_S + SLACK)
        # Routes that read the body answer 408; where the router answered at once (404, 405) the connection is
        # closed without a second answer.
        if name in ("stats", "lobby"):
            status, _, body = status_and_json(answer)
            assert status == 408 and "body" in body["error"], (name, answer)
        assert took >= BODY_S - 0.2, (name, took)
    counters_reach(edge_fleet, bodyTimeouts=before + 5)


def test_an_idle_keep_alive_connection_is_closed_after_the_idle_timeout(edge_fleet):
    before = gateway(edge_fleet)["idleTimeouts"]
    for name, port in ports(edge_fleet).items():
        sock = connect_raw(port, b"GET /no-such-thing HTTP/1.1\r\nHost: x\r\n\r\n")
        sock.settimeout(5)
        answer = b""
        while b"\r\n\r\n" not in answer:
            answer += sock.recv(65536)
        assert answer.startswith(b"HTTP/1.1 4"), (name, answer[:100])
        rest, took = read_answer(sock, IDLE_S + SLACK)
        assert b"HTTP/1.1" not in rest, (name, rest)
        # Closed for idleness, not by the (shorter) header timeout.
        assert took >= IDLE_S - 0.3, (name, took)
    counters_reach(edge_fleet, idleTimeouts=before + 5)


def test_a_websocket_that_answers_no_ping_is_closed_and_one_that_does_stays(edge_fleet):
    before = gateway(edge_fleet)["pingTimeouts"]
    for name in ("steps", "lobby"):
        deaf = open_endpoint(edge_fleet, name)
        data, took = read_answer(deaf, PING_S + PONG_S + SLACK)
        opcodes = [op for op, _ in server_frames(data)]
        assert opcodes[0] == 9, (name, data)  # pinged first
        assert close_code(data) == 1001, (name, data)
        assert PING_S + PONG_S - 0.3 <= took, (name, took)
    counters_reach(edge_fleet, pingTimeouts=before + 2)
    # A client library answers pings: it stays open through several intervals and is still served.
    with connect(f"{edge_fleet.ws}/?ack=1") as ws:
        with pytest.raises(TimeoutError):
            ws.recv(timeout=3 * (PING_S + PONG_S))
        ws.send(json.dumps({"update_id": str(uuid.uuid4()), "username": "pinged", "ts": 1, "newSteps": 3}))
        assert json.loads(ws.recv(timeout=10))["$type"] == "ack"


# --- WebSocket frames -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("endpoint", ["steps", "lobby", "socketio"])
def test_bad_frames_close_with_the_same_code_on_every_websocket_endpoint(edge_fleet, endpoint):
    before = gateway(edge_fleet)["unmaskedFrames"]
    cases = [
        ("unmasked", client_frame(1, b'{"$type": "ping"}', masked=False), 1002),
        ("invalid utf-8", client_frame(1, b"\xff\xfe\xfd"), 1007),
        ("fragmented ping", client_frame(9, b"x", fin=False), 1002),
        ("too big", client_frame(1, b"x" * 1_100_000), 1009),
    ]
    for what, frame, code in cases:
        sock = open_endpoint(edge_fleet, endpoint)
        try:
            sock.sendall(frame)
        except (BrokenPipeError, ConnectionResetError):
            pass  # closed while the oversized frame was still being sent: the close frame was read first
        data, _ = read_answer(sock, 10)
        assert close_code(data) == code, (endpoint, what, data[:80])
    counters_reach(edge_fleet, unmaskedFrames=before + 1)


def test_an_unmasked_frame_right_behind_the_upgrade_request_is_caught(edge_fleet):
    sock = socket.create_connection(("127.0.0.1", edge_fleet.ws_port))
    key = "dGhlIHNhbXBsZSBub25jZQ=="
    sock.sendall(f"GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                 f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n".encode()
                 + client_frame(1, b"{}", masked=False))
    data, _ = read_answer(sock, 10)
    assert data.startswith(b"HTTP/1.1 101")
    assert close_code(data.partition(b"\r\n\r\n")[2]) == 1002


# --- malformed HTTP -------------------------------------------------------------------------------------------


def test_malformed_http_gets_its_status_and_a_json_body_on_every_port(edge_fleet):
    cases = [
        (b"GET / HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n", 400),
        (b"GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 100_000 + b"\r\n\r\n", 431),
        (b"GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n", 400),
        (b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + os.urandom(64), 400),  # a TLS hello on a plain port
    ]
    before = gateway(edge_fleet)["malformedRequests"]
    for name, port in ports(edge_fleet).items():
        for request, expected in cases:
            answer, _ = read_answer(connect_raw(port, request), 10)
            status, head, body = status_and_json(answer)
            assert status == expected, (name, request[:40], answer[:200])
            assert b"application/json" in head and body["error"], (name, answer[:200])
    counters_reach(edge_fleet, malformedRequests=before + 20)


def test_a_refused_upgrade_is_answered_as_the_plain_request_it_also_is(edge_fleet):
    """An upgrade the endpoint does not take (a path without a WebSocket, a Socket.IO session that does not exist)
    gets the answer the router gives that request, body included, not an empty 400."""
    key = base64.b64encode(os.urandom(16)).decode()

    def upgrade(port, target):
        request = (f"GET {target} HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                   f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n").encode()
        sock = connect_raw(port, request)
        sock.settimeout(10)
        answer = b""
        while b"\r\n\r\n" not in answer or len(answer.partition(b"\r\n\r\n")[2]) < content_length(answer):
            chunk = sock.recv(65536)
            assert chunk, answer
            answer += chunk
        sock.close()
        return answer

    status, _, body = status_and_json(upgrade(edge_fleet.lobby_port, "/nowhere"))
    assert status == 404 and body["error"], body
    # Engine.IO answers a refused WebSocket request as the reference server's abortUpgrade does.
    answer = upgrade(edge_fleet.presence_port, "/socket.io/?EIO=4&transport=websocket&sid=nobody")
    assert answer.startswith(b"HTTP/1.1 400 ") and b"text/html" in answer, answer
    assert answer.endswith(b"\r\n\r\nSession ID unknown"), answer
    # The port still serves WebSockets afterwards.
    assert upgrade_works(edge_fleet.lobby_port, "/lobby_api")


def content_length(answer):
    head = answer.partition(b"\r\n\r\n")[0].lower()
    for line in head.split(b"\r\n"):
        if line.startswith(b"content-length:"):
            return int(line.split(b":")[1])
    return 0


def upgrade_works(port, path):
    sock = raw_websocket(port, path)
    sock.close()
    return True


def test_a_body_over_the_limit_gets_413_with_a_json_body(edge_fleet):
    big = b"x" * 2_000_000
    for url, auth in ((f"http://{edge_fleet.lobby}/lobby_api/tables", ("admin", "admin")),
                      (f"{edge_fleet.stats}/courses/{uuid.uuid4()}", None)):
        r = requests.post(url, data=big, auth=auth, headers={"X-User-Id": USER_ID}, timeout=10)
        assert r.status_code == 413 and r.json()["error"], (url, r.text)


# --- the descriptor and connection limits ---------------------------------------------------------------------


def raise_own_descriptor_limit():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return hard


class AckedStream(threading.Thread):
    """Streams acknowledged step updates for one user on one connection, one in flight at a time."""

    def __init__(self, url, user, count):
        super().__init__(daemon=True)
        self.url, self.user, self.count = url, user, count
        self.acked, self.error = 0, None

    def run(self):
        try:
            with connect(f"{self.url}/?ack=1", open_timeout=10) as ws:
                for _ in range(self.count):
                    ws.send(json.dumps({"update_id": str(uuid.uuid4()), "username": self.user, "ts": 1,
                                        "newSteps": 1}))
                    reply = json.loads(ws.recv(timeout=30))
                    assert reply["$type"] == "ack", reply
                    self.acked += 1
        except Exception as e:  # reported by the test
            self.error = e


def test_a_descriptor_flood_is_refused_cleanly_and_never_kills_the_gateway(fresh_fleet):
    if raise_own_descriptor_limit() < 4000:
        pytest.skip("this test's own descriptor limit is too low to flood the gateway")
    fleet = fresh_fleet(nofile=512)
    g = gateway(fleet)
    pid, restarts = g["pid"], g["restarts"]
    stream = AckedStream(fleet.ws, "streamer", 400)
    stream.start()
    flood, refused = [], 0
    for i in range(2500):
        port = (fleet.http_port, fleet.lobby_port, fleet.ws_port)[i % 3]
        try:
            flood.append(socket.create_connection(("127.0.0.1", port), timeout=5))
        except OSError:
            refused += 1
    # Some were answered 503 at the limit; read what the first refused ones got.
    answers = []
    for s in flood[-50:]:
        s.settimeout(5)
        try:
            answers.append(s.recv(4096))
        except (socket.timeout, ConnectionResetError):
            answers.append(b"")
    assert any(a.startswith(b"HTTP/1.1 503") and b"connection limit" in a for a in answers), answers[:3]
    stream.join(timeout=120)
    assert stream.error is None and stream.acked == 400, (stream.error, stream.acked)
    for s in flood:
        s.close()
    # Accepting again once connections close; the same gateway process throughout.
    r = poll(lambda: requests.get(f"{fleet.http}/users/streamer/steps", timeout=5), what="the gateway serving again")
    assert r.json()["cumulativeSteps"] == 400
    g = counters_reach(fleet, connectionsRefused=1)
    assert (g["pid"], g["restarts"]) == (pid, restarts), g
    assert "SIGILL" not in fleet.tail()


def test_past_the_connection_limit_new_connections_get_503_and_are_accepted_again(fresh_fleet):
    fleet = fresh_fleet(extra=("--max-connections", "20"))
    # 25 connections: whichever 20 the gateway accepts first are admitted, the other 5 answered at once.
    socks = [connect_raw(fleet.http_port) for _ in range(25)]
    refused = poll(lambda: (lambda r: r if len(r) >= 5 else None)(select.select(socks, [], [], 0.1)[0]),
                   timeout=10, what="five connections refused")
    assert len(refused) == 5
    for s in refused:
        status, head, body = status_and_json(read_answer(s, 10)[0])
        assert status == 503 and b"Retry-After" in head and "connection limit" in body["error"], head
    admitted = [s for s in socks if s not in refused]
    for s in admitted[:5]:
        s.close()
    r = poll(lambda: requests.get(f"{fleet.http}/users/x/steps", timeout=5).status_code == 404,
             what="a connection accepted again")
    assert r
    for s in admitted[5:]:
        s.close()


STATS_USER, STATS_COURSE = "3fa85f64-5717-4562-b3fc-2c963f66afa6", "1c6f8a0e-93a4-4b1e-9d4b-0a6c2d4e8f10"
PIPELINED = {
    # Step-total reads, each sent to the fleet.
    "steps reads": ("http_port", "steps", lambda i: f"GET /users/p{i}/steps HTTP/1.1\r\nHost: x\r\n\r\n",
                    b'{"error":"User doesn\'t exist"}',
                    lambda fleet: requests.get(f"{fleet.http}/users/someone/steps", timeout=5),
                    (404, {"error": "User doesn't exist"})),
    # Learning-stats POSTs whose bodies are refused at once, without the fleet.
    "stats refused POSTs": ("stats_port", "stats",
                            lambda i: f"POST /courses/{STATS_COURSE} HTTP/1.1\r\nHost: x\r\nX-User-Id: {STATS_USER}\r\n"
                                      f"Content-Length: 1\r\n\r\n{{",
                            b'{"error":"body is not valid JSON',
                            lambda fleet: requests.get(f"{fleet.stats}/courses/{STATS_COURSE}",
                                                       headers={"X-User-Id": STATS_USER}, timeout=5),
                            (404, {"error": "Course not found"})),
}


@pytest.mark.parametrize("kind", PIPELINED)
def test_a_client_that_pipelines_requests_and_reads_no_answers_is_answered_only_as_it_reads(fresh_fleet, kind):
    """Step-total reads and learning-stats POSTs are answered on the gateway's event loop (a refused POST body at
    once). A client that pipelines thousands of them and reads nothing gets only what its socket takes (the gateway
    stops taking its requests while the answers sit unread), other clients are served meanwhile, and once it
    reads, every answer arrives, in order."""
    port_name, product, request, answer_prefix, other_request, other_answer = PIPELINED[kind]
    fleet = fresh_fleet(workers=1, partitions=4, extra=("--socket-send-buffer", "4096"))
    count = 3000
    requests_bytes = "".join(request(i) for i in range(count)).encode()
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.connect(("127.0.0.1", getattr(fleet, port_name)))
    sender = threading.Thread(target=sock.sendall, args=(requests_bytes,), daemon=True)
    sender.start()
    try:
        with pytest.raises(AssertionError, match="timed out"):
            poll(lambda: gateway(fleet)[f"{product}MessagesOut"] >= count, timeout=3,
                 what="every answer sent to a client that reads none, which should not happen")
        answered = gateway(fleet)[f"{product}MessagesOut"]
        assert answered < count // 2, answered
        other = other_request(fleet)
        assert (other.status_code, other.json()) == other_answer

        data, answers = b"", 0
        sock.settimeout(30)
        while answers < count:
            chunk = sock.recv(65536)
            assert chunk, f"closed after {answers} answers"
            data += chunk
            answers = data.count(b"HTTP/1.1 ")
        assert answers == count
        assert data.count(answer_prefix) == count
        sender.join(timeout=10)
        assert not sender.is_alive()
    finally:
        sock.close()
