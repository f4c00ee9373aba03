"""What an operator meets first (issue 16): the version, settings checked at start with errors that name them,
logs as JSON lines, a taken port named in the error and a failing process reported in /health while its restarts
back off, and `fleet status` failing when it cannot reach the supervisor."""
import contextlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import time

import requests

from conftest import BIN, Fleet, free_port, poll


def run(*args, timeout=30):
    return subprocess.run([BIN, *args], capture_output=True, text=True, timeout=timeout)


def test_version_names_the_release_and_the_commit():
    out = run("--version")
    assert out.returncode == 0, out.stderr
    assert re.fullmatch(r"switchyard \d+\.\d+\.\d+ \(commit ([0-9a-f]{12}(-modified)?|unknown)\)\n", out.stdout), \
        out.stdout


def test_settings_out_of_range_are_refused_at_start_by_name():
    cases = [
        (["up", "--steps-http-port", "70000"], "--steps-http-port must be a port number, 1…65535 (got 70000)"),
        (["up", "--health-port", "0"], "--health-port must be a port number, 1…65535 (got 0)"),
        (["up", "--heartbeat-ms", "0"], "--heartbeat-ms must be at least 1 millisecond (got 0)"),
        (["up", "--gateways", "2", "--lobby-port", "60000"], "--lobby-port plus --port-stride for gateway 2"),
        (["up", "--log-level", "loud"], "--log-level must be one of"),
        (["up", "--log-format", "xml"], "--log-format must be text or json"),
        (["up", "--products", "steps,chess"], "--products must list some of"),
        (["gateway", "--id", "g1", "--supervisor", "tcp://127.0.0.1:1", "--insecure-links", "--stats-http-port",
          "65536"], "--stats-http-port must be a port number"),
        (["worker", "--id", "w1", "--supervisor", "tcp://127.0.0.1:1", "--insecure-links", "--heartbeat-ms=-5"],
         "--heartbeat-ms must be at least 1 millisecond"),
    ]
    for args, message in cases:
        out = run(*args, "--data", "/nonexistent/never-created")
        assert out.returncode != 0, args
        assert message in out.stderr, (args, out.stderr)


def config(*args, env=None):
    out = subprocess.run([BIN, "config", *args], capture_output=True, text=True, timeout=30,
                         env={**os.environ, **(env or {})})
    rows = {}
    for line in out.stdout.splitlines()[1:]:
        name, value, source = re.match(r"(\S+)\s+(.*?)\s{2,}(.+)$", line).groups()
        rows[name] = (value, source)
    return out, rows


def test_settings_come_from_the_command_line_then_the_environment_then_a_file_then_the_defaults(tmp_path):
    settings = tmp_path / "settings.json"
    settings.write_text(json.dumps({"workers": 5, "log-level": "error", "partitions": 8, "insecure-links": True}))
    env = {"SWITCHYARD_LOG_LEVEL": "debug", "SWITCHYARD_STEPS_HTTP_PORT": "18080", "SWITCHYARD_WORKERS": "3"}
    out, rows = config("up", "--config", str(settings), "--workers", "4", env=env)
    assert out.returncode == 0, out.stderr
    assert rows["--workers"] == ("4", "command line")
    assert rows["--log-level"] == ("debug", "environment SWITCHYARD_LOG_LEVEL")
    assert rows["--steps-http-port"] == ("18080", "environment SWITCHYARD_STEPS_HTTP_PORT")
    assert rows["--partitions"] == ("8", f"file {settings}")
    assert rows["--insecure-links"] == ("true", f"file {settings}")
    assert rows["--lobby-port"] == ("9000", "default")
    # A value from a layer is checked like one from the command line, and the message names the setting.
    out, _ = config("up", env={"SWITCHYARD_STEPS_HTTP_PORT": "70000"})
    assert out.returncode == 1 and "--steps-http-port must be a port number" in out.stderr, out.stderr
    settings.write_text(json.dumps({"heartbeat-ms": 0}))
    out = subprocess.run([BIN, "up", "--config", str(settings), "--data", str(tmp_path / "data")],
                         capture_output=True, text=True, timeout=30)
    assert out.returncode != 0 and "--heartbeat-ms must be at least 1 millisecond" in out.stderr, out.stderr
    settings.write_text("{not json")
    out = subprocess.run([BIN, "up", "--config", str(settings)], capture_output=True, text=True, timeout=30)
    assert out.returncode != 0 and f"--config {settings}" in out.stderr, out.stderr


