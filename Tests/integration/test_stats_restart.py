"""Kill -9 the workers after 201s: every recorded session is still there after the restart, counted once."""
import os
import signal
import uuid

import requests


def test_recorded_sessions_survive_killed_workers(fresh_fleet):
    fleet = fresh_fleet(workers=2)
    users = [str(uuid.uuid4()) for _ in range(16)]  # spread over partitions of both workers
    course = str(uuid.uuid4())
    recorded = {}
    for n, user in enumerate(users):
        for k in range(3):
            session = str(uuid.uuid4())
            payload = {"sessionId": session, "totalModulesStudied": k + 1, "averageScore": 10 * (n + k),
                       "timeStudied": 100.5 * (k + 1)}
            r = requests.post(f"{fleet.stats}/courses/{course}", json=payload, headers={"X-User-Id": user},
                              timeout=10)
            assert r.status_code == 201, r.text
            recorded.setdefault(user, []).append(payload)

    victims = {w: fleet.process(w)["pid"] for w in ("w1", "w2")}
    for pid in victims.values():
        os.kill(pid, signal.SIGKILL)
    fleet.wait_healthy(predicate=lambda h: all(
        p["restarts"] >= 1 and p["pid"] != victims[p["id"]] for p in h["processes"] if p["id"] in victims))

    for user, sessions in recorded.items():
        headers = {"X-User-Id": user}
        for payload in sessions:
            r = requests.get(f"{fleet.stats}/courses/{course}/sessions/{payload['sessionId']}", headers=headers,
                             timeout=10)
            assert r.status_code == 200 and r.json() == payload, (user, r.text)
            # A client that never saw its 201 retries: answered again, not counted twice.
            r = requests.post(f"{fleet.stats}/courses/{course}", json=payload, headers=headers, timeout=10)
            assert r.status_code == 201 and r.json() == payload
        modules = sum(p["totalModulesStudied"] for p in sessions)
        r = requests.get(f"{fleet.stats}/courses/{course}", headers=headers, timeout=10)
        assert r.status_code == 200
        assert r.json() == {
            "totalModulesStudied": modules,
            "averageScore": sum(p["averageScore"] * p["totalModulesStudied"] for p in sessions) / modules,
            "timeStudied": sum(p["timeStudied"] for p in sessions),
        }
