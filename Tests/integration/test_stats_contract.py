"""Learning stats (contracts §2) against a running fleet, with a real HTTP client."""
import json
import os
import re
import subprocess
import sys
import uuid

import pytest
import requests
import yaml
from openapi_spec_validator import validate

from conftest import poll


DOCS = os.path.join(os.path.dirname(__file__), "../../docs/stats-openapi.yaml")


def uid():
    return str(uuid.uuid4())


def body(session_id, modules=2, score=80, time=1000):
    return {"sessionId": session_id, "totalModulesStudied": modules, "averageScore": score, "timeStudied": time}


class Client:
    """One user's view of the stats API."""

    def __init__(self, fleet, user=None):
        self.base = fleet.stats
        self.user = user or uid()

    def post(self, course, payload, **kw):
        kw.setdefault("headers", {"X-User-Id": self.user})
        return requests.post(f"{self.base}/courses/{course}", json=payload, timeout=10, **kw)

    def course(self, course):
        return requests.get(f"{self.base}/courses/{course}", headers={"X-User-Id": self.user}, timeout=10)

    def session(self, course, session):
        return requests.get(f"{self.base}/courses/{course}/sessions/{session}", headers={"X-User-Id": self.user},
                            timeout=10)


def assert_json(r, status, expected=None):
    assert r.status_code == status, (r.status_code, r.text)
    assert r.headers["content-type"].startswith("application/json"), r.headers
    if expected is not None:
        assert r.json() == expected


def test_post_then_read_the_session_and_the_course(fleet):
    c = Client(fleet)
    course, session = uid(), uid()
    assert_json(c.post(course, body(session, 3, 82.5, 1500.25)), 201,
                {"sessionId": session, "totalModulesStudied": 3, "averageScore": 82.5, "timeStudied": 1500.25})
    assert_json(c.session(course, session), 200,
                {"sessionId": session, "totalModulesStudied": 3, "averageScore": 82.5, "timeStudied": 1500.25})
    assert_json(c.course(course), 200, {"totalModulesStudied": 3, "averageScore": 82.5, "timeStudied": 1500.25})


def test_one_user_over_several_courses_and_sessions(fleet):
    c = Client(fleet)
    courses = {uid(): [(3, 80, 1000), (1, 100, 500), (0, 10, 250)], uid(): [(0, 40, 1), (0, 50, 2)],
               uid(): [(5, 90, 60000)]}
    for course, sessions in courses.items():
        for modules, score, time in sessions:
            assert_json(c.post(course, body(uid(), modules, score, time)), 201)
    expected = {}
    for course, sessions in courses.items():
        modules = sum(s[0] for s in sessions)
        mean = (sum(s[0] * s[1] for s in sessions) / modules if modules
                else sum(s[1] for s in sessions) / len(sessions))
        expected[course] = {"totalModulesStudied": modules, "averageScore": mean,
                            "timeStudied": sum(s[2] for s in sessions)}
    for course in courses:
        assert_json(c.course(course), 200, expected[course])
    # The weighted mean of the first course: (3·80 + 1·100 + 0·10) / 4; the second has no modules: plain mean.
    assert expected[list(courses)[0]]["averageScore"] == 85
    assert expected[list(courses)[1]]["averageScore"] == 45


def test_identical_retry_is_201_and_counted_once_a_different_body_is_409(fleet):
    c = Client(fleet)
    course, session = uid(), uid()
    first = c.post(course, body(session, 2, 70, 100))
    assert_json(first, 201)
    again = c.post(course, body(session, 2, 70, 100))
    assert_json(again, 201, first.json())
    # 2 and 2.0 are the same number in JSON.
    assert_json(c.post(course, {**body(session, 2, 70, 100), "totalModulesStudied": 2.0}), 201, first.json())
    assert_json(c.post(course, body(session, 2, 71, 100)), 409, {"error": "Session already recorded"})
    assert_json(c.course(course), 200, {"totalModulesStudied": 2, "averageScore": 70, "timeStudied": 100})
    assert_json(c.session(course, session), 200, first.json())


