"""The step tracker's contract (contracts §1) against a real fleet, with real WebSocket and HTTP clients."""
import json
import urllib.parse
import uuid

import pytest
import requests
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from conftest import masked_frame, poll, raw_websocket


def update(username, steps, ts=1503031275211, update_id=None):
    return json.dumps({"update_id": update_id or str(uuid.uuid4()), "username": username, "ts": ts,
                       "newSteps": steps})


def get_steps(fleet, username):
    return requests.get(f"{fleet.http}/users/{urllib.parse.quote(username, safe='')}/steps", timeout=10)


def send_acked(ws, frames):
    """Sends frames on an ?ack=1 connection and returns the replies, one per frame, in arrival order."""
    for f in frames:
        ws.send(f)
    return [json.loads(ws.recv(timeout=15)) for _ in frames]


def unique(name):
    return f"{name}-{uuid.uuid4().hex[:8]}"


@pytest.mark.parametrize("name", ["toString", "constructor", "__proto__", "hasOwnProperty", "valueOf", "nobody"])
def test_unknown_users_are_404(fleet, name):
    r = get_steps(fleet, name)
    assert r.status_code == 404
    assert r.headers["content-type"].startswith("application/json")
    assert r.json() == {"error": "User doesn't exist"}


def test_update_then_read_exact_body(fleet):
    name = unique("jenna")
    with connect(fleet.ws + "/?ack=1") as ws:
        replies = send_acked(ws, [update(name, 17, ts=1503031275211), update(name, 166, ts=1503031279439)])
    assert [r["$type"] for r in replies] == ["ack", "ack"]
    r = get_steps(fleet, name)
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("application/json")
    assert r.text == '{"cumulativeSteps":183,"ts":1503031279439}'


def test_updates_without_ack_are_applied_and_nothing_is_sent_back(fleet):
    name = unique("plain")
    with connect(fleet.ws) as ws:
        for i in range(5):
            ws.send(update(name, 2, ts=100 + i))
        poll(lambda: get_steps(fleet, name).status_code == 200 and get_steps(fleet, name).json()["cumulativeSteps"] == 10,
             what="five updates applied")
        with pytest.raises(TimeoutError):
            ws.recv(timeout=0.3)
    assert get_steps(fleet, name).json() == {"cumulativeSteps": 10, "ts": 104}


def test_arrival_order_decides_ts_and_fractions_sum(fleet):
    name = unique("frac")
    with connect(fleet.ws + "/?ack=1") as ws:
        send_acked(ws, [update(name, 0.5, ts=300), update(name, 0.25, ts=100), update(name, 0, ts=200)])
    assert get_steps(fleet, name).json() == {"cumulativeSteps": 0.75, "ts": 200}


def test_invalid_updates_are_ignored_and_the_connection_stays_usable(fleet):
    name = unique("strict")
    invalid = [
        "not json", "[]", '"x"', "42", "null", "{}",
        json.dumps({"username": name, "ts": 1, "newSteps": 1}),
        json.dumps({"update_id": 5, "username": name, "ts": 1, "newSteps": 1}),
        json.dumps({"update_id": "", "username": name, "ts": 1, "newSteps": 1}),
        json.dumps({"update_id": "a", "username": "", "ts": 1, "newSteps": 1}),
        json.dumps({"update_id": "b", "username": 7, "ts": 1, "newSteps": 1}),
        json.dumps({"update_id": "c", "username": name, "ts": "1", "newSteps": 1}),
        json.dumps({"update_id": "d", "username": name, "newSteps": 1}),
        json.dumps({"update_id": "e", "username": name, "ts": 1, "newSteps": "1"}),
        json.dumps({"update_id": "f", "username": name, "ts": 1, "newSteps": -1}),
        json.dumps({"update_id": "g", "username": name, "ts": 1}),
        '{"update_id":"h","username":"%s","ts":1,"newSteps":1e999}' % name,
        json.dumps({"update_id": "i", "username": "x" * 257, "ts": 1, "newSteps": 1}),
    ]
    with connect(fleet.ws) as ws:
        for frame in invalid:
            ws.send(frame)
        ws.send(b"\x00\x01binary")
        ws.send(update(name, 3, ts=9))
        poll(lambda: get_steps(fleet, name).status_code == 200, what="the valid update")
    assert get_steps(fleet, name).json() == {"cumulativeSteps": 3, "ts": 9}
    assert get_steps(fleet, "x" * 257).status_code in (400, 404)


