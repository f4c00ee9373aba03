"""Presence over Socket.IO with stock python-socketio clients (polling then upgrade, WebSocket only, polling only),
and the Engine.IO error answers of the reference server."""
import json

import pytest
import requests
import socketio

from conftest import Fleet, masked_frame, poll, raw_websocket, read_until_closed, server_frames

KEY, SYSTEM = "1", "777"
ENV = {"STATUS_LIFETIME_ACTIVE": "1.5", "STATUS_LIFETIME_AWAY": "1.5", "STATUS_UPDATE_INTERVAL": "1"}
PING_MS = 400


@pytest.fixture(scope="module")
def fleet():
    f = Fleet(env=ENV, extra=("--socketio-ping-interval-ms", str(PING_MS), "--socketio-ping-timeout-ms", "2000"))
    yield f
    f.stop()


@pytest.fixture
def presence(fleet):
    r = requests.get(f"{fleet.presence}/database/clear", params={"key": SYSTEM}, timeout=10)
    assert r.status_code == 200
    return fleet.presence


class Watcher:
    """A python-socketio client that records the two presence events."""

    def __init__(self, url, transports=None):
        self.lists, self.counts = [], []
        self.client = socketio.Client(reconnection=False)
        self.client.on("online-users-list", self.lists.append)
        self.client.on("online-users-count", self.counts.append)
        kw = {} if transports is None else {"transports": transports}
        self.client.connect(url, wait_timeout=5, **kw)

    def wait_for(self, predicate, what, timeout=10):
        return poll(lambda: self.counts and self.lists and predicate(self.lists[-1]["data"], self.counts[-1]["data"]),
                    timeout=timeout, interval=0.02, what=what)

    def close(self):
        self.client.disconnect()


@pytest.mark.parametrize("transports,expected", [(None, "websocket"), (["websocket"], "websocket"),
                                                 (["polling"], "polling")])
def test_a_stock_client_connects_gets_the_state_pings_and_sees_timeouts(presence, transports, expected):
    requests.post(f"{presence}/users/ping", params={"key": KEY}, json={"id": "before", "status": "busy"}, timeout=10)
    w = Watcher(presence, transports)
    try:
        assert w.client.transport() == expected
        # Both events right after connecting, with the current state.
        w.wait_for(lambda lst, cnt: [d["user"] for d in lst] == ["before"] and cnt["busy"] == 1, "the initial state")
        w.client.emit("user-ping", {"id": 9, "status": "available"})
        w.wait_for(lambda lst, cnt: cnt == {"available": 1, "busy": 1, "away": 0}
                   and [d["user"] for d in lst] == ["9", "before"], "the ping's broadcast")
        # The REST API sees the Socket.IO ping.
        r = requests.get(f"{presence}/users/list/available", params={"key": KEY}, timeout=10)
        assert [d["user"] for d in r.json()["data"]] == ["9"]
        # Lifetimes of 1.5 s: away, then gone, broadcast to the client.
        w.wait_for(lambda lst, cnt: cnt["away"] == 2 and cnt["available"] == 0, "both users away")
        w.wait_for(lambda lst, cnt: lst == [] and cnt == {"available": 0, "busy": 0, "away": 0}, "both users gone")
    finally:
        w.close()


def test_clients_stay_connected_across_server_pings_and_get_periodic_updates(presence):
    w = Watcher(presence)
    try:
        before = len(w.counts)
        # Several ping intervals pass: the client answers the server's pings and is not dropped; the state is
        # rebroadcast at least every STATUS_UPDATE_INTERVAL (1 s) even without changes.
        poll(lambda: len(w.counts) >= before + 3, timeout=10, what="periodic broadcasts")
        assert w.client.connected
    finally:
        w.close()