def test_fleet_status_exits_2_when_the_supervisor_cannot_be_reached():
    out = run("fleet", "status", "--supervisor-url", f"http://127.0.0.1:{free_port()}")
    assert out.returncode == 2, (out.returncode, out.stdout, out.stderr)
    assert "cannot reach the supervisor" in out.stderr


def test_json_logs_from_every_process(tmp_path):
    # Both settings from the layers below the command line: the format from the environment, the level from a file.
    settings = tmp_path / "settings.json"
    settings.write_text(json.dumps({"log-level": "debug"}))
    fleet = Fleet(workers=1, partitions=4, extra=("--config", str(settings)), env={"SWITCHYARD_LOG_FORMAT": "json"})
    try:
        poll(lambda: all(role in fleet.tail(10_000_000) for role in ('"role":"worker"', '"role":"gateway"')),
             what="log lines of every role")
        # The fleet's banner goes to standard output as plain text; every log line is JSON.
        lines = [line for line in fleet.tail(10_000_000).splitlines() if line.startswith("{")]
    finally:
        fleet.stop()
    events = [json.loads(line) for line in lines]  # every line a JSON object, or this raises
    assert {(e["role"], e["process"]) for e in events} >= {("supervisor", "supervisor"), ("worker", "w1"),
                                                           ("gateway", "g1")}
    for e in events:
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", e["time"]), e
        assert e["level"] in {"trace", "debug", "info", "notice", "warning", "error", "critical"}
        assert isinstance(e["message"], str)
    # --log-level reaches the children too: their debug lines are there.
    assert any(e["level"] == "debug" and e["role"] == "worker" for e in events)
    launched = next(e for e in events if e["message"] == "process launched")
    assert launched["metadata"]["id"] in {"w1", "g1"} and launched["metadata"]["pid"].isdigit()


def test_a_taken_port_is_named_and_the_failing_gateway_is_reported_while_its_restarts_back_off():
    blocker = socket.socket()
    blocker.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    port = free_port()
    blocker.bind(("127.0.0.1", port))
    blocker.listen()
    fleet = Fleet(workers=1, partitions=4, extra=("--products", "stats", "--stats-http-port", str(port)), wait=False)
    try:
        expected = f"gateway g1 cannot listen on 127.0.0.1:{port} for learning stats: Address already in use"

        def gateway(at_least):
            g = fleet.process("g1")
            return g if g["quickExits"] >= at_least else None

        g = poll(lambda: gateway(3), timeout=60, what="g1 to fail three times in a row")
        assert expected in (g["lastError"] or ""), g
        assert g["lastExit"] == "exited(1)", g
        code, health = fleet.health()
        assert code == 503
        assert any(w.startswith("g1 has exited") and expected in w for w in health["warnings"]), health["warnings"]
        # Backing off: the next two failures take at least the two delays before them (0.4 s and 0.8 s).
        started = time.monotonic()
        poll(lambda: gateway(5), timeout=60, what="g1 to fail twice more")
        assert time.monotonic() - started >= 1.0
        blocker.close()
        health = fleet.wait_healthy(timeout=60)
        assert not any(w.startswith("g1 has exited") for w in health["warnings"])
    finally:
        blocker.close()
        fleet.stop()