def test_ack_mode_rejections_echo_string_ids_only(fleet):
    name = unique("acks")
    with connect(fleet.ws + "/?ack=1") as ws:
        replies = send_acked(ws, [
            "nope",
            json.dumps({"update_id": 12, "username": name, "ts": 1, "newSteps": 1}),
            json.dumps({"update_id": "bad-1", "username": name, "ts": 1, "newSteps": -5}),
            update(name, 4, update_id="good-1"),
        ])
        ws.send(b"\xff")
        binary_reply = json.loads(ws.recv(timeout=15))
    assert replies[0]["$type"] == "rejected" and replies[0]["update_id"] is None and replies[0]["error"]
    assert replies[1]["$type"] == "rejected" and replies[1]["update_id"] is None
    assert replies[2] == {"$type": "rejected", "update_id": "bad-1", "error": replies[2]["error"]}
    assert replies[3] == {"$type": "ack", "update_id": "good-1"}
    assert binary_reply["$type"] == "rejected"


def test_exactly_once_by_update_id_across_connections(fleet):
    name = unique("once")
    with connect(fleet.ws + "/?ack=1") as ws:
        assert send_acked(ws, [update(name, 5, update_id="u-1", ts=1)]) == [{"$type": "ack", "update_id": "u-1"}]
    with connect(fleet.ws + "/?ack=1") as ws:
        replies = send_acked(ws, [update(name, 5, update_id="u-1", ts=2), update(name, 1, update_id="u-2", ts=3)])
    assert replies == [{"$type": "ack", "update_id": "u-1"}, {"$type": "ack", "update_id": "u-2"}]
    # The duplicate neither counted nor moved ts.
    assert get_steps(fleet, name).json() == {"cumulativeSteps": 6, "ts": 3}
    # The same id for another user is another update.
    other = unique("once-other")
    with connect(fleet.ws + "/?ack=1") as ws:
        send_acked(ws, [update(other, 5, update_id="u-1")])
    assert get_steps(fleet, other).json()["cumulativeSteps"] == 5


@pytest.mark.parametrize("raw", ["a/b", "Zoë 😀", "with space", "per%cent", "q?x=1#frag", "toString"])
def test_any_utf8_name_round_trips_through_rest(fleet, raw):
    name = raw + "-" + uuid.uuid4().hex[:6]
    with connect(fleet.ws + "/?ack=1") as ws:
        assert send_acked(ws, [update(name, 7, ts=5)])[0]["$type"] == "ack"
    r = get_steps(fleet, name)
    assert r.status_code == 200, r.text
    assert r.json() == {"cumulativeSteps": 7, "ts": 5}


def test_prototype_names_are_ordinary_users(fleet):
    with connect(fleet.ws + "/?ack=1") as ws:
        send_acked(ws, [update("__proto__", 1, ts=1)])
    assert get_steps(fleet, "__proto__").json()["cumulativeSteps"] >= 1
    assert get_steps(fleet, "toString").status_code == 404


def test_oversized_frame_closes_that_connection_with_1009_only(fleet):
    name = unique("big")
    with connect(fleet.ws, max_size=None) as other:
        with connect(fleet.ws, max_size=None) as big:
            huge = json.dumps({"update_id": "x", "username": name, "ts": 1, "newSteps": 1, "pad": "p" * 70_000})
            big.send(huge)
            with pytest.raises(ConnectionClosed) as closed:
                big.recv(timeout=10)
            assert closed.value.rcvd is not None and closed.value.rcvd.code == 1009
        other.send(update(name, 2, ts=1))
        poll(lambda: get_steps(fleet, name).status_code == 200, what="the other client's update")
    assert get_steps(fleet, name).json()["cumulativeSteps"] == 2


def test_unknown_routes_get_json_404(fleet):
    r = requests.get(f"{fleet.http}/nope", timeout=5)
    assert r.status_code == 404
    assert "error" in r.json()
    r = requests.get(f"{fleet.http}/users//steps", timeout=5)
    assert r.status_code == 404


