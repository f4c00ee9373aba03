"""The OpenAPI documents of the step tracker's REST port (docs/steps-openapi.yaml) and of the game lobby's REST API
(docs/lobby-openapi.yaml) against a live fleet: each document is valid OpenAPI 3.1, names exactly the routes the
server registers, is served verbatim at GET /openapi.yaml on its product's port, survives a schemathesis run with
every check, and lists the answers schemathesis cannot provoke (401, 403, 413, a locked name, routing errors)."""
import json
import os
import re
import subprocess
import sys
import urllib.parse
import uuid

import pytest
import requests
import yaml
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate
from websockets.sync.client import connect

from conftest import counters_reach, lobby_user, raw_websocket

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "../.."))
STEPS_DOC = os.path.join(ROOT, "docs/steps-openapi.yaml")
LOBBY_DOC = os.path.join(ROOT, "docs/lobby-openapi.yaml")
SCHEMATHESIS = os.path.join(os.path.dirname(sys.executable), "schemathesis")
SEED = os.environ.get("SCHEMATHESIS_SEED", "20261202")
ADMIN = ("admin", "admin")
USER = ("user", "user")
NOT_FOUND = {"error": "Not Found"}
METHODS = ("get", "put", "post", "delete", "patch")


def load(path):
    with open(path, encoding="utf-8") as f:
        return yaml.safe_load(f)


@pytest.fixture(scope="module")
def steps_doc():
    return load(STEPS_DOC)


@pytest.fixture(scope="module")
def lobby_doc():
    return load(LOBBY_DOC)


def lobby_url(fleet, path=""):
    return f"http://{fleet.lobby}{path}"


def lobby(fleet, method, path, auth=ADMIN, **kw):
    return requests.request(method, lobby_url(fleet, f"/lobby_api{path}"), auth=auth, timeout=10, **kw)


def steps(fleet, username, method="get"):
    return requests.request(method, f"{fleet.http}/users/{urllib.parse.quote(username, safe='')}/steps",
                            timeout=10)


def resolve(doc, item):
    """Follows a local `$ref` of the document (a response, a header)."""
    while "$ref" in item:
        node = doc
        for part in item["$ref"].removeprefix("#/").split("/"):
            node = node[part]
        item = node
    return item


def schema_errors(doc, schema, value):
    """The JSON Schema errors of `value` against `schema`, whose `$ref`s point into the document's components."""
    validator = Draft202012Validator({**schema, "components": doc["components"]})
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(value)]


def conforms(doc, path, method, response):
    """Asserts the response is one the document lists for `method path` (status, required headers, their values,
    media type, body schema); returns the parsed JSON body (or the text of another media type, None without)."""
    responses = doc["paths"][path][method]["responses"]
    status = str(response.status_code)
    where = f"{method.upper()} {path} -> {status} {response.text[:300]!r}"
    assert status in responses, f"status not in the document: {where}"
    documented = resolve(doc, responses[status])
    for name, header in documented.get("headers", {}).items():
        header = resolve(doc, header)
        if header.get("required"):
            assert name in response.headers, f"header {name} missing: {where}"
        if name in response.headers:
            assert not schema_errors(doc, header["schema"], response.headers[name]), f"header {name}: {where}"
    content = documented.get("content")
    if not content:
        assert response.content == b"", f"a body where the document has none: {where}"
        return None
    media = response.headers.get("content-type", "").split(";")[0].strip()
    assert media in content, f"media type {media!r} not documented: {where}"
    if media != "application/json":
        return response.text
    body = response.json()
    errors = schema_errors(doc, content[media]["schema"], body)
    assert not errors, f"{errors}: {where}"
    return body


def swift_routes(source, receiver, prefix=""):
    """(method, OpenAPI path) of every route a Swift routes file registers as `receiver.get("…")` and the like."""
    with open(os.path.join(ROOT, source), encoding="utf-8") as f:
        text = f.read()
    routes = set()
    for method, route in re.findall(rf'\b{receiver}\.({"|".join(METHODS)})\(\s*"([^"]*)"', text):
        segments = [s for s in f"{prefix}/{route}".split("/") if s]
        path = "/" + "/".join(f"{{{s[1:]}}}" if s.startswith(":") else s for s in segments)
        routes.add((method, path))
    return routes