def scrape(fleet):
    from prometheus_client.parser import text_string_to_metric_families
    text = requests.get(f"http://127.0.0.1:{fleet.health_port}/metrics", timeout=10, headers=fleet.auth()).text
    return {family.name: family for family in text_string_to_metric_families(text)}


def sample(families, family, name, **labels):
    return next((s.value for s in families[family].samples
                 if s.name == name and all(s.labels.get(k) == v for k, v in labels.items())), None)


def test_metrics_follow_the_prometheus_conventions(fresh_fleet):
    fleet = fresh_fleet(workers=1, partitions=4)
    families = scrape(fleet)
    # Parsed by Prometheus's own client library: every family typed and documented.
    for family in families.values():
        assert family.documentation, f"{family.name} has no HELP text"
        assert family.type in {"counter", "gauge", "histogram"}, family.name
        if family.type == "counter":
            assert all(s.name.endswith(("_total", "_created")) for s in family.samples), family.name
    assert families["switchyard_process_restarts"].type == "counter"
    assert families["switchyard_processed"].type == "counter"
    assert families["switchyard_process_up"].type == "gauge"
    assert families["switchyard_partition_move_duration_seconds"].type == "histogram"
    assert sample(families, "switchyard_process_up", "switchyard_process_up", id="w1") == 1

    # Counts grow with the work done; a restarted process is counted as restarted.
    before = sample(families, "switchyard_processed", "switchyard_processed_total", id="w1")
    for n in range(20):
        requests.get(f"{fleet.http}/users/metrics-{n}/steps", timeout=10)
    poll(lambda: sample(scrape(fleet), "switchyard_processed", "switchyard_processed_total", id="w1") >= before + 20,
         what="w1's processed_total to count the reads")
    victim = fleet.process("w1")
    os.kill(victim["pid"], 9)
    fleet.wait_healthy(predicate=lambda h: next(p for p in h["processes"] if p["id"] == "w1")["pid"] != victim["pid"])
    restarts = sample(scrape(fleet), "switchyard_process_restarts", "switchyard_process_restarts_total", id="w1")
    assert restarts == 1

    # Each partition move is one observation of the move-duration histogram.
    assert fleet.api("post", "/workers", json={"id": "w2"}).status_code == 202
    fleet.wait_healthy(predicate=lambda h: any(p["id"] == "w2" and p["partitions"] for p in h["processes"])
                       and not h["moves"])
    families = scrape(fleet)
    finished = sample(families, "switchyard_partition_moves_finished", "switchyard_partition_moves_finished_total")
    observed = sample(families, "switchyard_partition_move_duration_seconds",
                      "switchyard_partition_move_duration_seconds_count")
    assert finished >= 2 and observed == finished


def test_open_connections_are_shown_per_product(fresh_fleet):
    from websockets.sync.client import connect
    fleet = fresh_fleet(workers=1, partitions=4)

    def open_steps():
        return sample(scrape(fleet), "switchyard_gateway_open_connections", "switchyard_gateway_open_connections",
                      id="g1", product="steps")

    assert open_steps() in (None, 0)
    with contextlib.ExitStack() as sockets:
        for _ in range(3):
            sockets.enter_context(connect(fleet.ws))
        poll(lambda: open_steps() == 3, what="three steps connections in /metrics")
        assert fleet.process("g1")["stepsConnections"] == 3
        lobby = sample(scrape(fleet), "switchyard_gateway_open_connections", "switchyard_gateway_open_connections",
                       id="g1", product="lobby")
        assert lobby in (None, 0)
    poll(lambda: open_steps() in (None, 0), what="the steps connections to be gone from /metrics")