def test_invalid_user_pings_are_ignored(presence):
    w = Watcher(presence, ["websocket"])
    try:
        for payload in ({"id": 1, "status": "away"}, {"id": None, "status": "busy"}, "text", [1, 2], {"status": "busy"}):
            w.client.emit("user-ping", payload)
        w.client.emit("other-event", {"id": 5, "status": "busy"})
        w.client.emit("user-ping", {"id": "ok", "status": "busy"})
        w.wait_for(lambda lst, cnt: [d["user"] for d in lst] == ["ok"], "only the valid ping")
        assert w.client.connected
    finally:
        w.close()


def test_engine_io_errors_are_the_reference_servers(fleet):
    url = f"{fleet.presence}/socket.io/"
    cases = [
        ({"EIO": "4", "transport": "foo"}, "get", {"code": 0, "message": "Transport unknown"}),
        ({"EIO": "4"}, "get", {"code": 0, "message": "Transport unknown"}),
        ({"transport": "polling"}, "get", {"code": 5, "message": "Unsupported protocol version"}),
        ({"EIO": "3", "transport": "polling"}, "get", {"code": 5, "message": "Unsupported protocol version"}),
        ({"EIO": "4", "transport": "polling", "sid": "bogus"}, "get", {"code": 1, "message": "Session ID unknown"}),
        ({"EIO": "4", "transport": "polling"}, "post", {"code": 2, "message": "Bad handshake method"}),
        ({"EIO": "4", "transport": "websocket"}, "get", {"code": 3, "message": "Bad request"}),
    ]
    for params, method, body in cases:
        r = requests.request(method, url, params=params, timeout=10)
        assert r.status_code == 400 and r.json() == body, (params, method, r.status_code, r.text)


def handshake(url):
    r = requests.get(url, params={"EIO": "4", "transport": "polling"}, timeout=10)
    assert r.status_code == 200 and r.text.startswith("0{"), r.text
    assert r.headers["content-type"].startswith("text/plain")
    return json.loads(r.text[1:])


def test_polling_sessions_by_hand(fleet):
    url = f"{fleet.presence}/socket.io/"
    opened = handshake(url)
    sid = opened["sid"]
    assert len(sid) == 20 and opened["upgrades"] == ["websocket"] and opened["pingInterval"] == PING_MS
    q = {"EIO": "4", "transport": "polling", "sid": sid}
    r = requests.post(url, params=q, data="40", timeout=10)
    assert r.status_code == 200 and r.text == "ok"
    r = requests.get(url, params=q, timeout=10)
    packets = r.text.split("\x1e")
    assert packets[0].startswith('40{"sid":"'), r.text
    # A malformed packet closes the session; later requests learn the sid is gone.
    assert requests.post(url, params=q, data="abc", timeout=10).status_code == 400
    r = requests.get(url, params=q, timeout=10)
    assert r.status_code == 400 and r.json() == {"code": 1, "message": "Session ID unknown"}


def test_oversized_posts_are_413_and_silent_clients_are_dropped(fleet):
    url = f"{fleet.presence}/socket.io/"
    sid = handshake(url)["sid"]
    q = {"EIO": "4", "transport": "polling", "sid": sid}
    assert requests.post(url, params=q, data="4" + "x" * 1_000_001, timeout=10).status_code == 413
    # The session survives an oversized POST (as the reference server)...
    assert requests.post(url, params=q, data="40", timeout=10).status_code == 200
    # ...but a client that never answers the server's pings is dropped after pingInterval + pingTimeout.
    poll(lambda: requests.get(url, params=q, timeout=10).status_code == 400, timeout=15,
         what="the silent session to be closed")


def test_every_gateway_broadcasts_every_change(fresh_fleet):
    fleet = fresh_fleet(env=ENV, gateways=2)
    # Gateway 2's ports are gateway 1's plus the stride.
    second = f"http://127.0.0.1:{fleet.presence_port + fleet.stride}"
    w1, w2 = Watcher(fleet.presence), Watcher(second, ["websocket"])
    try:
        w2.client.emit("user-ping", {"id": "on-2", "status": "busy"})
        requests.post(f"{fleet.presence}/users/ping", params={"key": KEY}, json={"id": "on-1", "status": "available"},
                      timeout=10)
        for w in (w1, w2):
            w.wait_for(lambda lst, cnt: sorted(d["user"] for d in lst) == ["on-1", "on-2"], "both users everywhere")
    finally:
        w1.close()
        w2.close()