def test_stats_are_private_per_user(fleet):
    alice, bob = Client(fleet), Client(fleet)
    course, session = uid(), uid()
    assert_json(alice.post(course, body(session)), 201)
    assert_json(bob.course(course), 404, {"error": "Course not found"})
    assert_json(bob.session(course, session), 404, {"error": "Session not found"})
    # Bob may record a session with the same ids: it is his own.
    assert_json(bob.post(course, body(session, 9, 1, 1)), 201)
    assert_json(alice.session(course, session), 200, {**body(session), "sessionId": session})


def test_unknown_course_and_session_are_404(fleet):
    c = Client(fleet)
    course = uid()
    assert_json(c.course(course), 404, {"error": "Course not found"})
    assert_json(c.session(course, uid()), 404, {"error": "Session not found"})
    assert_json(c.post(course, body(uid())), 201)
    assert_json(c.session(course, uid()), 404, {"error": "Session not found"})


def test_ids_are_case_insensitive_and_answered_in_lowercase(fleet):
    user = uid()
    upper, lower = Client(fleet, user.upper()), Client(fleet, user)
    course, session = uid(), uid()
    r = upper.post(course.upper(), body(session.upper()))
    assert_json(r, 201)
    assert r.json()["sessionId"] == session
    assert_json(lower.session(course, session), 200)
    assert_json(upper.course(course.upper()), 200)


@pytest.mark.parametrize("header", [None, "", "not-a-uuid", "1234", "{" + str(uuid.UUID(int=1)) + "}",
                                    str(uuid.UUID(int=1)).replace("-", "")])
def test_missing_or_bad_user_header_is_400(fleet, header):
    headers = {} if header is None else {"X-User-Id": header}
    course = uid()
    expected = {"error": "X-User-Id header must be a UUID"}
    assert_json(requests.get(f"{fleet.stats}/courses/{course}", headers=headers, timeout=10), 400, expected)
    assert_json(requests.get(f"{fleet.stats}/courses/{course}/sessions/{uid()}", headers=headers, timeout=10), 400,
                expected)
    # The header is checked before the path and the body.
    assert_json(requests.post(f"{fleet.stats}/courses/nope", headers=headers, data="{", timeout=10), 400, expected)


def test_bad_path_ids_are_400_naming_them(fleet):
    c = Client(fleet)
    assert_json(c.course("nope"), 400, {"error": "courseId must be a UUID"})
    assert_json(c.post("nope", {}), 400, {"error": "courseId must be a UUID"})
    assert_json(c.session("nope", "nope"), 400, {"error": "courseId must be a UUID"})
    assert_json(c.session(uid(), "nope"), 400, {"error": "sessionId must be a UUID"})


@pytest.mark.parametrize("payload,error", [
    ([], "body must be a JSON object"),
    ("text", "body must be a JSON object"),
    ({}, "sessionId is required"),
    ({"sessionId": "x"}, "sessionId must be a UUID"),
    ({"sessionId": "{S}"}, "totalModulesStudied is required"),
    ({"sessionId": "{S}", "totalModulesStudied": "1", "averageScore": 1, "timeStudied": 1},
     "totalModulesStudied must be a number"),
    ({"sessionId": "{S}", "totalModulesStudied": 1.5, "averageScore": 1, "timeStudied": 1},
     "totalModulesStudied must be an integer"),
    ({"sessionId": "{S}", "totalModulesStudied": -1, "averageScore": 1, "timeStudied": 1},
     "totalModulesStudied must not be negative"),
    ({"sessionId": "{S}", "totalModulesStudied": 1, "averageScore": None, "timeStudied": 1},
     "averageScore must be a number"),
    ({"sessionId": "{S}", "totalModulesStudied": 1, "averageScore": -0.5, "timeStudied": 1},
     "averageScore must not be negative"),
    ({"sessionId": "{S}", "totalModulesStudied": 1, "averageScore": 1}, "timeStudied is required"),
    ({"sessionId": "{S}", "totalModulesStudied": 1, "averageScore": 1, "timeStudied": 1e300},
     "timeStudied must be at most 1000000000000000"),
    ({"sessionId": "{S}", "totalModulesStudied": 2e9, "averageScore": 1, "timeStudied": 1},
     "totalModulesStudied must be at most 1000000000"),
])
def test_invalid_bodies_are_400_saying_which_field_and_why(fleet, payload, error):
    c = Client(fleet)
    course = uid()
    if isinstance(payload, dict) and payload.get("sessionId") == "{S}":
        payload = {**payload, "sessionId": uid()}
    assert_json(c.post(course, payload), 400, {"error": error})
    # Nothing was stored.
    assert_json(c.course(course), 404, {"error": "Course not found"})


