"""The presence OpenAPI document (docs/presence-openapi.yaml) and the AsyncAPI document of the WebSocket protocols
(docs/asyncapi.yaml), checked for validity and against a live fleet: schemathesis on the REST API, and real
WebSocket and Socket.IO clients whose every received message must match the document's schema for it (and whose
sent messages must be accepted exactly when the document says they are valid)."""
import json
import os
import re
import subprocess
import sys

import jsonschema
import pytest
import requests
import socketio
import yaml
from openapi_spec_validator import validate
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from conftest import Fleet, poll

ROOT = os.path.join(os.path.dirname(__file__), "../..")
PRESENCE_DOC = os.path.join(ROOT, "docs/presence-openapi.yaml")
ASYNCAPI_DOC = os.path.join(ROOT, "docs/asyncapi.yaml")
ROUTES = os.path.join(ROOT, "Sources/GatewayPresence/PresenceRoutes.swift")

# Keys other than the defaults, so the run shows the document's security schemes carry whatever the deployment set;
# short lifetimes, so `away` users and removals show up in the traffic within seconds. Shedding on event-loop lag is
# off (`--shed-lag-ms 0`): on a loaded 2-vCPU machine a lagging gateway would answer some requests with the documented
# 503 "server overloaded", which schemathesis counts as a server error, and would refuse new WebSockets with 1013.
KEY, SYSTEM = "user-key-1", "system-key-7"
ENV = {"ACCESS_KEY": KEY, "ACCESS_KEY_SYSTEM": SYSTEM, "STATUS_LIFETIME_ACTIVE": "1", "STATUS_LIFETIME_AWAY": "2",
       "STATUS_UPDATE_INTERVAL": "1"}
JSON_TYPE = "application/json"


@pytest.fixture(scope="module")
def fleet():
    f = Fleet(env=ENV, extra=("--shed-lag-ms", "0"))
    yield f
    f.stop()


def load(path):
    with open(path, encoding="utf-8") as f:
        return yaml.safe_load(f)


def pointer(doc, ref):
    """The node a local `$ref` (`#/a/b`) names."""
    assert ref.startswith("#/"), ref
    node = doc
    for part in ref[2:].split("/"):
        part = part.replace("~1", "/").replace("~0", "~")
        assert isinstance(node, dict) and part in node, f"unresolvable $ref {ref}"
        node = node[part]
    return node


def inline(doc, node, seen=()):
    """`node` with every `$ref` replaced by its target (the documents have no recursive schemas)."""
    if isinstance(node, dict):
        if "$ref" in node:
            ref = node["$ref"]
            assert ref not in seen, f"recursive $ref {ref}"
            target = inline(doc, pointer(doc, ref), (*seen, ref))
            rest = {k: inline(doc, v, seen) for k, v in node.items() if k != "$ref"}
            return {"allOf": [target], **rest} if rest else target
        return {k: inline(doc, v, seen) for k, v in node.items()}
    if isinstance(node, list):
        return [inline(doc, v, seen) for v in node]
    return node


def refs(node):
    """Every `$ref` value in `node`."""
    if isinstance(node, dict):
        for k, v in node.items():
            if k == "$ref" and isinstance(v, str):
                yield v
            else:
                yield from refs(v)
    elif isinstance(node, list):
        for v in node:
            yield from refs(v)


# --- The OpenAPI document --------------------------------------------------------------------------------------


def server_routes():
    """(method, OpenAPI path) of every route PresenceRoutes registers."""
    with open(ROUTES, encoding="utf-8") as f:
        source = f.read()
    found = re.findall(r'router\.(get|post|put|delete|patch)\("([^"]+)"\)', source)
    assert found, "no routes found in PresenceRoutes.swift"
    return {(m, re.sub(r":(\w+)", r"{\1}", p)) for m, p in found}