def documented_operations(doc):
    return {(method, path) for path, item in doc["paths"].items() for method in item if method in METHODS}


def run_schemathesis(tmp_path, document, url, *options, max_examples, minimum):
    """One schemathesis run against the live server; every generated case must pass every selected check."""
    result = subprocess.run(
        [SCHEMATHESIS, "run", document, "--url", url, "--checks", "all", *options,
         "--max-examples", os.environ.get("SCHEMATHESIS_MAX_EXAMPLES", str(max_examples)), "--workers", "1",
         "--seed", SEED, "--generation-database", "none", "--no-color"],
        capture_output=True, text=True, timeout=600, cwd=tmp_path)
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
    counts = re.search(r"(\d+) generated, (\d+) passed", result.stdout)
    assert counts and int(counts.group(1)) >= minimum and counts.group(1) == counts.group(2), result.stdout[-3000:]
    return result.stdout


def add_steps(fleet, updates):
    """Applies (username, newSteps, ts) updates over the WebSocket and waits for every ack."""
    with connect(f"{fleet.ws}/?ack=1") as ws:
        for username, new_steps, ts in updates:
            ws.send(json.dumps({"update_id": str(uuid.uuid4()), "username": username, "ts": ts,
                                "newSteps": new_steps}))
        replies = [json.loads(ws.recv(timeout=15)) for _ in updates]
    assert all(r["$type"] == "ack" for r in replies), replies


# --- step tracker -------------------------------------------------------------------------------------------------


def test_steps_document_is_valid(fleet, steps_doc):
    validate(steps_doc)
    assert steps_doc["openapi"] == "3.1.0"
    assert "--steps-http-port" in steps_doc["servers"][0]["description"]
    assert "Error" in steps_doc["components"]["schemas"]
    # The document names exactly the routes the server registers (GET /openapi.yaml aside, which is served from
    # the document itself).
    routes = swift_routes("Sources/GatewaySteps/StepsRoutes.swift", "router")
    assert routes - {("get", "/openapi.yaml")} == {("get", "/users/{username}/steps")}
    assert documented_operations(steps_doc) == routes | {("get", "/openapi.yaml")}
    # ... and the live port has them: the route answers its own 404, not the router's.
    r = steps(fleet, f"nobody-{uuid.uuid4().hex}")
    assert conforms(steps_doc, "/users/{username}/steps", "get", r) == {"error": "User doesn't exist"}


def test_steps_document_is_served(fleet):
    r = requests.get(f"{fleet.http}/openapi.yaml", timeout=10)
    assert r.status_code == 200, r.text[:300]
    assert r.headers["content-type"].startswith("application/yaml")
    with open(STEPS_DOC, encoding="utf-8") as f:
        assert r.text == f.read()


def test_steps_answers_match_the_document(fleet, steps_doc):
    path = "/users/{username}/steps"
    name = f"doc 🦶/{uuid.uuid4().hex[:6]}"
    add_steps(fleet, [(name, 17, 1503031275211), (name, 0.75, 1503031279439)])
    assert conforms(steps_doc, path, "get", steps(fleet, name)) == {"cumulativeSteps": 17.75, "ts": 1503031279439}
    r = requests.get(f"{fleet.http}/users/%FF/steps", timeout=10)
    assert conforms(steps_doc, path, "get", r) == {"error": "username is not valid percent-encoded UTF-8"}
    assert conforms(steps_doc, path, "get", steps(fleet, "x" * 257)) == {"error": "User doesn't exist"}
    r = requests.get(f"{fleet.http}/users//steps", timeout=10)
    assert conforms(steps_doc, path, "get", r) == NOT_FOUND
    # A trailing slash and a query string are ignored, as the description says.
    r = requests.get(f"{fleet.http}/users/{urllib.parse.quote(name, safe='')}/steps/?x=1", timeout=10)
    assert r.status_code == 200 and r.json()["cumulativeSteps"] == 17.75


