"""The fleet page at GET / on the supervisor's port (issue 16, point 5), loaded in headless Chromium (Debian's
package) against a live fleet: it shows every process and which worker holds which partition, and follows the
fleet when a worker is added through the control API. On a failure the test keeps a screenshot of the page."""
import os
import re
import shutil
import subprocess
import tempfile

import pytest
import requests

from conftest import poll

CHROMIUM = shutil.which("chromium")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (.ci/run installs it)")


def browser(url, *extra):
    """What headless Chromium makes of `url` once its scripts ran (up to 3 s of virtual time)."""
    with tempfile.TemporaryDirectory(prefix="switchyard-chromium-") as profile:
        out = subprocess.run(
            [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", f"--user-data-dir={profile}",
             "--virtual-time-budget=3000", *extra, url], capture_output=True, text=True, timeout=60)
    return out.stdout


def dom(url):
    return browser(url, "--dump-dom")


def screenshot(url, name):
    """Keeps a picture of the page for a failed test, and says where."""
    folder = os.environ.get("SWITCHYARD_ARTIFACTS", tempfile.gettempdir())
    os.makedirs(folder, exist_ok=True)
    path = os.path.join(folder, name)
    browser(url, "--window-size=1200,1000", f"--screenshot={path}")
    return path


def shown(html):
    """The processes and the owner of each partition, as the page shows them."""
    processes = re.findall(r'<tr data-process="([^"]+)"', html)
    owners = dict((int(p), o) for p, o in re.findall(r'data-partition="(\d+)" data-owner="([^"]*)"', html))
    return processes, owners


def test_the_page_is_self_contained(fresh_fleet):
    fleet = fresh_fleet(workers=1, partitions=4)
    r = requests.get(f"http://127.0.0.1:{fleet.health_port}/", timeout=10)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    assert "default-src 'none'" in r.headers["content-security-policy"]
    # Nothing fetched from elsewhere: no absolute URL, no protocol-relative one.
    assert not re.search(r'(src|href)\s*=\s*"(https?:)?//', r.text)


def test_the_page_shows_the_fleet_and_follows_a_worker_added_through_the_api(fresh_fleet):
    fleet = fresh_fleet(workers=2, partitions=8)
    url = f"http://127.0.0.1:{fleet.health_port}/"
    try:
        processes, owners = shown(dom(url))
        assert sorted(processes) == ["g1", "w1", "w2"]
        assert sorted(owners) == list(range(8)) and sorted(set(owners.values())) == ["w1", "w2"]

        r = fleet.api("post", "/workers", json={"id": "w3"})
        assert r.status_code == 202, r.text
        fleet.wait_healthy(predicate=lambda h: any(p["id"] == "w3" and p["partitions"] for p in h["processes"])
                           and not h["moves"])

        def page_has_w3():
            processes, owners = shown(dom(url))
            return "w3" in processes and "w3" in owners.values() and len(owners) == 8

        poll(page_has_w3, timeout=30, interval=0.5, what="the page to show w3 and its partitions")
    except Exception as error:
        error.add_note(f"the page as it was then: {screenshot(url, 'fleet-page-failure.png')}")
        raise


def test_a_protected_fleet_page_asks_for_the_token_and_works_with_it(fresh_fleet):
    fleet = fresh_fleet(workers=1, partitions=4, extra=("--protect-health",))
    url = f"http://127.0.0.1:{fleet.health_port}/"
    assert requests.get(url, timeout=10).status_code == 200  # the page itself holds no data
    assert "This fleet protects /health" in dom(url)
    processes, owners = shown(dom(f"{url}#token={fleet.control_token()}"))
    assert sorted(processes) == ["g1", "w1"] and set(owners.values()) == {"w1"}