def test_every_product_is_measured_at_the_gateway_and_at_the_worker(fresh_fleet):
    """Messages in and out, request and fleet-reply latency per product at the gateway; commands applied per product,
    transaction sizes, commit and syncfs durations at the worker: all carried by heartbeats into /metrics."""
    import json
    import uuid
    from websockets.sync.client import connect
    fleet = fresh_fleet(workers=1, partitions=4, env={"ACCESS_KEY": "k-1", "ACCESS_KEY_SYSTEM": "sys-7"})
    updates = 10
    with connect(f"{fleet.ws}/?ack=1") as ws:
        for n in range(updates):
            ws.send(json.dumps({"update_id": str(uuid.uuid4()), "username": f"measured-{n % 3}", "ts": 1,
                                "newSteps": 5}))
        acks = [json.loads(ws.recv(timeout=30)) for _ in range(updates)]
    assert all("ack" in json.dumps(a) for a in acks), acks
    assert requests.get(f"{fleet.http}/users/measured-0/steps", timeout=10).status_code == 200
    for course in (uuid.uuid4(), uuid.uuid4()):
        r = requests.post(f"{fleet.stats}/courses/{course}", headers={"X-User-Id": str(uuid.uuid4())}, timeout=10,
                          json={"sessionId": str(uuid.uuid4()), "totalModulesStudied": 1, "averageScore": 50,
                                "timeStudied": 10})
        assert r.status_code == 201, r.text
    r = requests.post(f"{fleet.presence}/users/ping", params={"key": "k-1"}, json={"id": "u1", "status": "busy"},
                      timeout=10)
    assert r.status_code == 200, r.text
    with connect(f"ws://{fleet.lobby}/lobby_api") as ws:
        ws.send(json.dumps({"$type": "login", "username": "admin", "password": "admin"}))
        ws.recv(timeout=30)

    def measured():
        families = scrape(fleet)

        def total(family, name, **labels):
            return sample(families, family, name, **labels) or 0
        return {
            "steps in": total("switchyard_gateway_messages_received", "switchyard_gateway_messages_received_total",
                              id="g1", product="steps"),
            "steps out": total("switchyard_gateway_messages_sent", "switchyard_gateway_messages_sent_total",
                               id="g1", product="steps"),
            "stats out": total("switchyard_gateway_messages_sent", "switchyard_gateway_messages_sent_total",
                               id="g1", product="stats"),
            "lobby in": total("switchyard_gateway_messages_received", "switchyard_gateway_messages_received_total",
                              id="g1", product="lobby"),
            "stats requests": total("switchyard_gateway_request_duration_seconds",
                                    "switchyard_gateway_request_duration_seconds_count", id="g1", product="stats"),
            "steps replies": total("switchyard_gateway_fleet_reply_duration_seconds",
                                   "switchyard_gateway_fleet_reply_duration_seconds_count", id="g1", product="steps"),
            "steps applied": total("switchyard_worker_commands_applied", "switchyard_worker_commands_applied_total",
                                   id="w1", product="steps"),
            "stats applied": total("switchyard_worker_commands_applied", "switchyard_worker_commands_applied_total",
                                   id="w1", product="stats"),
            "presence applied": total("switchyard_worker_commands_applied",
                                      "switchyard_worker_commands_applied_total", id="w1", product="presence"),
            "transactions": total("switchyard_worker_transaction_commands",
                                  "switchyard_worker_transaction_commands_count", id="w1"),
            "commands in transactions": total("switchyard_worker_transaction_commands",
                                              "switchyard_worker_transaction_commands_sum", id="w1"),
            "commits": total("switchyard_worker_commit_duration_seconds",
                             "switchyard_worker_commit_duration_seconds_count", id="w1"),
            "syncs": total("switchyard_worker_sync_duration_seconds", "switchyard_worker_sync_duration_seconds_count",
                           id="w1"),
        }

    minimums = {"steps in": updates, "steps out": updates + 1, "stats out": 2, "lobby in": 1, "stats requests": 2,
                "steps replies": updates + 1, "steps applied": updates + 1, "stats applied": 2,
                "presence applied": 1, "transactions": 1, "commits": 1, "syncs": 1}
    poll(lambda: all(measured()[k] >= v for k, v in minimums.items()),
         what="every product's figures in /metrics")
    figures = measured()
    assert figures["commands in transactions"] >= figures["steps applied"] + figures["stats applied"]
    families = scrape(fleet)
    histogram = families["switchyard_gateway_request_duration_seconds"]
    assert histogram.type == "histogram" and histogram.documentation
    # Buckets are cumulative and end in +Inf, which equals the count.
    buckets = [(float(s.labels["le"]), s.value) for s in histogram.samples
               if s.name.endswith("_bucket") and s.labels.get("product") == "stats"]
    assert buckets == sorted(buckets) and buckets[-1][0] == float("inf")
    assert buckets[-1][1] == sample(families, "switchyard_gateway_request_duration_seconds",
                                    "switchyard_gateway_request_duration_seconds_count", id="g1", product="stats")
    # Gateways report no worker families and workers no gateway ones.
    assert sample(families, "switchyard_worker_commands_applied", "switchyard_worker_commands_applied_total",
                  id="g1", product="steps") is None
    assert sample(families, "switchyard_gateway_messages_received", "switchyard_gateway_messages_received_total",
                  id="w1", product="steps") is None


