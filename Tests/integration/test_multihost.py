"""A fleet on two "hosts" of one machine (issue 7): the supervisor and its host's processes on 127.0.0.1 with one
data folder, an external worker on 127.0.0.2 with another, started by the test as its host's unit would start it.
Partitions move between the hosts by copying their files (docs/protocol.md §5.5) while clients stream acknowledged
updates; a worker cut off from the supervisor stops serving and comes back."""
import os
import signal
import uuid

import pytest

from conftest import poll
from steps_streamer import StepStreamer, steps_of
from two_hosts import TwoHostFleet, settled, workers


def can_bind(address):
    import socket
    try:
        with socket.socket() as s:
            s.bind((address, 0))
        return True
    except OSError:
        return False


def files(folder):
    return sorted(f for f in os.listdir(folder) if f.startswith("p-") and f.endswith(".sqlite"))


@pytest.mark.skipif(not can_bind("127.0.0.2"), reason="127.0.0.2 is not a usable loopback address here")
def test_partitions_move_between_hosts_by_copying_their_files():
    fleet = TwoHostFleet("switchyard-mh-", "127.0.0.1", "127.0.0.2")
    streamers = []
    try:
        health = fleet.wait(settled, what="a healthy two-host fleet")
        assert workers(health)["w2"]["commandEndpoint"].startswith("tcp://127.0.0.2:")
        assert len(files(fleet.data_b)) == 4 and len(files(fleet.data_a)) == 4
        streamers = [StepStreamer([fleet.ws], [f"mh-{uuid.uuid4().hex[:8]}" for _ in range(3)]) for _ in range(3)]
        for s in streamers:
            s.start()

        def progress(more=30):
            targets = [s.ack_count + more for s in streamers]
            poll(lambda: all(s.error is None and s.ack_count >= t for s, t in zip(streamers, targets)),
                 timeout=60, what=f"more acks; errors {[s.error for s in streamers]}")

        progress()
        # Host a's only worker leaves: its partitions' files are copied to host b, then it stops.
        assert fleet.api("delete", "/workers/w1").status_code == 202
        health = fleet.wait(lambda h: "w1" not in workers(h) and settled(h), what="w1's partitions on host b")
        assert workers(health)["w2"]["partitions"] == list(range(8))
        assert len(files(fleet.data_b)) == 8
        progress()
        # A worker joins on host a: half the partitions are copied back.
        r = fleet.api("post", "/workers", json={"id": "w3", "host": "a"})
        assert r.status_code == 202 and r.json()["status"] == "starting"
        # Killed as soon as it runs, so during its moves or its copies: it comes back and copies again.
        w3 = poll(lambda: (lambda w: w if w.get("pid") and w["state"] == "running" else None)(
            workers(fleet.health()[1]).get("w3", {})), timeout=60, what="w3 running")
        os.kill(w3["pid"], signal.SIGKILL)
        health = fleet.wait(lambda h: "w3" in workers(h) and workers(h)["w3"]["restarts"] >= 1 and settled(h),
                            what="w3 restarted and serving its share")
        assert len(workers(health)["w3"]["partitions"]) == 4
        progress()
        # Host b is cut off (its worker frozen): it stops serving within its lease, is taken as gone by the
        # supervisor, and serves again once it can talk to the supervisor.
        fleet.w2.send_signal(signal.SIGSTOP)
        poll(lambda: workers(fleet.health()[1])["w2"]["state"] == "exited", timeout=30,
             what="the supervisor to take the silent host-b worker as gone")
        fleet.w2.send_signal(signal.SIGCONT)
        fleet.wait(settled, what="host b back")
        progress()
    finally:
        for s in streamers:
            s.stop()
        for s in streamers:
            s.join(timeout=90)
        try:
            for s in streamers:
                assert not s.is_alive() and s.error is None and s.unexpected == [], (s.error, s.unexpected[:3])
                for user, total in s.totals().items():
                    assert steps_of(fleet.http, user) == total, f"{user}: acknowledged {total}"
        finally:
            tail = fleet.tail(20000)
            fleet.stop()
    assert "partition file fetched" in tail