def test_a_websocket_client_that_stops_reading_gets_only_the_newest_list_then_its_heartbeat_ends_it(fresh_fleet):
    """What waits for a Socket.IO WebSocket client that stops reading is bounded by coalescing: a newer broadcast
    replaces one it has not taken, so once it reads again it gets a few lists (what the socket buffers held) and then
    the newest, not every list in between; if it stays silent, Engine.IO's heartbeat ends it."""
    fleet = fresh_fleet(env={**ENV, "STATUS_UPDATE_INTERVAL": "0.2", "STATUS_LIFETIME_ACTIVE": "60"},
                        extra=("--socket-send-buffer", "16384"))
    url = f"{fleet.presence}/users/ping?key=1"
    with requests.Session() as http:
        for n in range(200):
            assert http.post(url, json={"id": f"{n:03d}" + "u" * 250, "status": "busy"}, timeout=10).ok
    stalled = raw_websocket(fleet.presence_port, "/socket.io/?EIO=4&transport=websocket", receive_buffer=4096)
    watcher = Watcher(fleet.presence, ["websocket"])
    try:
        stalled.sendall(masked_frame(1, b"40"))
        # The stalled client reads nothing while 40 changes are broadcast (each list ≈ 58 KB).
        with requests.Session() as http:
            for n in range(40):
                assert http.post(url, json={"id": f"{n:03d}" + "u" * 250, "status": "available"}, timeout=10).ok
                watcher.wait_for(lambda lst, cnt: cnt["available"] == n + 1, f"change {n} at the watcher")
        assert len(watcher.lists) > 40

        # Now it reads: a few lists, then one with every change.
        stalled.settimeout(10)
        data, lists = b"", []
        while not lists or sum(1 for d in lists[-1] if d["status"] == "available") < 40:
            chunk = stalled.recv(65536)
            assert chunk, f"closed after {len(lists)} lists"
            data += chunk
            lists = [json.loads(payload[2:])[1]["data"] for opcode, payload in server_frames(data)
                     if opcode == 1 and payload.startswith(b'42["online-users-list"')]
        assert len(lists) <= 6, len(lists)
    finally:
        stalled.close()
        watcher.close()
    # Everyone else is served as before.
    assert requests.get(f"{fleet.presence}/users/count?key=1", timeout=10).json()["data"]["available"] == 40


def test_a_websocket_client_that_stops_reading_is_ended_by_the_heartbeat(fresh_fleet):
    fleet = fresh_fleet(env={**ENV, "STATUS_UPDATE_INTERVAL": "0.2", "STATUS_LIFETIME_ACTIVE": "60"},
                        extra=("--socket-send-buffer", "16384", "--socketio-ping-interval-ms", "300",
                               "--socketio-ping-timeout-ms", "300"))
    url = f"{fleet.presence}/users/ping?key=1"
    with requests.Session() as http:
        for n in range(200):
            assert http.post(url, json={"id": f"{n:03d}" + "u" * 250, "status": "busy"}, timeout=10).ok
    before = fleet.process("g1").get("pingTimeouts", 0)
    stalled = raw_websocket(fleet.presence_port, "/socket.io/?EIO=4&transport=websocket", receive_buffer=4096)
    try:
        stalled.sendall(masked_frame(1, b"40"))
        # It never reads (so never sees a ping, nor answers one): the session ends, and the gateway closes the
        # socket without waiting for it to take what was queued.
        poll(lambda: fleet.process("g1").get("pingTimeouts", 0) > before, timeout=20, what="the heartbeat to end it")
        read_until_closed(stalled, timeout=30)
    finally:
        stalled.close()
