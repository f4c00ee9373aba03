"""A peer on the fleet's ZeroMQ links cannot make a process hold a huge frame: every socket has ZMQ_MAXMSGSIZE
(`--max-wire-message-bytes`), so an oversized frame drops the peer before it is read into memory."""
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
        sock = context.socket(zmq.DEALER)
        sock.setsockopt(zmq.LINGER, 0)
        sock.connect(worker["commandEndpoint"])
        for _ in range(3):
            sock.send(b"\0" * (64 << 20))
        # A small malformed message on a fresh connection still reaches the worker (and is counted), so by then the
        # big ones have been refused, not queued.
        small = context.socket(zmq.DEALER)
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
