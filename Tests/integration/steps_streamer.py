"""A step-tracker client that streams acknowledged updates and keeps count of what was acknowledged, for the
scaling and failover tests: it reconnects when its connection breaks and resends unacknowledged updates with the
same update_id (the fleet applies an id once), so the sum of acknowledged steps per user is what the fleet must
hold at the end."""
import json
import random
import threading
import time
import urllib.parse
import uuid

import requests
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidStatus
from websockets.sync.client import connect

from conftest import poll


class StepStreamer(threading.Thread):
    """Streams updates for its own users through `ws_urls` (tried in turn on reconnect), `window` in flight."""

    def __init__(self, ws_urls, users, window=8, resend_after=5.0, reconnect_deadline=60.0):
        super().__init__(daemon=True)
        self.ws_urls = list(ws_urls)
        self.users = list(users)
        self.window = window
        self.resend_after = resend_after
        self.reconnect_deadline = reconnect_deadline
        self.acked = {}          # update_id -> (user, steps)
        self.unacked = {}        # update_id -> (frame, user, steps, sent_at)
        self.reconnects = 0
        self.resends = 0
        self.unexpected = []     # anything but an ack for one of ours
        self.error = None
        self._stopping = threading.Event()
        self._lock = threading.Lock()
        self._rng = random.Random()

    @property
    def ack_count(self):
        with self._lock:
            return len(self.acked)

    def stop(self):
        self._stopping.set()

    def totals(self):
        """Acknowledged steps per user."""
        out = {u: 0 for u in self.users}
        with self._lock:
            for user, steps in self.acked.values():
                out[user] += steps
        return out

    def _connect(self):
        deadline = time.monotonic() + self.reconnect_deadline
        attempt = 0
        while True:
            url = self.ws_urls[attempt % len(self.ws_urls)]
            attempt += 1
            try:
                return connect(f"{url}/?ack=1", open_timeout=5, close_timeout=1).__enter__()
            except (OSError, InvalidHandshake, InvalidStatus, TimeoutError, ConnectionClosed):
                # A gateway that is stopping (a drain, a roll) may close a connection it has just accepted.
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)  # back-off between reconnect attempts, bounded by the deadline

    def _send(self, ws, update_id, frame):
        ws.send(frame)
        with self._lock:
            _, user, steps, _ = self.unacked[update_id]
            self.unacked[update_id] = (frame, user, steps, time.monotonic())

    def _reconnect(self):
        """A new connection with every unacknowledged update resent on it."""
        while True:
            self.reconnects += 1
            ws = self._connect()
            with self._lock:
                pending = [(i, e[0]) for i, e in self.unacked.items()]
            try:
                for update_id, frame in pending:
                    self.resends += 1
                    self._send(ws, update_id, frame)
                return ws
            except ConnectionClosed:
                continue

    def run(self):
        try:
            ws = self._connect()
            while True:
                stopping = self._stopping.is_set()
                with self._lock:
                    in_flight = len(self.unacked)
                if stopping and in_flight == 0:
                    break
                try:
                    if not stopping and in_flight < self.window:
                        update_id = str(uuid.uuid4())
                        user = self._rng.choice(self.users)
                        steps = self._rng.randint(1, 100)
                        frame = json.dumps({"update_id": update_id, "username": user, "ts": int(time.time() * 1000),
                                            "newSteps": steps})
                        with self._lock:
                            self.unacked[update_id] = (frame, user, steps, time.monotonic())
                        self._send(ws, update_id, frame)
                        continue
                    try:
                        message = json.loads(ws.recv(timeout=0.5))
                    except TimeoutError:
                        message = None
                    if message is not None:
                        with self._lock:
                            entry = self.unacked.pop(message.get("update_id"), None)
                            if message.get("$type") == "ack" and entry is not None:
                                self.acked[message["update_id"]] = (entry[1], entry[2])
                            elif message.get("$type") == "ack" and message.get("update_id") in self.acked:
                                pass  # the ack of a resend of an update already acknowledged
                            else:
                                if entry is not None:
                                    self.unacked[message.get("update_id")] = entry
                                self.unexpected.append(message)
                    now = time.monotonic()
                    with self._lock:
                        late = [(i, e[0]) for i, e in self.unacked.items() if now - e[3] > self.resend_after]
                    for update_id, frame in late:
                        self.resends += 1
                        self._send(ws, update_id, frame)
                except ConnectionClosed:
                    ws = self._reconnect()
            ws.close()
        except Exception as e:  # reported by the test
            self.error = e


def steps_of(http_url, user):
    r = requests.get(f"{http_url}/users/{urllib.parse.quote(user, safe='')}/steps", timeout=10)
    return r.json()["cumulativeSteps"] if r.status_code == 200 else 0


def wait_for_progress(streamers, more=30, timeout=60):
    """Waits until every streamer has `more` acknowledged updates than now (and none has failed)."""
    targets = [s.ack_count + more for s in streamers]
    poll(lambda: all(s.error is None and s.ack_count >= t for s, t in zip(streamers, targets)), timeout=timeout,
         what=f"{more} more acknowledged updates from every streamer; errors: {[s.error for s in streamers]}")


def finish_and_check(fleet, streamers):
    """Stops the streamers once their updates are acknowledged, and checks every user's total on the fleet."""
    for s in streamers:
        s.stop()
    for s in streamers:
        s.join(timeout=90)
        assert not s.is_alive(), "a streamer did not finish its acknowledged updates"
        assert s.error is None, s.error
        assert s.unexpected == [], s.unexpected[:5]
    for s in streamers:
        for user, total in s.totals().items():
            assert steps_of(fleet.http, user) == total, f"{user}: acknowledged {total}"
