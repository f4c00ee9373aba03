"""The supervisor's control API needs the fleet's control token (docs/operations.md, "The control API")."""
import os
import stat
import subprocess

import requests

from conftest import BIN, poll


def call(fleet, method, path, token=None):
    headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
    return requests.request(method, f"http://127.0.0.1:{fleet.health_port}{path}", headers=headers, timeout=10)


def test_the_control_api_refuses_a_missing_or_wrong_token_and_takes_the_right_one(fresh_fleet):
    fleet = fresh_fleet(workers=1, partitions=4)
    path = os.path.join(fleet.data, "control.token")
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    for token in (None, "", "not-the-token-at-all", fleet.control_token() + "x"):
        r = call(fleet, "post", "/workers", token)
        assert r.status_code == 401, (token, r.text)
        assert "control token" in r.json()["error"] and r.headers["WWW-Authenticate"].startswith("Bearer")
        assert call(fleet, "delete", "/workers/w1", token).status_code == 401
    # Nothing changed, and /health and /metrics stay readable without it.
    health = requests.get(f"http://127.0.0.1:{fleet.health_port}/health", timeout=10).json()
    assert [p["id"] for p in health["processes"] if p["role"] == "worker"] == ["w1"]
    assert requests.get(f"http://127.0.0.1:{fleet.health_port}/metrics", timeout=10).status_code == 200
    # The CLI finds the token in the data folder; the API takes it.
    out = subprocess.run([BIN, "fleet", "add-worker", "--supervisor-url", f"http://127.0.0.1:{fleet.health_port}",
                          "--data", fleet.data, "--id", "w2"], capture_output=True, text=True, timeout=30)
    assert out.returncode == 0, out.stdout + out.stderr
    poll(lambda: any(p["id"] == "w2" for p in fleet.health()[1]["processes"]), what="w2 to be added")
    # Without the token file the CLI is refused, and says so.
    out = subprocess.run([BIN, "fleet", "remove-worker", "--supervisor-url", f"http://127.0.0.1:{fleet.health_port}",
                          "--data", "/nonexistent", "w2"], capture_output=True, text=True, timeout=30)
    assert out.returncode != 0 and "control token" in out.stdout


def test_a_token_from_the_environment_and_a_protected_health(fresh_fleet):
    token = "an-operator-chosen-control-token"
    fleet = fresh_fleet(workers=1, partitions=4, extra=("--protect-health",),
                        env={"SWITCHYARD_CONTROL_TOKEN": token})
    assert not os.path.exists(os.path.join(fleet.data, "control.token"))
    assert call(fleet, "get", "/health").status_code == 401
    assert call(fleet, "get", "/metrics").status_code == 401
    assert call(fleet, "get", "/health", token).status_code == 200
    r = subprocess.run([BIN, "fleet", "status", "--supervisor-url", f"http://127.0.0.1:{fleet.health_port}"],
                       capture_output=True, text=True, timeout=30, env={**os.environ, "SWITCHYARD_CONTROL_TOKEN": token})
    assert r.returncode == 0 and '"status":"healthy"' in r.stdout