def test_a_stopped_fleet_stops_every_child_in_order_and_keeps_their_last_words():
    """The supervisor reads the children's standard error through a pipe: the pipe stays drained while they stop,
    so each finishes its own shutdown (exit 0, its last log line passed on) instead of dying of a closed pipe."""
    fleet = Fleet(workers=2, partitions=4)
    try:
        fleet.proc.send_signal(signal.SIGTERM)
        assert fleet.proc.wait(timeout=30) == 0
        log = fleet.tail(10_000_000)
        for process in ("w1", "w2", "g1"):
            assert f"id={process} status=exited(0)" in log, log[-3000:]
        assert "signaled" not in log
        assert log.count("worker stopped") == 2
    finally:
        if fleet.proc.poll() is None:
            fleet.proc.kill()
        fleet.log.close()
        shutil.rmtree(fleet.data, ignore_errors=True)


def test_a_killed_supervisor_leaves_no_strays_and_its_workers_close_their_files():
    """Children started with --exit-when-orphaned notice within a heartbeat or two that their supervisor is gone,
    stop their services in order (a worker checkpoints and closes its partition files) and exit."""
    import uuid
    fleet = Fleet(workers=2, partitions=4)
    try:
        for _ in range(20):
            r = requests.post(f"{fleet.stats}/courses/{uuid.uuid4()}", headers={"X-User-Id": str(uuid.uuid4())},
                              json={"sessionId": str(uuid.uuid4()), "totalModulesStudied": 1, "averageScore": 5,
                                    "timeStudied": 1}, timeout=10)
            assert r.status_code == 201, r.text
        children = [p["pid"] for p in fleet.health()[1]["processes"]]
        assert len(children) == 3

        def unmerged_logs():
            return [name for name in os.listdir(fleet.data)
                    if name.endswith("-wal") and os.path.getsize(os.path.join(fleet.data, name)) > 0]
        assert unmerged_logs(), "the writes should be in the partitions' write-ahead logs while the fleet runs"
        fleet.proc.kill()
        fleet.proc.wait(timeout=10)

        def alive(pid):
            try:
                with open(f"/proc/{pid}/stat") as f:
                    return f.read().rsplit(")", 1)[1].split()[0] != "Z"
            except FileNotFoundError:
                return False
        poll(lambda: not any(alive(pid) for pid in children), timeout=30, what="every child to exit")
        # Stopped in order, not killed: each partition's write-ahead log was checkpointed into its file.
        assert unmerged_logs() == []
    finally:
        if fleet.proc.poll() is None:
            fleet.proc.kill()
        fleet.log.close()
        shutil.rmtree(fleet.data, ignore_errors=True)