def test_many_users_spread_over_both_workers(fleet):
    names = [unique(f"spread{i}") for i in range(200)]
    before = {p["id"]: p["processed"] for p in fleet.health()[1]["processes"] if p["role"] == "worker"}
    with connect(fleet.ws + "/?ack=1") as ws:
        replies = send_acked(ws, [update(n, i + 1, ts=i) for i, n in enumerate(names)])
    assert all(r["$type"] == "ack" for r in replies)
    for i, n in enumerate(names):
        assert get_steps(fleet, n).json() == {"cumulativeSteps": i + 1, "ts": i}

    def both_counted():
        after = {p["id"]: p["processed"] for p in fleet.health()[1]["processes"] if p["role"] == "worker"}
        return all(after[w] - before[w] >= 50 for w in after)
    poll(both_counted, what="both workers' heartbeats to count their share")


def test_health_and_metrics(fleet):
    code, body = fleet.health()
    assert code == 200 and body["status"] == "healthy"
    roles = sorted(p["role"] for p in body["processes"])
    assert roles == ["gateway", "worker", "worker"]
    owned = sorted(q for p in body["processes"] for q in p["partitions"])
    assert owned == list(range(body["partitionCount"]))
    for p in body["processes"]:
        assert p["pid"] > 0 and p["restarts"] == 0 and p["lastHeartbeat"]
    m = requests.get(f"http://127.0.0.1:{fleet.health_port}/metrics", timeout=5)
    assert m.status_code == 200
    assert "switchyard_process_up" in m.text
    assert "switchyard_wire_malformed_dropped_total" in m.text


def test_invalid_utf8_text_frame_is_refused_like_the_original(fleet):
    # RFC 6455 and Node's ws close a text frame that is not UTF-8 with 1007; other clients are unaffected.
    sock = raw_websocket(fleet.ws_port)
    sock.sendall(masked_frame(0x1, b'{"update_id":"\xff","username":"u","ts":1,"newSteps":1}'))
    frame = sock.recv(2 + 125)
    sock.close()
    assert frame[0] == 0x88, frame  # close
    assert int.from_bytes(frame[2:4], "big") == 1007


@pytest.mark.parametrize("path", ["%zz", "%FF", "%C3", "a%00"])
def test_bad_percent_encoding_is_a_client_error(fleet, path):
    r = requests.get(f"{fleet.http}/users/{path}/steps", timeout=5)
    assert r.status_code in (400, 404), r.text
    assert "error" in r.json()


def test_long_multibyte_names(fleet):
    too_long = "é" * 129  # 258 bytes
    r = get_steps(fleet, too_long)
    assert r.status_code in (400, 404) and "error" in r.json()
    longest = "é" * 128  # 256 bytes: valid
    with connect(fleet.ws + "/?ack=1") as ws:
        assert send_acked(ws, [update(longest, 3, ts=1)])[0]["$type"] == "ack"
    assert get_steps(fleet, longest).json()["cumulativeSteps"] >= 3


def test_names_and_ids_differing_after_a_nul_stay_distinct(fleet):
    base = unique("nul")
    a, b = base + "\u0000a", base + "\u0000b"
    with connect(fleet.ws + "/?ack=1") as ws:
        replies = send_acked(ws, [update(a, 1, update_id="x\u0000a"), update(a, 2, update_id="x\u0000b"),
                                  update(b, 5, update_id="x\u0000a")])
    assert all(r["$type"] == "ack" for r in replies)
    assert get_steps(fleet, a).json()["cumulativeSteps"] == 3
    assert get_steps(fleet, b).json()["cumulativeSteps"] == 5
    assert get_steps(fleet, base).status_code == 404


def test_one_connection_is_applied_in_order(fleet):
    name = unique("order")
    n = 1000
    with connect(fleet.ws + "/?ack=1") as ws:
        for i in range(n):
            ws.send(update(name, 1, ts=i))
        replies = [json.loads(ws.recv(timeout=30)) for _ in range(n)]
    assert all(r["$type"] == "ack" for r in replies)
    # The last update sent is the last applied: its ts wins.
    assert get_steps(fleet, name).json() == {"cumulativeSteps": n, "ts": n - 1}