def test_bodies_that_are_not_json_or_too_large(fleet):
    c = Client(fleet)
    headers = {"X-User-Id": c.user, "Content-Type": "application/json"}
    r = requests.post(f"{fleet.stats}/courses/{uid()}", headers=headers, data=b'{"sessionId":', timeout=10)
    assert_json(r, 400)
    assert r.json()["error"].startswith("body is not valid JSON")
    assert_json(requests.post(f"{fleet.stats}/courses/{uid()}", headers=headers, data=b"", timeout=10), 400)
    big = json.dumps({**body(uid()), "padding": "x" * 70_000})
    assert_json(requests.post(f"{fleet.stats}/courses/{uid()}", headers=headers, data=big, timeout=10), 413,
                {"error": "body is larger than 65536 bytes"})
    # The connection pool is still usable: the server answered and kept serving.
    assert_json(c.post(uid(), body(uid())), 201)


def test_unknown_routes_are_json_404(fleet):
    r = requests.get(f"{fleet.stats}/nothing/here", timeout=10)
    assert_json(r, 404)
    assert "error" in r.json()


def test_openapi_document_is_served_and_valid(fleet):
    r = requests.get(f"{fleet.stats}/openapi.yaml", timeout=10)
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("application/yaml")
    with open(DOCS, encoding="utf-8") as f:
        assert r.text == f.read()
    document = yaml.safe_load(r.text)
    validate(document)
    assert set(document["paths"]) >= {"/courses/{courseId}", "/courses/{courseId}/sessions/{sessionId}"}


