"""Game lobby (contracts §4) against a running fleet: WebSocket sessions, REST with Basic auth, subscribers on two
gateways, persistence across restarts, and the lobby-user subcommand."""
import json
import os
import signal
import struct

import pytest
import requests
from websockets.sync.client import connect

from conftest import Fleet, lobby_user, masked_frame, poll, raw_websocket, server_frames

INITIAL = [{"id": 1, "name": "table - James Bond", "participants": 7},
           {"id": 2, "name": "table - Mission Impossible", "participants": 4}]


class Client:
    """A lobby WebSocket client that sends one message and reads the answers in order."""

    def __init__(self, host):
        self._connection = connect(f"ws://{host}/lobby_api")
        self.ws = self._connection.__enter__()

    def send(self, message):
        self.ws.send(json.dumps(message) if not isinstance(message, str) else message)

    def recv(self, timeout=10):
        return json.loads(self.ws.recv(timeout=timeout))

    def ask(self, message):
        self.send(message)
        return self.recv()

    def login(self, username, password):
        return self.ask({"$type": "login", "username": username, "password": password})

    def close(self):
        self._connection.__exit__(None, None, None)


@pytest.fixture(scope="module")
def fleet():
    f = Fleet(gateways=2)
    yield f
    f.stop()


def second(fleet):
    return f"127.0.0.1:{fleet.lobby_port + fleet.stride}"


def rest(fleet, method, path, auth=("admin", "admin"), **kw):
    return requests.request(method, f"http://{fleet.lobby}/lobby_api{path}", auth=auth, timeout=10, **kw)


def test_login_ping_and_authentication_rules(fleet):
    c = Client(fleet.lobby)
    try:
        assert c.ask({"$type": "ping", "seq": 1}) == {"$type": "pong", "seq": 1}
        assert c.ask({"$type": "subscribe_tables"}) == {"$type": "not_authenticated"}
        assert c.ask({"$type": "remove_table", "id": 1}) == {"$type": "not_authenticated"}
        assert c.login("admin", "wrong") == {"$type": "login_failed"}
        assert c.login("nobody", "admin") == {"$type": "login_failed"}
        assert c.login("user", "user") == {"$type": "login_successful", "user_type": "user"}
        assert c.ask({"$type": "remove_table", "id": 1}) == {"$type": "not_authorized"}
        assert c.ask({"$type": "add_table", "after_id": -1, "table": {"name": "x", "participants": 1}}) == {
            "$type": "not_authorized"}
        # A failed login logs the connection out.
        assert c.login("user", "nope") == {"$type": "login_failed"}
        assert c.ask({"$type": "subscribe_tables"}) == {"$type": "not_authenticated"}
        assert c.login("admin", "admin") == {"$type": "login_successful", "user_type": "admin"}
    finally:
        c.close()


@pytest.mark.parametrize("message", [
    "not json", "[]", '{"seq": 1}', '{"$type": "dance"}', '{"$type": "login", "username": "admin"}',
    '{"$type": "add_table", "after_id": -1, "table": {"name": "", "participants": 1}}',
    '{"$type": "add_table", "after_id": -1, "table": {"name": "x", "participants": -1}}',
    '{"$type": "add_table", "after_id": -1, "table": {"name": "x", "participants": 1.5}}',
    '{"$type": "update_table", "table": {"id": 1, "name": "x"}}', '{"$type": "remove_table"}',
])
def test_invalid_messages_get_invalid_message_and_the_connection_stays(fleet, message):
    c = Client(fleet.lobby)
    try:
        assert c.login("admin", "admin")["$type"] == "login_successful"
        reply = c.ask(message)
        assert reply["$type"] == "invalid_message" and reply["reason"], reply
        assert c.ask({"$type": "ping", "seq": "still here"}) == {"$type": "pong", "seq": "still here"}
    finally:
        c.close()


