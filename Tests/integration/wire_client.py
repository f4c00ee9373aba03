"""The fleet's wire format (docs/protocol.md) as a test client builds it with pyzmq: headers, strings, a steps
update. Run as a script, it is an insider's probe — a socket holding a fleet key that sends one steps update to a
worker and prints the reply's status — for tests that must ask a worker from inside another network namespace."""
import argparse
import struct
import sys
import time
import uuid

import zmq


def fnv1a(text):
    """The partition hash (64-bit FNV-1a of the key's UTF-8 bytes)."""
    h = 0xcbf29ce484222325
    for b in text.encode():
        h = ((h ^ b) * 0x100000001b3) & 0xFFFFFFFFFFFFFFFF
    return h


def header(kind, product, partition, epoch, origin, correlation=1):
    return (b"SY" + bytes([1, kind, product, 0]) + struct.pack(">HQQQ", partition, epoch, correlation, 0)
            + bytes([len(origin)]) + origin.encode())


def string(text):
    data = text.encode()
    return struct.pack(">H", len(data)) + data


def steps_update(username, steps, partition, epoch, origin, correlation=1):
    """A steps `update` command (§6.1) with a fresh update id."""
    body = b"\x01" + string(username) + string(uuid.uuid4().hex) + struct.pack(">dd", 1.0, float(steps))
    return [header(1, 1, partition, epoch, origin, correlation), body]


def read_key_file(path):
    with open(path) as f:
        fields = dict(line.split(" ", 1) for line in f.read().splitlines() if line and not line.startswith("#"))
    secret = fields["secret-key"].strip().encode()
    return zmq.curve_public(secret), secret


def probe(args):
    """Sends updates of `args.user` to one worker until a reply comes back; prints its status byte (0 ok,
    1 not-owner) or `none` at the deadline."""
    public, secret = read_key_file(args.key_file)
    context = zmq.Context()
    try:
        sub = context.socket(zmq.SUB)
        dealer = context.socket(zmq.DEALER)
        for sock in (sub, dealer):
            sock.setsockopt(zmq.LINGER, 0)
            sock.curve_publickey, sock.curve_secretkey, sock.curve_serverkey = public, secret, args.server_key.encode()
        sub.setsockopt(zmq.SUBSCRIBE, f"R/{args.origin}/".encode())
        sub.connect(args.publish)
        dealer.connect(args.command)
        deadline = time.monotonic() + args.timeout
        correlation = 0
        while time.monotonic() < deadline:
            correlation += 1
            try:
                dealer.send_multipart(
                    steps_update(args.user, 1, args.partition, args.epoch, args.origin, correlation), flags=zmq.NOBLOCK)
            except zmq.Again:
                pass
            if sub.poll(200):
                frames = sub.recv_multipart()
                print(frames[1][5])
                return
        print("none")
    finally:
        context.destroy(linger=0)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--command", required=True)
    parser.add_argument("--publish", required=True)
    parser.add_argument("--key-file", required=True)
    parser.add_argument("--server-key", required=True)
    parser.add_argument("--user", required=True)
    parser.add_argument("--partition", type=int, required=True)
    parser.add_argument("--epoch", type=int, required=True)
    parser.add_argument("--origin", default="probe")
    parser.add_argument("--timeout", type=float, default=10)
    probe(parser.parse_args())
    sys.exit(0)