def test_schemathesis_finds_no_server_error_and_no_response_off_the_document(fleet):
    """Property-based run of schemathesis against the live server: every response must match the document."""
    schemathesis = os.path.join(os.path.dirname(sys.executable), "schemathesis")
    result = subprocess.run(
        [schemathesis, "run", f"{fleet.stats}/openapi.yaml", "--url", fleet.stats, "--checks", "all",
         "--max-examples", os.environ.get("SCHEMATHESIS_MAX_EXAMPLES", "60"), "--workers", "1",
         "--seed", os.environ.get("SCHEMATHESIS_SEED", "20261202"), "--no-color"],
        capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
    generated = re.search(r"(\d+) generated, (\d+) passed", result.stdout)
    assert generated and int(generated.group(1)) >= 100 and generated.group(1) == generated.group(2), result.stdout[-3000:]


def raw_exchange(port, payload, deadline=10):
    """Sends `payload` on one connection and reads until the server closes it; returns [(status, body)]."""
    import socket
    import time
    sock = socket.create_connection(("127.0.0.1", port), timeout=deadline)
    sock.sendall(payload.encode())
    data, end = b"", time.monotonic() + deadline
    while time.monotonic() < end:
        chunk = sock.recv(65536)
        if not chunk:
            break
        data += chunk
    sock.close()
    answers = []
    while data:
        head, _, rest = data.partition(b"\r\n\r\n")
        length = int(re.search(rb"(?i)content-length: *(\d+)", head).group(1))
        answers.append((int(head.split(b" ")[1]), rest[:length].decode()))
        data = rest[length:]
    return answers


def test_pipelined_reads_and_other_requests_are_answered_in_order_as_each_alone(fleet):
    """Reads are answered on the gateway's event loop, everything else by its router: pipelined on one connection,
    each still gets the answer it gets alone, in order, and the connection closes after `Connection: close`."""
    c = Client(fleet)
    course, session = uid(), uid()
    assert c.post(course, body(session)).status_code == 201
    user = c.user
    requests_in_order = [
        ("GET", f"/courses/{course}", {"X-User-Id": user}, None),
        ("GET", f"/courses/{course}/sessions/{uid()}", {"X-User-Id": user}, None),
        ("GET", "/courses/not-a-uuid", {"X-User-Id": user}, None),
        ("GET", f"/courses/{course}/sessions/{session}", {"X-User-Id": user}, None),
        ("POST", f"/courses/{course}", {"X-User-Id": user, "Content-Type": "application/json"},
         json.dumps(body(uid()))),
        ("GET", f"/courses/{course}", {}, None),
        ("GET", f"/courses/{course}?x=1", {"X-User-Id": user}, None),
        ("GET", f"/courses/{course}", {"X-User-Id": user, "Connection": "close"}, None),
    ]
    payload = ""
    for method, path, headers, data in requests_in_order:
        lines = [f"{method} {path} HTTP/1.1", "Host: x", *(f"{k}: {v}" for k, v in headers.items())]
        if data is not None:
            lines.append(f"Content-Length: {len(data.encode())}")
        payload += "\r\n".join(lines) + "\r\n\r\n" + (data or "")
    answers = raw_exchange(fleet.stats_port, payload)
    assert len(answers) == len(requests_in_order), answers
    # The POST added a session: the reads after it see two.
    alone = []
    for method, path, headers, data in requests_in_order:
        if method == "POST":
            alone.append((201, None))
            continue
        r = requests.request(method, fleet.stats + path, headers={k: v for k, v in headers.items()
                                                                   if k != "Connection"}, timeout=10)
        alone.append((r.status_code, r.text))
    assert [a[0] for a in answers] == [a[0] for a in alone]
    assert answers[1:4] == alone[1:4]
    assert answers[5:7] == alone[5:7]
    assert json.loads(answers[0][1])["totalModulesStudied"] == 2
    assert json.loads(answers[7][1])["totalModulesStudied"] == 4
    assert answers[7] == alone[7]


def test_posts_answer_the_same_on_the_event_loop_and_through_the_router(fleet):
    """A POST whose Content-Length is within the limit is validated and sent on the gateway's event loop; the same
    POST sent chunked goes through the router. Pipelined on one connection, every body gets the same status and
    bytes either way, refusals included, in order; a body over the limit is the router's 413 either way."""
    c = Client(fleet)
    course, first, second = uid(), uid(), uid()
    bodies = [
        json.dumps(body(first, 3, 50, 1000)),   # event loop: 201; router, the same again: 201 (a retry)
        json.dumps(body(first, 9, 50, 1000)),   # router, then event loop: 409 (another session, same id)
        json.dumps(body(second, 4, 60, 2000)),  # router: 201; event loop, the same again: 201
        json.dumps(body(second, 9, 60, 2000)),  # event loop, then router: 409
        "{",
        "",
        json.dumps({"sessionId": "x"}),
        json.dumps(body(uid(), -1)),
        json.dumps(body(uid(), 1.5)),
        " " * (64 * 1024) + json.dumps(body(uid())),
    ]

    def request(data, chunked):
        head = [f"POST /courses/{course} HTTP/1.1", "Host: x", f"X-User-Id: {c.user}",
                "Content-Type: application/json"]
        if not chunked:
            return "\r\n".join(head + [f"Content-Length: {len(data.encode())}"]) + "\r\n\r\n" + data
        chunk = f"{len(data.encode()):x}\r\n{data}\r\n" if data else ""
        return "\r\n".join(head + ["Transfer-Encoding: chunked"]) + "\r\n\r\n" + chunk + "0\r\n\r\n"

    order = [(bodies[0], False), (bodies[0], True), (bodies[1], True), (bodies[1], False),
             (bodies[2], True), (bodies[2], False), (bodies[3], False), (bodies[3], True)]
    order += [(data, chunked) for data in bodies[4:] for chunked in (False, True)]
    payload = "".join(request(data, chunked) for data, chunked in order)
    payload += f"GET /courses/{course} HTTP/1.1\r\nHost: x\r\nX-User-Id: {c.user}\r\nConnection: close\r\n\r\n"
    answers = raw_exchange(fleet.stats_port, payload)
    assert len(answers) == len(order) + 1, answers
    assert [a[0] for a in answers[:8]] == [201, 201, 409, 409, 201, 201, 409, 409]
    assert answers[0] == answers[1] and json.loads(answers[0][1]) == body(first, 3, 50, 1000)
    assert answers[4] == answers[5] and json.loads(answers[4][1]) == body(second, 4, 60, 2000)
    assert {answers[i] for i in (2, 3, 6, 7)} == {(409, '{"error":"Session already recorded"}')}
    refusals = answers[8:-1]
    assert [a[0] for a in refusals] == [400] * 10 + [413] * 2, refusals
    for index in range(0, len(refusals), 2):
        assert refusals[index] == refusals[index + 1]
        assert json.loads(refusals[index][1]).keys() == {"error"}
    # Two sessions stored, nothing else.
    assert json.loads(answers[-1][1])["totalModulesStudied"] == 7


def worker_transactions(fleet):
    """How many transactions w1 has committed (its `transaction_commands` histogram's count), from /metrics."""
    text = requests.get(f"http://127.0.0.1:{fleet.health_port}/metrics", timeout=5, headers=fleet.auth()).text
    m = re.search(r'switchyard_worker_transaction_commands_count\{[^}]*id="w1"[^}]*\} (\S+)', text)
    return int(float(m.group(1))) if m else None


@pytest.mark.parametrize("reads", ["io-thread", "commit-thread"])
def test_reads_answer_the_same_on_the_io_thread_and_on_the_commit_thread(fresh_fleet, reads):
    """`--reads io-thread` (the default) answers an idle partition's reads at once, without a transaction;
    `--reads commit-thread` queues them like writes. Both give the same answers, read-your-writes included."""
    fleet = fresh_fleet(workers=1, partitions=4, extra=("--reads", reads))
    c = Client(fleet)
    course, session = uid(), uid()
    assert_json(c.post(course, body(session, 3, 50, 1000)), 201)
    assert_json(c.session(course, session), 200,
                {"sessionId": session, "totalModulesStudied": 3, "averageScore": 50, "timeStudied": 1000})
    # Every transaction so far shows in the heartbeat's histogram; then 20 reads, and one more write to know when
    # the heartbeat has caught up with them.
    before = poll(lambda: worker_transactions(fleet), what="w1's transaction count")
    for _ in range(10):
        assert_json(c.course(course), 200, {"totalModulesStudied": 3, "averageScore": 50, "timeStudied": 1000})
        assert_json(c.session(course, uid()), 404, {"error": "Session not found"})
    assert_json(c.post(course, body(uid(), 1, 100, 10)), 201)
    after = poll(lambda: (worker_transactions(fleet) or 0) > before and worker_transactions(fleet),
                 what="the last write's transaction in /metrics")
    # `before` may lag a heartbeat behind (the fleet's own start-up transactions): a margin, far from 20 reads.
    if reads == "io-thread":
        assert after - before <= 5, (before, after)
    else:
        assert after - before >= 21, (before, after)
    # Weighted by modules: (3·50 + 1·100) / 4.
    assert_json(c.course(course), 200, {"totalModulesStudied": 4, "averageScore": 62.5, "timeStudied": 1010})


def test_a_fleet_serving_only_stats_opens_only_its_port(fresh_fleet):
    fleet = fresh_fleet(workers=1, partitions=4, extra=("--products", "stats"))
    c = Client(fleet)
    course = uid()
    assert_json(c.post(course, body(uid())), 201)
    assert_json(c.course(course), 200)
    with pytest.raises(requests.ConnectionError):
        requests.get(f"{fleet.http}/users/jenna/steps", timeout=5)
    _, health = fleet.health()
    assert sorted(health["products"]) == ["stats.rest.g1"]
