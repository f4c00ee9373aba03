"""Presence REST (contracts §3) against a running fleet: keys, pings, lists, counts, clear, timeouts."""
import os
import signal
import time

import pytest
import requests

from conftest import Fleet, poll

KEY, SYSTEM = "k-1", "sys-7"
ACTIVE, AWAY = 2, 2
ENV = {"ACCESS_KEY": KEY, "ACCESS_KEY_SYSTEM": SYSTEM, "STATUS_LIFETIME_ACTIVE": str(ACTIVE),
       "STATUS_LIFETIME_AWAY": str(AWAY), "STATUS_UPDATE_INTERVAL": "1"}


@pytest.fixture(scope="module")
def fleet():
    f = Fleet(env=ENV)
    yield f
    f.stop()


@pytest.fixture
def presence(fleet):
    """The fleet's presence API, cleared before the test."""
    r = requests.get(f"{fleet.presence}/database/clear", params={"key": SYSTEM}, timeout=10)
    assert r.status_code == 200 and r.json() == {"data": "success"}, r.text
    return fleet.presence


def ping(base, user, status="available", key=KEY):
    return requests.post(f"{base}/users/ping", params={"key": key}, json={"id": user, "status": status}, timeout=10)


def listing(base, status="all"):
    r = requests.get(f"{base}/users/list/{status}", params={"key": KEY}, timeout=10)
    assert r.status_code == 200, r.text
    return r.json()["data"]


def counts(base):
    r = requests.get(f"{base}/users/count", params={"key": KEY}, timeout=10)
    assert r.status_code == 200, r.text
    return r.json()["data"]


def test_every_endpoint_needs_its_own_key(presence):
    calls = [
        ("post", "/users/ping", {"json": {"id": 1, "status": "busy"}}),
        ("get", "/users/list/all", {}), ("get", "/users/count", {}), ("get", "/health", {}),
    ]
    for method, path, kw in calls:
        for params in ({}, {"key": "nope"}, {"key": SYSTEM}):
            r = requests.request(method, f"{presence}{path}", params=params, timeout=10, **kw)
            assert r.status_code == 403 and r.json() == {"error": "access-denied"}, (path, params, r.text)
    for params in ({}, {"key": KEY}):
        r = requests.get(f"{presence}/database/clear", params=params, timeout=10)
        assert r.status_code == 403 and r.json() == {"error": "access-denied"}
    assert requests.get(f"{presence}/health", params={"key": KEY}, timeout=10).json() == {"data": "healthy"}
    # Nothing was pinged by the refused calls.
    assert counts(presence) == {"available": 0, "busy": 0, "away": 0}


def test_a_ping_answers_the_counts_after_it(presence):
    r = ping(presence, 1, "available")
    assert r.status_code == 200 and r.json() == {"data": {"available": 1, "busy": 0, "away": 0}}
    assert ping(presence, "2", "busy").json() == {"data": {"available": 1, "busy": 1, "away": 0}}
    # The same user changing status moves between counts.
    assert ping(presence, "1", "busy").json() == {"data": {"available": 0, "busy": 2, "away": 0}}


def test_numbers_and_strings_are_the_same_user_and_the_list_is_sorted(presence):
    before = int(time.time())
    for user in ["b", 10, "2", "a", 1, "010", "é"]:
        assert ping(presence, user, "available").status_code == 200
    assert ping(presence, 7, "busy").status_code == 200
    assert ping(presence, "7", "available").status_code == 200
    data = listing(presence)
    assert [d["user"] for d in data] == ["1", "2", "7", "10", "010", "a", "b", "é"]
    assert all(d["status"] == "available" for d in data)
    assert all(before <= d["time"] <= int(time.time()) for d in data)
    assert set(data[0]) == {"user", "status", "time"}
    assert listing(presence, "busy") == []
    assert [d["user"] for d in listing(presence, "available")] == [d["user"] for d in data]


def test_bad_input_is_400_with_the_contract_error(presence):
    assert ping(presence, 1, "away").status_code == 400
    assert ping(presence, 1, "away").json() == {"error": "invalid-user-status"}
    assert ping(presence, 1, None).json() == {"error": "invalid-user-status"}
    for bad_id in (None, True, [], {}, ""):
        r = ping(presence, bad_id)
        assert r.status_code == 400 and "error" in r.json()
    for body in (b"", b"{", b"[]", b'"x"'):
        r = requests.post(f"{presence}/users/ping", params={"key": KEY}, data=body, timeout=10)
        assert r.status_code == 400 and "error" in r.json(), body
    r = requests.get(f"{presence}/users/list/online", params={"key": KEY}, timeout=10)
    assert r.status_code == 400 and r.json() == {"error": "invalid-user-status"}
    assert counts(presence) == {"available": 0, "busy": 0, "away": 0}


def test_users_turn_away_then_disappear(presence):
    ping(presence, "walker", "busy")
    pinged = listing(presence)[0]
    assert pinged["status"] == "busy"
    away = poll(lambda: [d for d in listing(presence) if d["status"] == "away"], timeout=ACTIVE + 5,
                interval=0.1, what="the user to turn away")
    assert away[0]["time"] == pinged["time"]  # the time of the last ping, unchanged
    assert counts(presence) == {"available": 0, "busy": 0, "away": 1}
    poll(lambda: listing(presence) == [], timeout=AWAY + 5, interval=0.1, what="the user to be removed")
    assert counts(presence) == {"available": 0, "busy": 0, "away": 0}
    # A ping brings a user back.
    assert ping(presence, "walker", "available").json()["data"]["available"] == 1


def test_users_over_every_partition_are_counted_and_cleared(presence):
    for n in range(60):
        assert ping(presence, n, "busy" if n % 3 == 0 else "available").status_code == 200
    assert counts(presence) == {"available": 40, "busy": 20, "away": 0}
    assert [d["user"] for d in listing(presence)] == [str(n) for n in range(60)]
    r = requests.get(f"{presence}/database/clear", params={"key": SYSTEM}, timeout=10)
    assert r.json() == {"data": "success"}
    assert counts(presence) == {"available": 0, "busy": 0, "away": 0}
    assert listing(presence) == []


def test_presence_survives_a_worker_restart(fresh_fleet):
    fleet = fresh_fleet(env={**ENV, "STATUS_LIFETIME_ACTIVE": "60", "STATUS_LIFETIME_AWAY": "60"})
    for n in range(20):
        assert ping(fleet.presence, n).status_code == 200
    victims = {w: fleet.process(w)["pid"] for w in ("w1", "w2")}
    for pid in victims.values():
        os.kill(pid, signal.SIGKILL)
    fleet.wait_healthy(predicate=lambda h: all(
        p["restarts"] >= 1 and p["pid"] != victims[p["id"]] for p in h["processes"] if p["id"] in victims))
    # The gateway resyncs the restarted partitions: every user is still listed, once.
    poll(lambda: [d["user"] for d in listing(fleet.presence)] == [str(n) for n in range(20)], timeout=30,
         what="the presence list after the restart")
    assert ping(fleet.presence, 20).json() == {"data": {"available": 21, "busy": 0, "away": 0}}
