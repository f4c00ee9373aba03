"""A peer on the fleet's ZeroMQ links cannot make a process hold a huge frame: every socket has ZMQ_MAXMSGSIZE
(`--max-wire-message-bytes`), so an oversized frame drops the peer before it is read into memory. The peers here hold
a fleet key (a stranger gets no further than the handshake, test_link_security.py): these are the limits that hold
even for an insider."""
import os
import struct

import zmq

from conftest import poll


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("VmRSS:"))


def test_oversized_frames_to_a_worker_are_dropped_unread(fresh_fleet):
    fleet = fresh_fleet(workers=1, partitions=4, extra=("--max-wire-message-bytes", str(1 << 20)))
    worker = fleet.process("w1")
    before = rss_kib(worker["pid"])
    context = zmq.Context()
    try:
        sock = fleet.as_process(context.socket(zmq.DEALER), "g1", "w1")
        sock.setsockopt(zmq.LINGER, 0)
        sock.connect(worker["commandEndpoint"])
        for _ in range(3):
            sock.send(b"\0" * (64 << 20))
        # A small malformed message on a fresh connection still reaches the worker (and is counted), so by then the
        # big ones have been refused, not queued.
        small = fleet.as_process(context.socket(zmq.DEALER), "g1", "w1")
        small.setsockopt(zmq.LINGER, 0)
        small.connect(worker["commandEndpoint"])
        malformed = worker["malformed"]

        def counted():
            small.send(b"not a switchyard message")
            return fleet.process("w1")["malformed"] > malformed
        poll(counted, timeout=30, what="the worker to count a small malformed message")
        after = rss_kib(worker["pid"])
        assert after - before < 32 * 1024, (before, after)
        assert fleet.process("w1")["restarts"] == 0 and fleet.health()[0] == 200
    finally:
        context.destroy(linger=0)


def fetch(sock, partition, epoch, origin):
    """A `fetch` (docs/protocol.md §5.5) as a stranger would build it: header then `u64 offset`; the chunk's status."""
    header = (b"SY" + bytes([1, 9, 0, 0]) + struct.pack(">HQQQ", partition, epoch, 1, 0)
              + bytes([len(origin)]) + origin.encode())
    sock.send_multipart([header, struct.pack(">Q", 0)])
    if not sock.poll(10_000):
        raise AssertionError("no chunk within 10 s")
    frames = sock.recv_multipart()
    return frames[-1][0]


def test_a_partition_file_is_served_only_to_the_new_home_the_map_names(fresh_fleet):
    fleet = fresh_fleet(workers=2, partitions=4)
    _, health = fleet.health()
    w1 = fleet.process("w1")
    other = next(p for p in health["processes"] if p["id"] == "w2")["partitions"][0]
    context = zmq.Context()
    try:
        sock = fleet.as_process(context.socket(zmq.DEALER), "w2", "w1")
        sock.setsockopt(zmq.LINGER, 0)
        sock.connect(w1["commandEndpoint"])
        # No transfer of this partition is under way: refused (status 3), whoever the request says it is from.
        for origin in ("w1", "w2", "mallory"):
            assert fetch(sock, other, health["epoch"], origin) == 3
        # A request from a map newer than the worker's is asked to come back later (status 1), not served.
        assert fetch(sock, other, 2 ** 63, "w2") == 1
        assert not [f for f in os.listdir(fleet.data) if f.endswith(".outgoing")]
    finally:
        context.destroy(linger=0)