def test_the_openapi_document_is_valid_and_lists_every_presence_route():
    doc = load(PRESENCE_DOC)
    validate(doc)
    assert doc["openapi"].startswith("3.1")
    assert "--presence-port" in doc["servers"][0]["description"]
    documented = {(m, p) for p, item in doc["paths"].items() for m in item if m in ("get", "post", "put", "delete")}
    assert documented == server_routes() | {("get", "/openapi.yaml")}
    assert not any(p.startswith("/socket.io") for p in doc["paths"]), "Socket.IO is for the AsyncAPI document"
    assert "/socket.io/" in doc["info"]["description"]
    for path, item in doc["paths"].items():
        for method, operation in item.items():
            schemes = [name for requirement in operation.get("security", []) for name in requirement]
            expected = [] if path == "/openapi.yaml" else ["systemKey"] if path == "/database/clear" else ["accessKey"]
            assert schemes == expected, (method, path)
            for status, response in operation["responses"].items():
                response = inline(doc, response)
                for media in response.get("content", {}).values():
                    jsonschema.Draft202012Validator.check_schema(media["schema"])
                    if status != "200":
                        # Every failure is the shared error body.
                        schema = jsonschema.Draft202012Validator(media["schema"])
                        assert not schema.is_valid({"data": "success"}) and not schema.is_valid({}), (path, status)


def test_the_presence_port_serves_its_openapi_document(fleet):
    r = requests.get(f"{fleet.presence}/openapi.yaml", timeout=10)
    assert r.status_code == 200, (r.status_code, r.text[:200])
    assert r.headers["content-type"].split(";")[0].strip() == "application/yaml", r.headers
    with open(PRESENCE_DOC, encoding="utf-8") as f:
        assert r.content.decode("utf-8") == f.read()


def check_against_openapi(doc, method, path, response):
    """Asserts that `response` has a documented status, content type and body for the operation."""
    operation = doc["paths"][path][method]
    status = str(response.status_code)
    assert status in operation["responses"], (method, path, status, response.text[:200])
    documented = inline(doc, operation["responses"][status])
    media = response.headers["content-type"].split(";")[0].strip()
    assert media in documented["content"], (method, path, status, media)
    jsonschema.validate(response.json(), documented["content"][media]["schema"],
                        cls=jsonschema.Draft202012Validator)
    return response.json()


def test_every_documented_answer_the_fuzzer_cannot_reach_matches_the_document(fleet):
    """Statuses schemathesis does not produce (413, the list's 404, each 400 body), and the success bodies with
    `away` users in them, each validated against the document."""
    doc = load(PRESENCE_DOC)
    base = fleet.presence

    def ping(body, key=KEY, **kw):
        data = body if isinstance(body, (bytes, str)) else json.dumps(body)
        r = requests.post(f"{base}/users/ping", params={"key": key}, data=data, timeout=10, **kw)
        return check_against_openapi(doc, "post", "/users/ping", r)

    def get(path, template, key=KEY):
        r = requests.get(f"{base}{path}", params={"key": key}, timeout=10)
        return r.status_code, check_against_openapi(doc, "get", template, r)

    assert get("/database/clear", "/database/clear", SYSTEM) == (200, {"data": "success"})
    assert ping({"id": 7, "status": "busy"}) == {"data": {"available": 0, "busy": 1, "away": 0}}
    assert ping({"id": "7", "status": "available", "extra": [1]}) == {"data": {"available": 1, "busy": 0, "away": 0}}
    assert ping(b"") == {"error": "invalid-body"}
    assert ping("[]") == {"error": "invalid-body"}
    assert ping({"id": "", "status": "busy"}) == {"error": "invalid-user-id"}
    assert ping({"id": "a" * 257, "status": "busy"}) == {"error": "invalid-user-id"}
    assert ping({"id": True, "status": "busy"}) == {"error": "invalid-user-id"}
    assert ping({"id": "b", "status": "away"}) == {"error": "invalid-user-status"}
    assert ping({"id": "b"}) == {"error": "invalid-user-status"}
    assert ping({"id": "b", "status": "busy"}, key=SYSTEM) == {"error": "access-denied"}
    assert ping(" " * 65537) == {"error": "body is larger than 65536 bytes"}
    assert get("/users/list/online", "/users/list/{status}") == (400, {"error": "invalid-user-status"})
    assert get("/users/list/", "/users/list/{status}") == (404, {"error": "Not Found"})
    assert get("/users/count", "/users/count", SYSTEM) == (403, {"error": "access-denied"})
    assert get("/database/clear", "/database/clear", KEY) == (403, {"error": "access-denied"})
    assert get("/health", "/health") == (200, {"data": "healthy"})
    assert get("/health", "/health", SYSTEM) == (403, {"error": "access-denied"})
    # The user turns away after STATUS_LIFETIME_ACTIVE (1 s): the list and counts with an `away` user.
    poll(lambda: get("/users/count", "/users/count")[1]["data"]["away"] == 1, timeout=10, what="user 7 away")
    _, listed = get("/users/list/away", "/users/list/{status}")
    assert [(e["user"], e["status"]) for e in listed["data"]] == [("7", "away")]


