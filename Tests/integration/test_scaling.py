"""Scaling a running fleet (contracts §5, issue 7): workers added and removed while clients stream acknowledged
step updates through two gateways; partitions move without losing or double-applying an acknowledged update."""
import json
import os
import signal
import uuid


from conftest import poll
from steps_streamer import StepStreamer, finish_and_check, steps_of, wait_for_progress


def api(fleet, method, path, **kw):
    return fleet.api(method, path, **kw)


def workers(health):
    return {p["id"]: p for p in health["processes"] if p["role"] == "worker"}


def settled(health):
    """No move in flight or waiting, every partition owned once, every process healthy."""
    owned = sorted(p for w in workers(health).values() for p in w["partitions"])
    return (not health["moves"] and not health["rebalancePending"] and owned == list(range(health["partitionCount"]))
            and health["status"] == "healthy")


def start_streamers(fleet, count=4):
    urls = [fleet.ws, f"ws://127.0.0.1:{fleet.ws_port + fleet.stride}"]
    streamers = []
    for n in range(count):
        users = [f"scale-{uuid.uuid4().hex[:8]}" for _ in range(3)]
        # Each streamer uses one gateway first and the other when it must reconnect.
        streamers.append(StepStreamer(urls[n % 2:] + urls[:n % 2], users))
    for s in streamers:
        s.start()
    return streamers


def test_add_and_remove_workers_while_streaming_through_two_gateways(fresh_fleet):
    fleet = fresh_fleet(workers=1, partitions=8, gateways=2)
    streamers = start_streamers(fleet)
    try:
        wait_for_progress(streamers)
        assert [w["partitions"] for w in workers(fleet.health()[1]).values()] == [list(range(8))]

        r = api(fleet, "post", "/workers", json={"id": "w2"})
        assert r.status_code == 202 and r.json() == {"id": "w2", "status": "starting"}
        health = fleet.wait_healthy(predicate=lambda h: "w2" in workers(h) and settled(h))
        assert {i: len(w["partitions"]) for i, w in workers(health).items()} == {"w1": 4, "w2": 4}
        wait_for_progress(streamers)

        r = api(fleet, "post", "/workers")
        assert r.status_code == 202 and r.json()["id"] == "w3"
        fleet.wait_healthy(predicate=lambda h: "w3" in workers(h) and settled(h))
        wait_for_progress(streamers)

        assert api(fleet, "delete", "/workers/w1").status_code == 202
        health = fleet.wait_healthy(predicate=lambda h: "w1" not in workers(h) and settled(h))
        assert sorted(workers(health)) == ["w2", "w3"]
        assert {len(w["partitions"]) for w in workers(health).values()} == {4}
        wait_for_progress(streamers)
    finally:
        finish_and_check(fleet, streamers)
    # The moves were invisible to the clients: no broken connection, nothing resent.
    assert [(s.reconnects, s.resends) for s in streamers] == [(0, 0)] * len(streamers)
    # 1 → 2 workers moves 4 partitions, 2 → 3 moves 2 (shares 3, 3, 2), removing w1 moves its 3.
    metrics = api(fleet, "get", "/metrics").text
    finished = next(line for line in metrics.splitlines() if line.startswith("switchyard_partition_moves_finished_total "))
    assert float(finished.split()[1]) == 9
    # The removed worker's series are gone; the state survives in the data folder.
    assert 'id="w1"' not in metrics and 'id="w3"' in metrics
    with open(os.path.join(fleet.data, "fleet-state.json")) as f:
        saved = json.load(f)
    assert [w["id"] for w in saved["workers"]] == ["w2", "w3"]
    assert sorted(p for w in saved["workers"] for p in w["partitions"]) == list(range(8))
    # A restarted supervisor continues from that state (not from --workers 1): same workers, same partitions.
    health = fleet.restart()
    assert {i: w["partitions"] for i, w in workers(health).items()} == {w["id"]: w["partitions"]
                                                                         for w in saved["workers"]}
    for s in streamers:
        for user, total in s.totals().items():
            assert steps_of(fleet.http, user) == total


def test_fleet_api_refuses_bad_changes(fleet):
    assert api(fleet, "post", "/workers", data="[1]").status_code == 400
    assert api(fleet, "post", "/workers", json={"id": 7}).status_code == 400
    assert api(fleet, "post", "/workers", json={"id": "bad id"}).status_code == 400
    assert api(fleet, "post", "/workers", json={"id": "g1"}).status_code == 409
    r = api(fleet, "delete", "/workers/w9")
    assert r.status_code == 404 and r.json() == {"error": "no worker named w9"}
    assert api(fleet, "delete", "/workers/g1").status_code == 404


def test_the_last_worker_cannot_be_removed(fresh_fleet):
    fleet = fresh_fleet(workers=1, partitions=4)
    r = api(fleet, "delete", "/workers/w1")
    assert r.status_code == 409 and "last worker" in r.json()["error"]


def test_kill_9_the_new_worker_during_a_move(fresh_fleet):
    fleet = fresh_fleet(workers=2, partitions=16, gateways=2)
    streamers = start_streamers(fleet)
    try:
        wait_for_progress(streamers)
        assert api(fleet, "post", "/workers", json={"id": "w3"}).status_code == 202
        # As soon as w3 runs (its moves start then), kill it.
        w3 = poll(lambda: (lambda w: w if w.get("pid") and w["state"] == "running" else None)(
            workers(fleet.health()[1])["w3"]), timeout=60, what="w3 running")
        os.kill(w3["pid"], signal.SIGKILL)
        health = fleet.wait_healthy(
            timeout=90, predicate=lambda h: settled(h) and workers(h)["w3"]["restarts"] >= 1)
        assert {len(w["partitions"]) for w in workers(health).values()} <= {5, 6}
        wait_for_progress(streamers)
        # And the old owner while it gives partitions away.
        assert api(fleet, "delete", "/workers/w1").status_code == 202
        w1 = workers(fleet.health()[1])["w1"]
        os.kill(w1["pid"], signal.SIGKILL)
        fleet.wait_healthy(timeout=90, predicate=lambda h: "w1" not in workers(h) and settled(h))
        wait_for_progress(streamers)
    finally:
        finish_and_check(fleet, streamers)


def test_a_worker_that_stops_answering_is_killed_and_restarted(fresh_fleet):
    fleet = fresh_fleet(workers=2, partitions=8, extra=("--unresponsive-timeout-ms", "2000"))
    streamers = start_streamers(fleet, count=2)
    try:
        wait_for_progress(streamers)
        frozen = workers(fleet.health()[1])["w1"]
        os.kill(frozen["pid"], signal.SIGSTOP)
        health = fleet.wait_healthy(
            timeout=60, predicate=lambda h: workers(h)["w1"]["restarts"] >= 1 and workers(h)["w1"]["pid"] != frozen["pid"])
        assert workers(health)["w1"]["partitions"] == frozen["partitions"]
        assert "process stopped answering; killing it" in fleet.tail(200_000)
        wait_for_progress(streamers)
    finally:
        finish_and_check(fleet, streamers)
