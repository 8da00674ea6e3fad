"""End to end in a real browser: `streamlit run` serving a real warehouse, driven by Chromium."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = ROOT / "tests" / "artifacts"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", "--no-first-run", "--disable-quic"]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian chromium is not installed (./run tests installs it as root)"),
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture()
def server(kpi_warehouse):
    port = free_port()
    env = {**os.environ, "STAGETRUTH_WAREHOUSE": str(kpi_warehouse)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"), "--server.port", str(port),
         "--server.headless", "true", "--browser.gatherUsageStats", "false", "--server.address", "127.0.0.1"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url + "/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    break
        except OSError:
            time.sleep(0.3)
    else:
        proc.kill()
        pytest.fail("streamlit did not start: " + proc.stdout.read().decode(errors="replace")[-2000:])
    yield url
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()


def test_overview_and_data_health_render_numbers_without_errors(server):
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        started = time.monotonic()
        page.goto(server)
        tile = page.get_by_test_id("stMetric").filter(has_text="Time to first response")
        tile.wait_for(timeout=60_000)
        page.get_by_test_id("stMetricValue").first.wait_for(timeout=30_000)
        page.locator(".js-plotly-plot").first.wait_for(timeout=30_000)
        rendered = time.monotonic() - started
        assert "10.0 h" in tile.inner_text()
        assert page.get_by_test_id("stException").count() == 0
        assert page.locator(".js-plotly-plot").count() == 4
        page.screenshot(path=str(ARTIFACTS / "overview.png"))
        page.get_by_role("link", name="Data health").click()
        page.get_by_text("Quarantine by source and rule").wait_for(timeout=30_000)
        assert page.get_by_test_id("stException").count() == 0
        page.screenshot(path=str(ARTIFACTS / "data_health.png"))
        browser.close()
    print(f"overview rendered in {rendered:.1f}s")


def test_clicking_a_funnel_step_shows_the_applications_behind_it(server):
    """A real plotly selection event (which AppTest cannot send) reaches the drill-down table."""
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(server)
        page.get_by_test_id("stMetric").first.wait_for(timeout=60_000)
        page.get_by_role("link", name="Conversion").click()
        page.get_by_text("Applications applied in the range, by furthest stage reached").wait_for(timeout=60_000)
        bars = page.locator(".js-plotly-plot").first.locator("g.point path")
        bars.nth(3).wait_for(timeout=30_000)
        box = bars.nth(3).bounding_box()  # applied, screened, submitted, interviewing, ...
        page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        page.mouse.down()
        page.mouse.up()
        # kpi_export: gus, hal, ivy, ann, jo reached interviewing, kim skipped it for an offer
        page.get_by_text("reached interviewing: 6 row(s)").wait_for(timeout=30_000)
        assert page.get_by_test_id("stException").count() == 0
        page.screenshot(path=str(ARTIFACTS / "conversion_drill.png"))
        browser.close()
