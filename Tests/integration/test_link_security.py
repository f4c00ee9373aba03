"""Strangers on the fleet's ZeroMQ links (issue 13): every link is CURVE, and only the fleet's keys get through the
handshake. Tried as an attacker would, with pyzmq from another process: no key, or a key of its own, cannot get a
command applied, read replies and events, fetch a partition file or be taken for a process by the supervisor; a fleet
key cannot speak for another process. Each refusal is counted in /health and /metrics."""
import os
import re
import struct
import subprocess
import uuid

import requests
import zmq
from websockets.sync.client import connect

import wire_client
from conftest import BIN, poll
from wire_client import fnv1a, header, string


def steps_update(fleet, username, steps, origin="g1"):
    """A well-formed steps `update` command (docs/protocol.md §6.1) for `username`'s partition."""
    _, health = fleet.health()
    return wire_client.steps_update(username, steps, fnv1a(username) % health["partitionCount"], health["epoch"],
                                    origin)


def hello(origin, pid, command_endpoint, publish_endpoint):
    body = bytes([2]) + struct.pack(">I", pid) + string(command_endpoint) + string(publish_endpoint)
    return [header(5, 0, 0, 0, origin), body]


def send(sock, frames):
    """Sends without waiting: a DEALER whose handshake was refused has no peer, and a blocking send would wait for
    one forever."""
    try:
        sock.send_multipart(frames, flags=zmq.NOBLOCK)
    except zmq.Again:
        pass


def stranger(context, kind, with_key, server_key=None):
    sock = context.socket(kind)
    sock.setsockopt(zmq.LINGER, 0)
    if with_key:
        sock.curve_publickey, sock.curve_secretkey = zmq.curve_keypair()
        sock.curve_serverkey = server_key
    return sock


def steps_of(fleet, username):
    r = requests.get(f"{fleet.http}/users/{username}/steps", timeout=10)
    return r.json().get("cumulativeSteps") if r.status_code == 200 else None


def metric(fleet, name, process_id):
    text = requests.get(f"http://127.0.0.1:{fleet.health_port}/metrics", timeout=5, headers=fleet.auth()).text
    m = re.search(r'%s\{[^}]*id="%s"[^}]*\} (\S+)' % (name, process_id), text)
    return float(m.group(1)) if m else None


def test_strangers_cannot_command_read_or_fetch_from_a_worker(fresh_fleet):
    fleet = fresh_fleet(workers=1, partitions=4)
    w1 = fleet.process("w1")
    w1_key = fleet.key("w1")[0]
    victim = f"victim-{uuid.uuid4().hex[:8]}"
    context = zmq.Context()
    try:
        listeners = []
        for with_key in (False, True):
            sub = stranger(context, zmq.SUB, with_key, w1_key)
            sub.setsockopt(zmq.SUBSCRIBE, b"")
            sub.connect(w1["publishEndpoint"])
            listeners.append(sub)
        for with_key in (False, True):
            dealer = stranger(context, zmq.DEALER, with_key, w1_key)
            dealer.connect(w1["commandEndpoint"])
            send(dealer, steps_update(fleet, victim, 1_000_000))
            # A fetch of a partition file (docs/protocol.md §5.5) as the worker itself would ask.
            send(dealer, [header(9, 0, 0, 2 ** 20, "w1"), struct.pack(">Q", 0)])
            listeners.append(dealer)
        # The keyed stranger's handshakes reach the worker's ZAP handler and are refused there (after the grace a key
        # not yet in the worker's map gets), and counted.
        poll(lambda: fleet.process("w1")["linkHandshakesRefused"] >= 2, what="w1 to count refused handshakes")
        assert metric(fleet, "switchyard_link_handshakes_refused_total", "w1") >= 2
        # Real traffic meanwhile: a client's acknowledged updates, whose replies the worker publishes.
        with connect(fleet.ws + "/?ack=1") as ws:
            for i in range(20):
                ws.send(f'{{"update_id": "{i}", "username": "{victim}-real", "ts": 1, "newSteps": 1}}')
                assert '"ack"' in ws.recv(timeout=15)
        assert steps_of(fleet, f"{victim}-real") == 20
        # Nothing reached the strangers, and nothing of theirs was applied.
        for sock in listeners:
            assert sock.poll(500) == 0
        assert steps_of(fleet, victim) is None
        assert not [f for f in os.listdir(fleet.data) if f.endswith(".outgoing")]
        assert fleet.process("w1")["malformed"] == 0
    finally:
        context.destroy(linger=0)