def test_schemathesis_finds_no_server_error_and_no_response_off_the_document(fleet, tmp_path):
    """Property-based run against the live server, with the deployment's keys given to the document's security
    schemes. `GET /openapi.yaml` is left to test_the_presence_port_serves_its_openapi_document, which compares it
    byte for byte. The server answers 404 (as the original Express server does) rather than 405 for a method a
    path does not serve, which the document says; schemathesis' probe with undeclared methods expects 405, so it
    is turned off."""
    config = tmp_path / "schemathesis.toml"
    config.write_text(
        f'[auth.openapi.accessKey]\napi_key = "{KEY}"\n[auth.openapi.systemKey]\napi_key = "{SYSTEM}"\n'
        "[phases.coverage]\nunexpected-methods = []\n")
    schemathesis = os.path.join(os.path.dirname(sys.executable), "schemathesis")
    result = subprocess.run(
        [schemathesis, "--config-file", str(config), "run", PRESENCE_DOC, "--url", fleet.presence,
         "--checks", "all", "--exclude-path", "/openapi.yaml",
         "--max-examples", os.environ.get("SCHEMATHESIS_MAX_EXAMPLES", "100"), "--workers", "1",
         "--seed", os.environ.get("SCHEMATHESIS_SEED", "20261202"), "--generation-database", "none", "--no-color"],
        capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
    generated = re.search(r"(\d+) generated, (\d+) passed", result.stdout)
    assert generated and int(generated.group(1)) >= 300 and generated.group(1) == generated.group(2), \
        result.stdout[-3000:]
    print(generated.group(0))


# --- The AsyncAPI document -------------------------------------------------------------------------------------


class AsyncAPI:
    """The AsyncAPI document, with each message's payload schema inlined, looked up by channel and message name."""

    def __init__(self):
        self.doc = load(ASYNCAPI_DOC)
        self.channels = {}
        for cid, channel in self.doc["channels"].items():
            messages = {}
            for message in channel["messages"].values():
                message = inline(self.doc, message)
                messages[message["name"]] = inline(self.doc, message["payload"])
            self.channels[cid] = messages

    def directions(self, cid):
        """(names the server receives, names it sends) on a channel, from the operations."""
        received, sent = set(), set()
        for operation in self.doc["operations"].values():
            if operation["channel"]["$ref"] != f"#/channels/{cid}":
                continue
            names = {inline(self.doc, pointer(self.doc, m["$ref"]))["name"] for m in operation["messages"]}
            (received if operation["action"] == "receive" else sent).update(names)
            for m in operation.get("reply", {}).get("messages", []):
                sent.add(inline(self.doc, pointer(self.doc, m["$ref"]))["name"])
        return received, sent

    def schema(self, cid, name):
        assert name in self.channels[cid], f"{name!r} is not a message of channel {cid}"
        return self.channels[cid][name]

    def is_valid(self, cid, name, payload):
        return jsonschema.Draft7Validator(self.schema(cid, name)).is_valid(payload)

    def check(self, cid, name, payload):
        """Fails unless `payload` matches message `name` of channel `cid`."""
        jsonschema.validate(payload, self.schema(cid, name), cls=jsonschema.Draft7Validator)


@pytest.fixture(scope="module")
def asyncapi():
    return AsyncAPI()


def test_the_asyncapi_document_is_structurally_valid(asyncapi):
    doc = asyncapi.doc
    assert doc["asyncapi"] == "3.0.0"
    for ref in refs(doc):
        pointer(doc, ref)  # every $ref resolves
    ports = {}
    for sid, server in doc["servers"].items():
        assert server["protocol"] in ("ws", "wss") and re.fullmatch(r"[\w.-]+:\d+", server["host"]), sid
        assert "--" in server["description"], f"server {sid} does not name its port setting"
        ports[sid] = int(server["host"].rsplit(":", 1)[1])
    assert ports == {"steps": 8081, "lobby": 9000, "presence": 3456}
    for cid, channel in doc["channels"].items():
        assert [s["$ref"] for s in channel["servers"]] == [f"#/servers/{cid}"], cid
        for name, message in channel["messages"].items():
            assert message["$ref"].startswith("#/components/messages/"), (cid, name)
    for oid, operation in doc["operations"].items():
        assert operation["action"] in ("send", "receive"), oid
        channel = operation["channel"]["$ref"]
        assert re.fullmatch(r"#/channels/\w+", channel), oid
        for m in operation["messages"]:
            assert m["$ref"].startswith(channel + "/messages/"), (oid, m)
        if "reply" in operation:
            reply = operation["reply"]
            assert set(reply) <= {"address", "channel", "messages"}, oid
            for m in reply["messages"]:
                assert m["$ref"].startswith(reply["channel"]["$ref"] + "/messages/"), (oid, m)
    for mid, message in doc["components"]["messages"].items():
        schema = inline(doc, message["payload"])
        jsonschema.validators.validator_for(schema).check_schema(schema)
        jsonschema.Draft7Validator.check_schema(schema)  # the AsyncAPI schema format builds on draft 7
        for example in message.get("examples", []):
            jsonschema.validate(example["payload"], schema, cls=jsonschema.Draft7Validator)
    # Every message is used by an operation, in the direction the server uses it.
    for cid in doc["channels"]:
        received, sent = asyncapi.directions(cid)
        assert received | sent == set(asyncapi.channels[cid]), cid
        assert not received & sent, cid
    # The close codes the code uses are documented where they apply.
    descriptions = {cid: doc["channels"][cid]["description"] for cid in doc["channels"]}
    for cid, codes in {"steps": [1001, 1002, 1007, 1009, 1013], "lobby": [1001, 1002, 1007, 1008, 1009, 1013],
                       "presence": [1000, 1002, 1007, 1008, 1009, 1013]}.items():
        for code in codes:
            assert str(code) in descriptions[cid], (cid, code)


# --- Live traffic: step tracker ---------------------------------------------------------------------------------


def test_step_tracker_traffic_matches_the_document(fleet, asyncapi):
    """Every frame is answered `ack` exactly when it matches the `update` schema, and every reply matches its
    schema."""
    received, sent = asyncapi.directions("steps")
    assert received == {"update"} and sent == {"ack", "rejected"}
    frames = [
        {"update_id": "t-1", "username": "jenna", "ts": 1503031275211, "newSteps": 17},
        {"update_id": "t-1", "username": "jenna", "ts": 1503031275999, "newSteps": 17},  # a resend: acked again
        {"update_id": "t-2", "username": "a/b c", "ts": -1.5, "newSteps": 0, "extra": {"x": 1}},
        {"update_id": "t-3", "username": "u" * 256, "ts": 0, "newSteps": 0.25},
        {"update_id": "t-3b", "username": "max", "ts": 0, "newSteps": 1e15},
        {"update_id": "t-4", "username": "u" * 257, "ts": 0, "newSteps": 1},
        {"update_id": "t-5", "username": "jenna", "ts": 1, "newSteps": -5},
        {"update_id": "", "username": "jenna", "ts": 1, "newSteps": 1},
        {"update_id": 5, "username": "jenna", "ts": 1, "newSteps": 1},
        {"update_id": "t-6", "username": "", "ts": 1, "newSteps": 1},
        {"update_id": "t-7", "username": "jenna", "ts": "1", "newSteps": 1},
        {"update_id": "t-8", "username": "jenna", "ts": 1, "newSteps": None},
        {"update_id": "t-9", "username": "jenna", "ts": 1},
        {"username": "jenna", "ts": 1, "newSteps": 1},
        [1, 2],
        "just a string",
        "not json at all",
        b"\x01\x02",
    ]
    with connect(f"{fleet.ws}/?ack=1", compression=None) as ws:
        for frame in frames:
            if isinstance(frame, bytes):
                ws.send(frame)
                valid = False
            elif frame == "not json at all":
                ws.send(frame)
                valid = False
            else:
                ws.send(json.dumps(frame))
                valid = asyncapi.is_valid("steps", "update", frame)
            reply = json.loads(ws.recv(timeout=10))
            asyncapi.check("steps", reply["$type"], reply)
            assert reply["$type"] == ("ack" if valid else "rejected"), (frame, reply)
            if isinstance(frame, dict) and isinstance(frame.get("update_id"), str):
                assert reply["update_id"] == frame["update_id"], (frame, reply)
            elif reply["$type"] == "rejected":
                assert reply["update_id"] is None, (frame, reply)
    r = requests.get(f"{fleet.http}/users/jenna/steps", timeout=10)
    assert r.json() == {"cumulativeSteps": 17, "ts": 1503031275211}


def test_the_step_tracker_sends_nothing_without_ack(fleet):
    with connect(f"{fleet.ws}/", compression=None) as ws:
        ws.send(json.dumps({"update_id": "q-1", "username": "quiet", "ts": 5, "newSteps": 2}))
        ws.send("not json")
        poll(lambda: requests.get(f"{fleet.http}/users/quiet/steps", timeout=10).status_code == 200,
             timeout=10, what="the quiet update applied")
        with pytest.raises(TimeoutError):
            ws.recv(timeout=0.3)


@pytest.mark.parametrize("endpoint,limit", [("steps", 65536), ("lobby", 65536), ("presence", 1_000_000)])
def test_the_documented_message_size_limit_is_the_servers(fleet, asyncapi, endpoint, limit):
    """A message of exactly the limit the channel documents is served; one byte more closes with 1009."""
    assert f"{limit:,}".replace(",", "") in asyncapi.doc["channels"][endpoint]["description"].replace(" ", "")

    def padded(prefix, suffix, size):
        return prefix + " " * (size - len(prefix) - len(suffix)) + suffix

    def session():
        if endpoint == "steps":
            return connect(f"{fleet.ws}/?ack=1", compression=None, max_size=None)
        if endpoint == "lobby":
            return connect(f"ws://{fleet.lobby}/lobby_api", compression=None, max_size=None)
        return connect(f"{fleet.presence.replace('http', 'ws', 1)}/socket.io/?EIO=4&transport=websocket",
                       compression=None, max_size=None)

    def message(size, n):
        if endpoint == "steps":
            return padded('{"update_id":"big-%d","username":"big","ts":1,"newSteps":1}' % n, "", size)
        if endpoint == "lobby":
            return padded('{"$type":"ping","seq":%d}' % n, "", size)
        return padded('42["user-ping",{"id":"big-%d","status":"busy","pad":"' % n, '"}]', size)

    for size, closes in ((limit, False), (limit + 1, True)):
        with session() as ws:
            if endpoint == "presence":
                assert ws.recv(timeout=10).startswith("0{")
                ws.send("40")
                assert ws.recv(timeout=10).startswith("40{")
            text = message(size, size)
            assert len(text.encode()) == size
            ws.send(text)
            if closes:
                with pytest.raises(ConnectionClosed) as closed:
                    while True:
                        ws.recv(timeout=10)  # presence broadcasts may still arrive before the close
                assert closed.value.rcvd is not None and closed.value.rcvd.code == 1009
            elif endpoint == "steps":
                assert json.loads(ws.recv(timeout=10)) == {"$type": "ack", "update_id": f"big-{size}"}
            elif endpoint == "lobby":
                assert json.loads(ws.recv(timeout=10)) == {"$type": "pong", "seq": size}
            else:
                poll(lambda: any(e["user"] == f"big-{size}" for e in requests.get(
                    f"{fleet.presence}/users/list/all", params={"key": KEY}, timeout=10).json()["data"]),
                    timeout=10, what="the largest Socket.IO message applied")


# --- Live traffic: game lobby -----------------------------------------------------------------------------------


class LobbySession:
    """A lobby connection that sends one frame, then a ping as a barrier, and returns what came before the pong:
    the frame's answers and any table events. Every message received is checked against the document."""

    def __init__(self, fleet, asyncapi):
        self.asyncapi = asyncapi
        self._connection = connect(f"ws://{fleet.lobby}/lobby_api", compression=None)
        self.ws = self._connection.__enter__()
        self.barrier = 0

    def exchange(self, frame):
        if isinstance(frame, bytes):
            self.ws.send(frame)
        else:
            self.ws.send(frame if isinstance(frame, str) else json.dumps(frame))
        self.barrier += 1
        seq = f"barrier-{self.barrier}"
        self.ws.send(json.dumps({"$type": "ping", "seq": seq}))
        answers = []
        while True:
            message = json.loads(self.ws.recv(timeout=10))
            self.asyncapi.check("lobby", message["$type"], message)
            if message == {"$type": "pong", "seq": seq}:
                return answers
            answers.append(message)

    def close(self):
        self._connection.__exit__(None, None, None)


def client_message_is_valid(asyncapi, frame):
    """Whether a frame is a client message by the document: an object whose `$type` names a message the server
    receives, matching that message's schema."""
    received, _ = asyncapi.directions("lobby")
    if not isinstance(frame, dict) or not isinstance(frame.get("$type"), str) or frame["$type"] not in received:
        return False
    return asyncapi.is_valid("lobby", frame["$type"], frame)


def test_lobby_traffic_matches_the_document(fleet, asyncapi):
    """Each frame gets `invalid_message` exactly when the document says it is not a valid client message; every
    answer and event matches its schema."""
    received, sent = asyncapi.directions("lobby")
    assert received == {"login", "ping", "subscribe_tables", "unsubscribe_tables", "add_table", "update_table",
                        "remove_table"}
    c = LobbySession(fleet, asyncapi)
    seen = set()
    try:
        script = [
            ({"$type": "ping", "seq": None}, None),
            ({"$type": "ping", "seq": {"a": [1, "x"]}}, None),
            ({"$type": "subscribe_tables"}, ["not_authenticated"]),
            ({"$type": "remove_table", "id": 1}, ["not_authenticated"]),
            ({"$type": "login", "username": "user", "password": "wrong"}, ["login_failed"]),
            ({"$type": "login", "username": "user", "password": "user", "extra": 1}, ["login_successful"]),
            ({"$type": "remove_table", "id": 1}, ["not_authorized"]),
            ({"$type": "add_table", "after_id": -1, "table": {"name": "x", "participants": 1}}, ["not_authorized"]),
            ({"$type": "login", "username": "admin", "password": "admin"}, ["login_successful"]),
            ({"$type": "subscribe_tables"}, ["table_list"]),
            ({"$type": "add_table", "after_id": -1, "table": {"id": 99, "name": "<doc> & co", "participants": 7.0}},
             ["table_added"]),
            ({"$type": "update_table", "table": {"id": "NEW", "name": "renamed", "participants": 1000000000}},
             ["table_updated"]),
            ({"$type": "update_table", "table": {"id": 2 ** 53, "name": "n", "participants": 0}}, ["update_failed"]),
            ({"$type": "add_table", "after_id": -(2 ** 53), "table": {"name": "n", "participants": 0}},
             ["addition_failed"]),
            ({"$type": "remove_table", "id": "NEW"}, ["table_removed"]),
            ({"$type": "remove_table", "id": 123456}, ["removal_failed"]),
            ({"$type": "unsubscribe_tables"}, []),
            ({"$type": "add_table", "after_id": 1, "table": {"name": "quiet", "participants": 0}}, []),
            # Invalid by the document, and so by the server.
            ("not json", None),
            ([], None),
            ({"seq": 1}, None),
            ({"$type": 5}, None),
            ({"$type": "dance"}, None),
            ({"$type": "login", "username": "admin"}, None),
            ({"$type": "login", "username": 1, "password": "x"}, None),
            ({"$type": "ping"}, None),
            ({"$type": "add_table", "after_id": 1, "table": {"name": "", "participants": 1}}, None),
            ({"$type": "add_table", "after_id": 1, "table": {"name": "n" * 257, "participants": 1}}, None),
            ({"$type": "add_table", "after_id": 1, "table": {"name": "n", "participants": 1.5}}, None),
            ({"$type": "add_table", "after_id": 1, "table": {"name": "n", "participants": -1}}, None),
            ({"$type": "add_table", "after_id": 1, "table": {"name": "n", "participants": 1000000001}}, None),
            ({"$type": "add_table", "after_id": 2 ** 53 + 2, "table": {"name": "n", "participants": 1}}, None),
            ({"$type": "add_table", "after_id": 1.5, "table": {"name": "n", "participants": 1}}, None),
            ({"$type": "add_table", "after_id": 1, "table": "t"}, None),
            ({"$type": "add_table", "table": {"name": "n", "participants": 1}}, None),
            ({"$type": "update_table", "table": {"name": "n", "participants": 1}}, None),
            ({"$type": "remove_table"}, None),
            ({"$type": "remove_table", "id": "1"}, None),
            (b"\x00binary", None),
        ]
        new_id = None
        for frame, expected in script:
            if isinstance(frame, dict):
                frame = json.loads(json.dumps(frame).replace('"NEW"', str(new_id)))
            answers = c.exchange(frame)
            types = [a["$type"] for a in answers]
            seen.update(types)
            valid = not isinstance(frame, (bytes, str)) and client_message_is_valid(asyncapi, frame)
            assert ("invalid_message" not in types) == valid, (frame, answers)
            if expected is not None:
                assert types == expected, (frame, answers)
            if not valid:
                assert types == ["invalid_message"], (frame, answers)
            if types == ["table_added"]:
                new_id = answers[0]["table"]["id"]
                assert answers[0]["after_id"] == -1
                assert answers[0]["table"] == {"id": new_id, "name": "<doc> & co", "participants": 7}
        # Every message the document says the server sends was seen (and matched its schema).
        assert seen == sent, sent - seen
    finally:
        c.close()


def test_the_fifth_failed_login_closes_the_lobby_connection_with_1008(fleet, asyncapi):
    assert "1008" in asyncapi.doc["channels"]["lobby"]["description"]
    with connect(f"ws://{fleet.lobby}/lobby_api", compression=None) as ws:
        for _ in range(5):
            ws.send(json.dumps({"$type": "login", "username": "nobody-at-all", "password": "guess"}))
            message = json.loads(ws.recv(timeout=10))
            asyncapi.check("lobby", message["$type"], message)
            assert message == {"$type": "login_failed"}
        with pytest.raises(ConnectionClosed) as closed:
            ws.recv(timeout=10)
        assert closed.value.rcvd.code == 1008 and closed.value.rcvd.reason == "too many failed logins"


# --- Live traffic: presence over Socket.IO ----------------------------------------------------------------------


def presence_users(fleet):
    r = requests.get(f"{fleet.presence}/users/list/all", params={"key": KEY}, timeout=10)
    return {e["user"] for e in r.json()["data"]}


@pytest.mark.parametrize("transports", [None, ["polling"]])
def test_socketio_traffic_matches_the_document(fleet, asyncapi, transports):
    """A stock python-socketio client: every event it receives is one the document says the server sends, with a
    matching payload; a `user-ping` changes the state exactly when it matches the document's schema."""
    received, sent = asyncapi.directions("presence")
    assert received == {"user-ping"} and sent == {"online-users-list", "online-users-count"}
    requests.get(f"{fleet.presence}/database/clear", params={"key": SYSTEM}, timeout=10)
    events = []
    client = socketio.Client(reconnection=False)
    client.on("*", lambda event, *args: events.append((event, args)))
    kw = {} if transports is None else {"transports": transports}
    client.connect(fleet.presence, wait_timeout=5, **kw)
    tag = "poll" if transports else "ws"
    try:
        # The state arrives right after connecting, the list first.
        poll(lambda: len(events) >= 2, timeout=10, what="the state on connect")
        assert [e for e, _ in events[:2]] == ["online-users-list", "online-users-count"]
        payloads = [
            {"id": f"{tag}-a", "status": "available"},
            {"id": 42 if tag == "ws" else 43, "status": "busy", "extra": True},
            {"id": f"{tag}-c", "status": "busy"},
            {"id": f"{tag}-bad-status", "status": "away"},
            {"id": f"{tag}-no-status"},
            {"id": "", "status": "busy"},
            {"id": f"{tag}-" + "x" * 300, "status": "busy"},
            {"id": [f"{tag}-list"], "status": "busy"},
            {"status": "busy"},
        ]
        for payload in payloads:
            client.emit("user-ping", payload)
        client.emit("no-such-event", {"id": f"{tag}-other-event", "status": "busy"})
        client.call("user-ping", {"id": f"{tag}-acked", "status": "available"}, timeout=10)  # the empty ack
        expected = {str(p["id"]) for p in payloads if asyncapi.is_valid("presence", "user-ping", p)}
        expected.add(f"{tag}-acked")
        assert len(expected) == 4
        poll(lambda: expected <= presence_users(fleet), timeout=10, what="the valid pings applied")
        assert presence_users(fleet) == expected
        # Broadcast of the pings, then of the users turning away (STATUS_LIFETIME_ACTIVE is 1 s).
        poll(lambda: any(e == "online-users-count" and a[0]["data"]["away"] >= 1 for e, a in events),
             timeout=15, what="an away user broadcast")
    finally:
        client.disconnect()
    assert {e for e, _ in events} == sent
    for event, args in events:
        assert len(args) == 1, (event, args)
        asyncapi.check("presence", event, args[0])
    assert any(e == "online-users-list" and any(u["status"] == "away" for u in a[0]["data"]) for e, a in events)
