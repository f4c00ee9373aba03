"""A fleet on two real hosts (issue 13): host b is a network namespace made by the test, joined to this one (host a)
by a veth pair, each end with its own address, so the only way between them is that link. Host a runs the
supervisor, worker w1 and gateway g1; host b runs worker w2 with the key `switchyard keys issue` made for it. While
clients stream acknowledged updates, the link goes down: w2 stops serving within its lease (an insider's probe
inside host b gets `not-owner`), the supervisor takes it as gone without giving its partitions to anyone, the
link comes back, w2 rejoins, and every acknowledged update is there exactly once."""
import os
import random
import shutil
import subprocess
import sys
import uuid

import pytest

from conftest import poll
from steps_streamer import StepStreamer, steps_of
from two_hosts import TwoHostFleet, settled, workers
from wire_client import fnv1a

HERE = os.path.dirname(os.path.abspath(__file__))


def ip(*args, check=True):
    return subprocess.run(["ip", *args], check=check, capture_output=True, text=True)


def namespaces_usable():
    if os.geteuid() != 0 or shutil.which("ip") is None:
        return False
    name = f"sy-check-{os.getpid()}"
    if ip("netns", "add", name, check=False).returncode != 0:
        return False
    ip("netns", "delete", name, check=False)
    return True


class TwoHosts:
    """Host b as a network namespace on a veth pair: a = 10.213.N.1 (this namespace), b = 10.213.N.2."""

    def __init__(self):
        tag = f"{os.getpid() % 10000:04d}{random.randrange(100):02d}"
        self.ns = f"sy-b-{tag}"
        self.veth_a, self.veth_b = f"sya{tag}", f"syb{tag}"
        subnet = random.randrange(1, 250)
        self.a, self.b = f"10.213.{subnet}.1", f"10.213.{subnet}.2"
        ip("netns", "add", self.ns)
        try:
            ip("link", "add", self.veth_a, "type", "veth", "peer", "name", self.veth_b)
            ip("link", "set", self.veth_b, "netns", self.ns)
            ip("addr", "add", f"{self.a}/24", "dev", self.veth_a)
            ip("link", "set", self.veth_a, "up")
            self.in_b("ip", "addr", "add", f"{self.b}/24", "dev", self.veth_b)
            self.in_b("ip", "link", "set", self.veth_b, "up")
            self.in_b("ip", "link", "set", "lo", "up")
        except BaseException:
            self.remove()
            raise

    def in_b(self, *command):
        return subprocess.run(["ip", "netns", "exec", self.ns, *command], check=True, capture_output=True, text=True)

    def cut(self):
        ip("link", "set", self.veth_a, "down")

    def mend(self):
        ip("link", "set", self.veth_a, "up")

    def remove(self):
        ip("link", "delete", self.veth_a, check=False)
        ip("netns", "delete", self.ns, check=False)


def user_on(partitions, count):
    """A username whose partition (of `count`) is in `partitions`."""
    while True:
        name = f"ns-{uuid.uuid4().hex[:8]}"
        if fnv1a(name) % count in partitions:
            return name


@pytest.mark.skipif(not namespaces_usable(), reason="network namespaces need root and iproute2")
def test_a_host_cut_off_stops_serving_within_its_lease_and_rejoins():
    hosts = TwoHosts()
    fleet = None
    streamers = []
    try:
        fleet = TwoHostFleet("switchyard-ns-", hosts.a, hosts.b, run_on_b=("ip", "netns", "exec", hosts.ns),
                             extra_fleet={"localAddress": hosts.a})
        health = fleet.wait(settled, what="a healthy two-host fleet")
        w2 = workers(health)["w2"]
        assert w2["commandEndpoint"].startswith(f"tcp://{hosts.b}:")
        assert workers(health)["w1"]["commandEndpoint"].startswith(f"tcp://{hosts.a}:")
        owned_by_w2 = w2["partitions"]
        assert owned_by_w2 and health["links"]["security"] == "curve"
        # Users on both hosts' partitions.
        streamers = [StepStreamer([fleet.ws], [f"ns-{uuid.uuid4().hex[:8]}" for _ in range(4)]) for _ in range(3)]
        for s in streamers:
            s.start()

        def progress(more=30):
            targets = [s.ack_count + more for s in streamers]
            poll(lambda: all(s.error is None and s.ack_count >= t for s, t in zip(streamers, targets)),
                 timeout=90, what=f"more acks; errors {[s.error for s in streamers]}")

        progress()
        hosts.cut()
        # The fleet is unhealthy meanwhile (503), so the report is read whatever its status.
        gone = poll(lambda: (lambda h: h if workers(h)["w2"]["state"] == "exited" else None)(fleet.health()[1]),
                    timeout=30, what="the supervisor to take the cut-off worker as gone")
        # Nobody else was given w2's partitions: while w2 cannot be reached, they have no serving owner.
        assert workers(gone)["w1"]["partitions"] == workers(health)["w1"]["partitions"]
        # Inside host b, w2 itself refuses them: it fenced itself when its lease ran out.
        victim = user_on(owned_by_w2, health["partitionCount"])
        probe = hosts.in_b(
            sys.executable, os.path.join(HERE, "wire_client.py"), "--command", w2["commandEndpoint"],
            "--publish", w2["publishEndpoint"], "--key-file", os.path.join(fleet.data_a, "keys", "g1.key"),
            "--server-key", open(os.path.join(fleet.data_a, "keys", "w2.pub")).read().strip(),
            "--user", victim, "--partition", str(fnv1a(victim) % health["partitionCount"]),
            "--epoch", str(gone["epoch"]))
        assert probe.stdout.strip() == "1", f"w2 answered {probe.stdout!r} {probe.stderr!r}"
        assert "not serving until it answers" in fleet.tail(200_000)
        hosts.mend()
        fleet.wait(settled, timeout=60, what="host b back")
        progress()
    finally:
        # Whatever failed, the clients get their way back before they are asked to finish.
        hosts.mend()
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
            if fleet:
                fleet.stop()
            hosts.remove()
