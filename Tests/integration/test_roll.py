"""`switchyard fleet roll` (issue 18): every worker, then every gateway, replaced one at a time by a process of
another executable while clients stream acknowledged updates through both gateways; and a roll onto a broken
executable stops after its first process and leaves the fleet serving."""
import os
import shutil
import stat
import subprocess
import uuid

import requests

from conftest import BIN
from steps_streamer import StepStreamer, finish_and_check, wait_for_progress


def roll(fleet, *args):
    return subprocess.run([BIN, "fleet", "roll", "--supervisor-url", f"http://127.0.0.1:{fleet.health_port}",
                           "--data", fleet.data, *args], capture_output=True, text=True, timeout=180)


def test_a_roll_replaces_every_process_and_loses_or_doubles_nothing(fresh_fleet, tmp_path):
    fleet = fresh_fleet(workers=2, partitions=8, gateways=2)
    new_binary = str(tmp_path / "switchyard-next")
    shutil.copy2(BIN, new_binary)
    urls = [fleet.ws, f"ws://127.0.0.1:{fleet.ws_port + fleet.stride}"]
    streamers = [StepStreamer(urls[i % 2:] + urls[:i % 2], [f"roll-{uuid.uuid4().hex[:8]}" for _ in range(3)])
                 for i in range(4)]
    for s in streamers:
        s.start()
    try:
        wait_for_progress(streamers)
        out = roll(fleet, "--binary", new_binary)
        assert out.returncode == 0, out.stdout + out.stderr
        assert "roll: finished" in out.stdout
        # Clients on a replaced gateway reconnected (to either) and carry on.
        wait_for_progress(streamers)
    finally:
        finish_and_check(fleet, streamers)
    health = fleet.health()[1]
    assert health["roll"]["state"] == "finished"
    assert sorted(health["roll"]["replaced"]) == ["g1", "g2", "w1", "w2"]
    assert all(p["executable"] == new_binary for p in health["processes"]), health["processes"]
    # Every worker has its share again.
    assert sorted(len(p["partitions"]) for p in health["processes"] if p["role"] == "worker") == [4, 4]


def test_a_roll_onto_a_broken_binary_stops_after_the_first_process_and_the_fleet_serves(fresh_fleet, tmp_path):
    fleet = fresh_fleet(workers=2, partitions=4)
    broken = tmp_path / "switchyard-broken"
    broken.write_text("#!/bin/sh\necho 'this build is broken' >&2\nexit 1\n")
    broken.chmod(broken.stat().st_mode | stat.S_IXUSR)
    before = {p["id"]: p["executable"] for p in fleet.health()[1]["processes"]}
    out = roll(fleet, "--binary", str(broken))
    assert out.returncode == 1, out.stdout + out.stderr
    assert "roll stopped: w1 exited when started from" in out.stdout and "this build is broken" in out.stdout
    fleet.wait_healthy(predicate=lambda h: h["roll"]["state"] == "failed"
                       and all(p["healthy"] and p["partitions"] for p in h["processes"] if p["role"] == "worker"))
    health = fleet.health()[1]
    assert health["roll"]["replaced"] == [] and health["roll"]["waiting"] == ["w2", "g1"]
    assert {p["id"]: p["executable"] for p in health["processes"]} == before
    assert any("the last fleet roll stopped" in w for w in health["warnings"])
    r = requests.get(f"{fleet.http}/users/nobody/steps", timeout=10)
    assert r.status_code in (200, 404), r.text
    # Refused at once: a relative path, a file that is not executable, an unknown role.
    for args in (["--binary", "relative/switchyard"], ["--binary", os.devnull], ["--binary", BIN, "--only", "x"]):
        refused = roll(fleet, "--no-wait", *args)
        assert refused.returncode != 0, args
    api = f"http://127.0.0.1:{fleet.health_port}/fleet/roll"
    assert requests.post(api, json={"binary": BIN}, timeout=10).status_code == 401