def test_steps_port_answers_other_paths_and_methods_with_the_routers_404(fleet):
    """The description: every other path or method is `404 {"error": "Not Found"}` (HEAD without a body)."""
    for method in ("post", "put", "delete", "patch", "options"):
        r = steps(fleet, "jenna", method)
        assert (r.status_code, r.json()) == (404, NOT_FOUND), method
    r = steps(fleet, "jenna", "head")
    assert r.status_code == 404 and r.content == b""
    for path in ("/", "/users/jenna", "/users/jenna/steps/more", "/lobby_api/health"):
        r = requests.get(f"{fleet.http}{path}", timeout=10)
        assert (r.status_code, r.json()) == (404, NOT_FOUND), path
        assert r.headers["content-type"] == "application/json; charset=utf-8"


def test_a_total_stays_a_number_because_newsteps_is_bounded(fleet, steps_doc):
    """newSteps is at most 1e15 (docs/products/steps.md), so no total can overflow a double into something JSON
    cannot carry: 1e308 is rejected, and the largest accepted updates add up to a finite number."""
    name = f"overflow-{uuid.uuid4().hex[:8]}"
    with connect(f"{fleet.ws}/?ack=1") as ws:
        ws.send(json.dumps({"update_id": "huge", "username": name, "ts": 1, "newSteps": 1e308}))
        assert json.loads(ws.recv(timeout=15)) == {"$type": "rejected", "update_id": "huge",
                                                   "error": "newSteps must be at most 1e15"}
    add_steps(fleet, [(name, 1e15, 1), (name, 1e15, 2)])
    assert conforms(steps_doc, "/users/{username}/steps", "get", steps(fleet, name))["cumulativeSteps"] == 2e15


def test_schemathesis_steps(fleet, tmp_path):
    """Every generated request gets an answer the document lists, with every schemathesis check. The documented
    example user exists, so the 200 schema is exercised too. GET /openapi.yaml is left to
    test_steps_document_is_served, which compares it byte for byte (schemathesis would parse the YAML text and
    send it undeclared methods; see test_lobby_undeclared_methods_are_the_routers_404)."""
    add_steps(fleet, [("jenna", 17, 1503031275211), ("jenna", 166, 1503031279439)])
    run_schemathesis(tmp_path, STEPS_DOC, fleet.http, "--exclude-path", "/openapi.yaml",
                     max_examples=300, minimum=200)


# --- game lobby ---------------------------------------------------------------------------------------------------


def test_lobby_document_is_valid(fleet, lobby_doc):
    validate(lobby_doc)
    assert lobby_doc["openapi"] == "3.1.0"
    assert "--lobby-port" in lobby_doc["servers"][0]["description"]
    scheme = lobby_doc["components"]["securitySchemes"]["basicAuth"]
    assert (scheme["type"], scheme["scheme"]) == ("http", "basic")
    assert lobby_doc["security"] == [{"basicAuth": []}]
    assert lobby_doc["paths"]["/openapi.yaml"]["get"]["security"] == []
    routes = swift_routes("Sources/GatewayLobby/LobbyRoutes.swift", "api", prefix="/lobby_api")
    assert routes - {("get", "/openapi.yaml")} == {
        ("get", "/lobby_api/health"), ("get", "/lobby_api/tables"), ("post", "/lobby_api/tables"),
        ("put", "/lobby_api/tables/{id}"), ("delete", "/lobby_api/tables/{id}")}
    assert documented_operations(lobby_doc) == routes | {("get", "/openapi.yaml")}
    # The live port has each of them: none answers the router's 404.
    live = {
        ("get", "/lobby_api/health"): lobby(fleet, "get", "/health"),
        ("get", "/lobby_api/tables"): lobby(fleet, "get", "/tables"),
        ("post", "/lobby_api/tables"): lobby(fleet, "post", "/tables", json={}),
        ("put", "/lobby_api/tables/{id}"): lobby(fleet, "put", "/tables/0", json={}),
        ("delete", "/lobby_api/tables/{id}"): lobby(fleet, "delete", "/tables/0"),
    }
    for (method, path), r in live.items():
        assert conforms(lobby_doc, path, method, r) != NOT_FOUND, (method, path)


def test_lobby_document_is_served(fleet):
    r = requests.get(lobby_url(fleet, "/openapi.yaml"), timeout=10)  # no credentials
    assert r.status_code == 200, r.text[:300]
    assert r.headers["content-type"].startswith("application/yaml")
    with open(LOBBY_DOC, encoding="utf-8") as f:
        assert r.text == f.read()