def test_admin_and_subscribers_on_both_gateways_and_rest_in_order(fleet):
    admin, watcher, user = Client(fleet.lobby), Client(second(fleet)), Client(second(fleet))
    try:
        assert admin.login("admin", "admin")["$type"] == "login_successful"
        assert watcher.login("user", "user")["$type"] == "login_successful"
        assert user.login("user", "user")["$type"] == "login_successful"
        listed = watcher.ask({"$type": "subscribe_tables"})
        assert listed["$type"] == "table_list"
        tables = listed["tables"]
        assert user.ask({"$type": "subscribe_tables"})["tables"] == tables
        # Changes by the admin on gateway 1, by WebSocket and by REST, reach gateway 2's subscribers in order.
        admin.send({"$type": "add_table", "after_id": -1, "table": {"name": "first", "participants": 2, "id": 99}})
        r = rest(fleet, "post", "/tables", json={"after_id": -1, "table": {"name": "by rest", "participants": 3}})
        assert r.status_code == 201
        by_rest = r.json()
        admin.send({"$type": "update_table", "table": {"id": by_rest["id"], "name": "renamed", "participants": 5}})
        r = rest(fleet, "delete", f"/tables/{by_rest['id']}")
        assert r.status_code == 204
        admin.send({"$type": "add_table", "after_id": 12345, "table": {"name": "x", "participants": 0}})
        assert admin.recv() == {"$type": "addition_failed", "after_id": 12345}
        seen = [watcher.recv() for _ in range(4)]
        assert [m["$type"] for m in seen] == ["table_added", "table_added", "table_updated", "table_removed"]
        added = seen[0]
        assert added["after_id"] == -1 and added["table"]["name"] == "first" and added["table"]["id"] != 99
        assert seen[1] == {"$type": "table_added", "after_id": -1, "table": by_rest}
        assert seen[2] == {"$type": "table_updated", "table": {"id": by_rest["id"], "name": "renamed",
                                                               "participants": 5}}
        assert seen[3] == {"$type": "table_removed", "id": by_rest["id"]}
        assert [user.recv() for _ in range(4)] == seen
        # Unsubscribe stops events: the next thing the user receives is its own pong.
        user.send({"$type": "unsubscribe_tables"})
        admin.send({"$type": "remove_table", "id": added["table"]["id"]})
        assert watcher.recv() == {"$type": "table_removed", "id": added["table"]["id"]}
        assert user.ask({"$type": "ping", "seq": 7}) == {"$type": "pong", "seq": 7}
        # The admin did not subscribe: it got only its failure.
        assert admin.ask({"$type": "ping", "seq": 8}) == {"$type": "pong", "seq": 8}
        # Everyone agrees on the list.
        assert rest(fleet, "get", "/tables").json() == {"$type": "table_list", "tables": tables}
    finally:
        for c in (admin, watcher, user):
            c.close()


def test_rest_auth_and_errors(fleet):
    assert rest(fleet, "get", "/health").json() == {"status": "ok"}
    for auth in (None, ("admin", "wrong"), ("ghost", "admin")):
        r = rest(fleet, "get", "/health", auth=auth)
        assert r.status_code == 401 and r.headers["www-authenticate"].startswith("Basic"), auth
    r = rest(fleet, "get", "/tables", auth=("user", "user"))
    assert r.status_code == 200 and r.json()["$type"] == "table_list"
    r = rest(fleet, "post", "/tables", auth=("user", "user"), json={"after_id": -1, "table": {"name": "x",
                                                                                             "participants": 1}})
    assert r.status_code == 403 and r.json() == {"$type": "not_authorized"}
    assert rest(fleet, "delete", "/tables/1", auth=("user", "user")).status_code == 403
    for body in (b"{", b"[]", b'{"after_id": -1}', b'{"after_id": -1, "table": {"name": "", "participants": 1}}'):
        r = rest(fleet, "post", "/tables", data=body, headers={"Content-Type": "application/json"})
        assert r.status_code == 400 and "error" in r.json(), body
    r = rest(fleet, "post", "/tables", json={"after_id": 424242, "table": {"name": "x", "participants": 1}})
    assert r.status_code == 404
    assert rest(fleet, "put", "/tables/424242", json={"name": "x", "participants": 1}).status_code == 404
    assert rest(fleet, "put", "/tables/1", json={"name": "x"}).status_code == 400
    assert rest(fleet, "delete", "/tables/424242").status_code == 404
    assert rest(fleet, "delete", "/tables/abc").status_code == 400


def test_tables_and_users_survive_restarts_and_users_can_be_added(fresh_fleet):
    fleet = fresh_fleet(workers=1, partitions=4)
    r = rest(fleet, "get", "/tables")
    assert r.json()["tables"] == INITIAL
    created = rest(fleet, "post", "/tables", json={"after_id": 1, "table": {"name": "kept", "participants": 9}}).json()
    out = lobby_user(fleet, "--username", "carol", "--password", "s3cret", "--type", "admin")
    assert out.returncode == 0, out.stderr
    assert rest(fleet, "get", "/health", auth=("carol", "s3cret")).status_code == 200
    victim = fleet.process("w1")["pid"]
    os.kill(victim, signal.SIGKILL)
    fleet.wait_healthy(predicate=lambda h: next(p for p in h["processes"] if p["id"] == "w1")["pid"] != victim)
    tables = poll(lambda: rest(fleet, "get", "/tables").json().get("tables"), what="the tables after the restart")
    assert tables == [INITIAL[0], created, INITIAL[1]]
    c = Client(fleet.lobby)
    try:
        assert c.login("carol", "s3cret") == {"$type": "login_successful", "user_type": "admin"}
        assert c.ask({"$type": "subscribe_tables"})["tables"] == tables
    finally:
        c.close()