def test_the_supervisor_takes_no_stranger_and_no_impostor_for_a_process(fresh_fleet):
    fleet = fresh_fleet(workers=2, partitions=4)
    _, before = fleet.health()
    w1 = fleet.process("w1")
    supervisor_key = fleet.key("supervisor")[0]
    control = re.search(r"--supervisor (\S+)", open(f"/proc/{w1['pid']}/cmdline").read().replace("\0", " ")).group(1)
    context = zmq.Context()
    try:
        forged = hello("w1", 1, "tcp://127.0.0.1:1", "tcp://127.0.0.1:2")
        for with_key in (False, True):
            sock = stranger(context, zmq.DEALER, with_key, supervisor_key)
            sock.setsockopt(zmq.IDENTITY, b"w1.1")
            sock.connect(control)
            send(sock, forged)
            assert sock.poll(1000) == 0
        # An insider: gateway g1's own key, speaking as w1. Through the handshake, refused at the message.
        insider = fleet.as_process(context.socket(zmq.DEALER), "g1", "supervisor")
        insider.setsockopt(zmq.LINGER, 0)
        insider.setsockopt(zmq.IDENTITY, b"w1.1")
        insider.connect(control)
        insider.send_multipart(forged)
        # The stranger with a key of its own waits out the handshake grace (a key may be issued meanwhile), then is
        # refused.
        links = lambda h: h["links"]["impostorMessages"] >= 1 and h["links"]["handshakesRefused"] >= 1  # noqa: E731
        body = poll(lambda: (lambda h: h if links(h) else None)(fleet.health()[1]),
                    what="the supervisor to refuse the stranger and g1's key speaking as w1")
        assert body["links"]["security"] == "curve"
        assert insider.poll(500) == 0
        after = fleet.process("w1")
        assert (after["pid"], after["commandEndpoint"]) == (w1["pid"], w1["commandEndpoint"])
        assert fleet.health()[1]["epoch"] == before["epoch"]
        assert metric(fleet, "switchyard_link_impostor_messages_total", "supervisor") >= 1
        # The fleet still serves.
        with connect(fleet.ws + "/?ack=1") as ws:
            ws.send('{"update_id": "1", "username": "after-impostor", "ts": 1, "newSteps": 3}')
            assert '"ack"' in ws.recv(timeout=15)
    finally:
        context.destroy(linger=0)


def test_a_rotated_key_restarts_its_process_and_the_old_key_is_refused(fresh_fleet):
    fleet = fresh_fleet(workers=1, partitions=4)
    w1 = fleet.process("w1")
    old_public, _ = fleet.key("w1")
    subprocess.run([BIN, "keys", "rotate", "w1", "--data", fleet.data], check=True, capture_output=True)
    new_public, _ = fleet.key("w1")
    assert new_public != old_public
    fleet.wait_healthy(predicate=lambda h: next(p for p in h["processes"] if p["id"] == "w1")["pid"] != w1["pid"])
    listed = subprocess.run([BIN, "keys", "list", "--data", fleet.data], check=True, capture_output=True, text=True)
    assert f"w1  {new_public.decode()}  this host" in listed.stdout
    # Clients go on through the restarted worker and its new key.
    with connect(fleet.ws + "/?ack=1") as ws:
        ws.send('{"update_id": "1", "username": "after-rotation", "ts": 1, "newSteps": 2}')
        assert '"ack"' in ws.recv(timeout=30)
    assert steps_of(fleet, "after-rotation") == 2


def test_insecure_links_are_a_visible_choice(fresh_fleet):
    fleet = fresh_fleet(workers=1, partitions=2, extra=("--insecure-links",))
    _, body = fleet.health()
    assert body["links"]["security"] == "insecure"
    assert any("insecure" in w for w in body["warnings"])
    assert not os.path.exists(os.path.join(fleet.data, "keys"))
    with connect(fleet.ws + "/?ack=1") as ws:
        ws.send('{"update_id": "1", "username": "insecure", "ts": 1, "newSteps": 1}')
        assert '"ack"' in ws.recv(timeout=15)


def test_a_process_needs_a_key_or_an_explicit_insecure_flag():
    run = subprocess.run([BIN, "worker", "--id", "w9", "--supervisor", "tcp://127.0.0.1:1"], capture_output=True,
                         text=True, timeout=30)
    assert run.returncode != 0 and "--key-file" in run.stderr and "--insecure-links" in run.stderr