def test_lobby_successes_match_the_document(fleet, lobby_doc):
    tables, table = "/lobby_api/tables", "/lobby_api/tables/{id}"
    assert conforms(lobby_doc, "/lobby_api/health", "get", lobby(fleet, "get", "/health", auth=USER)) == {
        "status": "ok"}
    created = conforms(lobby_doc, tables, "post", lobby(
        fleet, "post", "/tables", json={"after_id": -1, "table": {"name": "<b>&", "participants": 7.0, "id": 1}}))
    assert created["name"] == "<b>&" and created["participants"] == 7 and created["id"] > 2
    listed = conforms(lobby_doc, tables, "get", lobby(fleet, "get", "/tables", auth=USER))
    assert listed["tables"][0] == created
    r = lobby(fleet, "put", f"/tables/{created['id']}", json={"name": "renamed", "participants": 0, "x": 1})
    assert conforms(lobby_doc, table, "put", r) == {"id": created["id"], "name": "renamed", "participants": 0}
    assert conforms(lobby_doc, table, "delete", lobby(fleet, "delete", f"/tables/{created['id']}")) is None
    # The id is gone for good.
    r = lobby(fleet, "delete", f"/tables/{created['id']}")
    assert conforms(lobby_doc, table, "delete", r) == {"error": f"no table with id {created['id']}"}


def test_lobby_escapes_html_characters_in_bodies(fleet):
    r = lobby(fleet, "post", "/tables", json={"after_id": -1, "table": {"name": "<Foo> & Fighters",
                                                                        "participants": 9}})
    assert r.status_code == 201
    assert r.text.endswith('"name":"\\u003cFoo\\u003e \\u0026 Fighters","participants":9}')
    assert lobby(fleet, "delete", f"/tables/{r.json()['id']}").status_code == 204


def test_lobby_name_limit_counts_utf8_bytes(fleet, lobby_doc):
    """TableName: at most 256 UTF-8 bytes (maxLength can only bound characters)."""
    path = "/lobby_api/tables"
    ok = lobby(fleet, "post", "/tables", json={"after_id": -1, "table": {"name": "🎲" * 64, "participants": 1}})
    assert conforms(lobby_doc, path, "post", ok)["name"] == "🎲" * 64
    assert lobby(fleet, "delete", f"/tables/{ok.json()['id']}").status_code == 204
    r = lobby(fleet, "post", "/tables", json={"after_id": -1, "table": {"name": "🎲" * 65, "participants": 1}})
    assert conforms(lobby_doc, path, "post", r) == {"error": "table.name: name is longer than 256 bytes"}
    r = lobby(fleet, "put", "/tables/1", json={"name": "x" * 257, "participants": 1})
    assert conforms(lobby_doc, "/lobby_api/tables/{id}", "put", r) == {"error": "name: name is longer than 256 bytes"}


@pytest.mark.parametrize("body,reason", [
    (b"not json", None),
    (b"[1]", "body must be a JSON object"),
    (b"{}", "after_id is missing"),
    (b'{"after_id": 1.5, "table": {"name": "x", "participants": 1}}', "after_id must be an integer"),
    (b'{"after_id": 1e300, "table": {"name": "x", "participants": 1}}', "after_id must be between -2^53 and 2^53"),
    (b'{"after_id": 1, "table": []}', "table must be an object"),
    (b'{"after_id": 1, "table": {"name": "", "participants": 1}}', "table.name: name must not be empty"),
    (b'{"after_id": 1, "table": {"name": 5, "participants": 1}}', "table.name must be a string"),
    (b'{"after_id": 1, "table": {"name": "x"}}', "table.participants is missing"),
    (b'{"after_id": 1, "table": {"name": "x", "participants": -1}}', "table.participants must be >= 0"),
    (b'{"after_id": 1, "table": {"name": "x", "participants": 1e10}}', "table.participants must be <= 1000000000"),
])
def test_lobby_bad_bodies_are_documented_400s(fleet, lobby_doc, body, reason):
    # The content type is not looked at: text/plain carries the same JSON.
    r = lobby(fleet, "post", "/tables", data=body, headers={"Content-Type": "text/plain"})
    error = conforms(lobby_doc, "/lobby_api/tables", "post", r)["error"]
    assert r.status_code == 400
    assert error == reason if reason else error.startswith("body is not valid JSON: ")


