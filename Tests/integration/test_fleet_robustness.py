"""Bad input between processes and a gateway without workers: counted or answered, never fatal."""
import json
import re
import subprocess
import uuid

import requests
import zmq
from websockets.sync.client import connect

from conftest import BIN, free_port, poll


def malformed_count(fleet, process_id):
    text = requests.get(f"http://127.0.0.1:{fleet.health_port}/metrics", timeout=5).text
    m = re.search(r'switchyard_wire_malformed_dropped_total\{[^}]*id="%s"[^}]*\} (\S+)' % process_id, text)
    return float(m.group(1)) if m else 0.0


def test_malformed_messages_to_a_worker_are_dropped_counted_and_harmless(fleet):
    worker = fleet.process("w1")
    before = malformed_count(fleet, "w1")
    ctx = zmq.Context()
    # An insider (a fleet key): a stranger's garbage never gets past the handshake (test_link_security.py).
    sock = fleet.as_process(ctx.socket(zmq.DEALER), "g1", "w1")
    sock.setsockopt(zmq.LINGER, 500)
    sock.connect(worker["commandEndpoint"])
    garbage = [
        [b""],
        [b"hello"],
        [b"SY\x01\x01\x01\x00\x00\x00" + b"\x00" * 24 + b"\x02g/", b"\x01"],  # origin breaks the rules
        [b"SY\x01\x03\x00\x00\x00\x00" + b"\x00" * 24 + b"\x02g1", b"", b"extra frame"],
        [b"SY\x09" + b"\x00" * 40, b""],  # unknown version
        [b"XX" + b"\x00" * 40, b""],
        [b"\x00" * 100000],
    ]
    for frames in garbage:
        sock.send_multipart(frames)
    poll(lambda: malformed_count(fleet, "w1") >= before + len(garbage), what="the drops to be counted")
    sock.close()
    ctx.term()
    code, body = fleet.health()
    assert code == 200 and next(p for p in body["processes"] if p["id"] == "w1")["restarts"] == 0
    name = f"after-garbage-{uuid.uuid4().hex[:6]}"
    with connect(fleet.ws + "/?ack=1") as ws:
        ws.send(json.dumps({"update_id": "1", "username": name, "ts": 1, "newSteps": 1}))
        assert json.loads(ws.recv(timeout=15))["$type"] == "ack"


def test_gateway_without_a_fleet_answers_503_json():
    port = free_port()
    stats_port = free_port()
    proc = subprocess.Popen(
        [BIN, "gateway", "--id", "g9", "--supervisor", f"tcp://127.0.0.1:{free_port()}", "--listen-host",
         "127.0.0.1", "--steps-http-port", str(port), "--steps-ws-port", str(free_port()),
         "--stats-http-port", str(stats_port), "--presence-port", str(free_port()), "--lobby-port", str(free_port()),
         "--request-timeout-ms", "300", "--insecure-links"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        # A Response is falsy for error statuses; wrap it so the first answer ends the poll.
        (r,) = poll(lambda: [requests.get(f"http://127.0.0.1:{port}/users/jenna/steps", timeout=5)],
                    what="the lone gateway to listen")
        assert r.status_code == 503
        assert r.headers["content-type"].startswith("application/json")
        assert "error" in r.json()
        r = requests.get(f"http://127.0.0.1:{stats_port}/courses/{uuid.uuid4()}",
                         headers={"X-User-Id": str(uuid.uuid4())}, timeout=5)
        assert r.status_code == 503
        assert r.headers["content-type"].startswith("application/json")
        assert r.json()["error"].startswith("Service unavailable")
    finally:
        proc.terminate()
        try:
            code = proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
            code = "hung"
        assert code == 0, f"the lone gateway did not stop cleanly on SIGTERM ({code})"


def test_the_log_level_reaches_every_child(fresh_fleet):
    fleet = fresh_fleet(workers=1, partitions=4, extra=("--log-level", "warning"))
    # A request through the gateway to the worker, so that both have had something to say.
    assert requests.get(f"{fleet.http}/users/nobody/steps", timeout=10).status_code == 404
    log = fleet.tail(1_000_000)
    children = [line for line in log.splitlines()
                if " info switchyard.gateway" in line or " info switchyard.worker" in line]
    assert children == [], children[:3]
    # A level that does not exist is refused with the setting's name.
    out = subprocess.run([BIN, "up", "--log-level", "loud"], capture_output=True, text=True, timeout=30)
    assert out.returncode != 0 and "--log-level" in out.stderr