def test_a_subscriber_that_stops_reading_is_disconnected_and_the_others_are_not(fresh_fleet):
    from concurrent.futures import ThreadPoolExecutor
    limit = 8
    # A small kernel send buffer, so that what the stalled client does not read backs up into the gateway soon.
    fleet = fresh_fleet(workers=1, partitions=4, extra=("--lobby-max-queued-messages", str(limit),
                                                        "--socket-send-buffer", "16384"))
    with ThreadPoolExecutor(8) as pool:
        statuses = list(pool.map(lambda n: rest(fleet, "post", "/tables", json={
            "after_id": -1, "table": {"name": f"{n:04d}" + "x" * 250, "participants": n}}).status_code, range(300)))
    assert statuses == [201] * 300
    watcher = Client(fleet.lobby)
    stalled = raw_websocket(fleet.lobby_port, "/lobby_api", receive_buffer=4096)
    try:
        assert watcher.login("user", "user")["$type"] == "login_successful"
        assert watcher.ask({"$type": "subscribe_tables"})["$type"] == "table_list"
        stalled.sendall(masked_frame(1, json.dumps({"$type": "login", "username": "user", "password": "user"}).encode()))
        stalled.sendall(masked_frame(1, b'{"$type": "subscribe_tables"}'))
        data = b""
        while b"table_list" not in data:
            chunk = stalled.recv(1024)
            assert chunk, data
            data += chunk
        # Subscribed, it reads nothing more while changes are made: its queue in the gateway passes the limit.
        for n in range(2000):
            if fleet.process("g1").get("slowClientsClosed", 0) >= 1:
                break
            r = rest(fleet, "put", "/tables/1", json={"name": f"change {n} " + "y" * 240, "participants": n})
            assert r.status_code == 200, r.text
            assert watcher.recv()["$type"] == "table_updated"
        assert fleet.process("g1").get("slowClientsClosed", 0) == 1
        # The other subscriber still gets every change.
        r = rest(fleet, "post", "/tables", json={"after_id": -1, "table": {"name": "after", "participants": 1}})
        assert r.status_code == 201
        assert watcher.recv() == {"$type": "table_added", "after_id": -1, "table": r.json()}
        # The stalled client, once it reads, finds the connection closed with 1008, without the changes it had
        # fallen behind on.
        stalled.settimeout(30)
        while chunk := stalled.recv(65536):
            data += chunk
        frames = server_frames(data)
        assert frames[-1][0] == 8 and struct.unpack(">H", frames[-1][1][:2])[0] == 1008, frames[-1]
        assert sum(1 for _, payload in frames if b"table_updated" in payload) <= n - limit
    finally:
        watcher.close()
        stalled.close()


def test_lobby_users_are_set_through_the_supervisor_and_bad_requests_are_refused(fresh_fleet):
    """`PUT /lobby/users/{name}` relays the lobby's set-user command through a gateway to the lobby's owner,
    wherever it runs: it needs the control token and a stored hash, never a password."""
    fleet = fresh_fleet(workers=2, partitions=8)
    api = f"http://127.0.0.1:{fleet.health_port}/lobby/users"
    good = lobby_user(fleet, "--username", "dave x%", "--password", "pw-1", "--type", "user")
    assert good.returncode == 0, good.stderr
    assert json.loads(good.stdout) == {"username": "dave x%", "type": "user"}
    c = Client(fleet.lobby)
    try:
        assert c.login("dave x%", "pw-1") == {"$type": "login_successful", "user_type": "user"}
    finally:
        c.close()
    # Without the token: 401, and nothing is set.
    hash_only = {"passwordHash": "pbkdf2-sha256$1000$c2FsdA==$" + "A" * 43 + "=", "type": "admin"}
    assert requests.put(f"{api}/eve", json=hash_only, timeout=10).status_code == 401
    for body in ({"password": "plain"}, {"passwordHash": "not a hash"}, {"passwordHash": hash_only["passwordHash"],
                                                                         "type": "root"}, [1], None):
        r = requests.put(f"{api}/eve", json=body, headers=fleet.auth(), timeout=10)
        assert r.status_code == 400 and "error" in r.json(), (body, r.status_code, r.text)
    r = requests.put(f"{api}/{'n' * 1025}", json=hash_only, headers=fleet.auth(), timeout=10)
    assert r.status_code == 400, r.text
    # A password longer than the lobby accepts is refused before anything is sent.
    long = lobby_user(fleet, "--username", "eve", "--password", "p" * 1025)
    assert long.returncode != 0 and "1024 bytes" in long.stderr