def test_lobby_unknown_ids_and_bad_path_ids(fleet, lobby_doc):
    tables, table = "/lobby_api/tables", "/lobby_api/tables/{id}"
    r = lobby(fleet, "post", "/tables", json={"after_id": 4242424242, "table": {"name": "x", "participants": 1}})
    assert conforms(lobby_doc, tables, "post", r) == {"error": "no table with id 4242424242 to add after"}
    r = lobby(fleet, "put", "/tables/4242424242", json={"name": "x", "participants": 1})
    assert conforms(lobby_doc, table, "put", r) == {"error": "no table with id 4242424242"}
    for bad in ("abc", "1.5", "99999999999999999999"):
        for method in ("put", "delete"):
            r = lobby(fleet, method, f"/tables/{bad}", json={"name": "x", "participants": 1})
            assert conforms(lobby_doc, table, method, r) == {"error": "id must be an integer"}, (method, bad)


def test_lobby_credentials_type_and_size_are_checked_in_that_order(fleet, lobby_doc):
    big = b'{"pad": "' + b"x" * 65536 + b'"}'
    cases = [  # (operation, request keywords, expected status)
        (("get", "/lobby_api/health", "/health"), {"auth": None}, 401),
        (("get", "/lobby_api/tables", "/tables"), {"auth": ("admin", "wrong")}, 401),
        (("get", "/lobby_api/health", "/health"), {"auth": None, "headers": {"Authorization": "Basic !!"}}, 401),
        (("get", "/lobby_api/health", "/health"), {"auth": None, "headers": {"Authorization": "Bearer x"}}, 401),
        (("post", "/lobby_api/tables", "/tables"), {"auth": None, "data": big}, 401),
        (("post", "/lobby_api/tables", "/tables"), {"auth": USER, "data": big}, 403),
        (("put", "/lobby_api/tables/{id}", "/tables/abc"), {"auth": USER, "data": b"{}"}, 403),
        (("delete", "/lobby_api/tables/{id}", "/tables/1"), {"auth": USER}, 403),
        (("post", "/lobby_api/tables", "/tables"), {"data": big}, 413),
        (("put", "/lobby_api/tables/{id}", "/tables/abc"), {"data": big}, 413),
        (("delete", "/lobby_api/tables/{id}", "/tables/abc"), {"data": big}, 413),
        (("get", "/lobby_api/tables", "/tables"), {"data": big}, 413),
        (("get", "/lobby_api/health", "/health"), {"data": big}, 413),
    ]
    for (method, path, concrete), kw, status in cases:
        r = lobby(fleet, method, concrete, **{"auth": ADMIN, **kw})
        assert r.status_code == status, (method, concrete, kw.get("auth"), r.text[:200])
        body = conforms(lobby_doc, path, method, r)
        assert body == {401: {"error": "authentication required"}, 403: {"$type": "not_authorized"},
                        413: {"error": "request body too large"}}[status]
    # Exactly 65536 bytes is still read.
    exact = b'{"after_id": 4242424242, "table": {"name": "x", "participants": 1}, "pad": "'
    exact += b"x" * (65536 - len(exact) - 2) + b'"}'
    assert len(exact) == 65536
    assert lobby(fleet, "post", "/tables", data=exact).status_code == 404


def test_lobby_locked_name_is_a_documented_401(fleet, lobby_doc):
    """Five failed logins in a row lock a name for 30 s: its right password then gets the same documented 401."""
    name, password = f"locky-{uuid.uuid4().hex[:6]}", "s3cret"
    out = lobby_user(fleet, "--username", name, "--password", password)
    assert out.returncode == 0, out.stderr
    before = fleet.process("g1")
    for _ in range(5):
        r = lobby(fleet, "get", "/health", auth=(name, "wrong"))
        assert conforms(lobby_doc, "/lobby_api/health", "get", r) == {"error": "authentication required"}
    # Never accepted on this gateway before the lock, so its password cache cannot let it in.
    r = lobby(fleet, "get", "/tables", auth=(name, password))
    assert conforms(lobby_doc, "/lobby_api/tables", "get", r) == {"error": "authentication required"}
    counters_reach(fleet, loginNamesLocked=before["loginNamesLocked"] + 1,
                   loginsThrottled=before["loginsThrottled"] + 1)


def test_lobby_password_over_1024_bytes_never_matches(fleet, lobby_doc):
    """Credentials over 1024 UTF-8 bytes never match, on REST as on the WebSocket, and `lobby-user` refuses to set
    such a password (it could never log in)."""
    name, password = f"long-{uuid.uuid4().hex[:6]}", "p" * 1025
    out = lobby_user(fleet, "--username", name, "--password", password)
    assert out.returncode != 0 and "1024 bytes" in out.stderr, out.stderr
    # `admin` exists; its name is not locked by these (they are refused before any check, and not counted).
    r = lobby(fleet, "get", "/health", auth=("admin", "p" * 1025))
    assert conforms(lobby_doc, "/lobby_api/health", "get", r) == {"error": "authentication required"}
    with connect(f"ws://{fleet.lobby}/lobby_api") as ws:
        ws.send(json.dumps({"$type": "login", "username": "admin", "password": "p" * 1025}))
        assert json.loads(ws.recv(timeout=10)) == {"$type": "login_failed"}


def test_lobby_undeclared_methods_are_the_routers_404(fleet):
    """The description: other paths and methods get `404 {"error": "Not Found"}`, before any credential check (no
    405 exists on this server: schemathesis's unsupported_method check would want 405 with `Allow`)."""
    for method, path in [("patch", "/tables"), ("delete", "/tables"), ("put", "/tables"), ("options", "/tables"),
                         ("post", "/health"), ("trace", "/health"), ("get", "/tables/1"), ("post", "/tables/1"),
                         ("get", ""), ("get", "/"), ("get", "/users"), ("get", "/login")]:
        for auth in (None, ADMIN):
            r = lobby(fleet, method, path, auth=auth)
            assert (r.status_code, r.json()) == (404, NOT_FOUND), (method, path, auth)
    r = lobby(fleet, "head", "/health")
    assert r.status_code == 404 and r.content == b""


def test_lobby_websocket_upgrade_is_on_lobby_api(fleet):
    """The description: `/lobby_api` and `/lobby_api/` upgrade (101); the WebSocket protocol is documented apart."""
    port = int(fleet.lobby.rsplit(":", 1)[1])
    for path in ("/lobby_api", "/lobby_api/", "/lobby_api?x=1"):
        raw_websocket(port, path).close()
    with connect(f"ws://{fleet.lobby}/lobby_api") as ws:
        ws.send(json.dumps({"$type": "ping", "seq": 1}))
        assert json.loads(ws.recv(timeout=10)) == {"$type": "pong", "seq": 1}


def test_schemathesis_lobby(fleet, tmp_path):
    """Every generated request, with admin's credentials, gets an answer the document lists. Options beyond
    --checks all, and why:
    - `--auth admin:admin`: every operation but /openapi.yaml needs Basic auth; schemathesis's ignored_auth check
      also sends each operation without and with made-up credentials (401), which counts failures against made-up
      names only, so admin is never locked;
    - `--exclude-checks unsupported_method`: that check wants 405 with `Allow` for an undeclared method on a path
      without parameters; this server answers `404 {"error": "Not Found"}` instead, as the document says (pinned
      by test_lobby_undeclared_methods_are_the_routers_404);
    - `--generation-codec ascii`: a name's limit is 256 UTF-8 bytes, which JSON Schema's maxLength (characters)
      cannot state, so a generated 100-emoji name would be a "valid" name the server refuses; the byte limit is
      pinned by test_lobby_name_limit_counts_utf8_bytes;
    - `--exclude-path /openapi.yaml`: compared byte for byte by test_lobby_document_is_served.
    The run adds, edits and removes tables, so it comes last among the lobby tests."""
    run_schemathesis(tmp_path, LOBBY_DOC, lobby_url(fleet), "--auth", "admin:admin",
                     "--exclude-checks", "unsupported_method", "--generation-codec", "ascii",
                     "--exclude-path", "/openapi.yaml", max_examples=150, minimum=600)
    # admin was not locked by the run.
    assert lobby(fleet, "get", "/health").status_code == 200
