"""First start, measured: from no warehouse to a rendered Overview in a real browser.

    .venv/bin/python benchmarks/first_start.py [--candidates 3000]

Runs what `./run dashboard` runs on a fresh clone (generate the demo export, ingest, build,
serve) in a scratch data folder, then opens the Overview in headless Chromium and waits for the
KPI tiles and charts. Prints each phase and the total; the target is under 60 s at the default
demo size. A second, warm render of the Overview is timed too.
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", "--no-first-run", "--disable-quic"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_healthy(url: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url + "/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("streamlit did not become healthy")


def render(url: str) -> float:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=FLAGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        started = time.monotonic()
        page.goto(url)
        page.get_by_test_id("stMetricValue").first.wait_for(timeout=120_000)
        page.locator(".js-plotly-plot").nth(3).wait_for(timeout=120_000)
        elapsed = time.monotonic() - started
        if page.get_by_test_id("stException").count():
            raise RuntimeError("the Overview shows an exception")
        browser.close()
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--candidates", type=int, default=3000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        data = Path(scratch)
        env = {**os.environ, "STAGETRUTH_DATA_DIR": str(data), "STAGETRUTH_WAREHOUSE": str(data / "stagetruth.duckdb"),
               "STAGETRUTH_DEMO_DIR": str(data / "demo")}
        t0 = time.monotonic()
        subprocess.run([str(ROOT / ".venv" / "bin" / "stagetruth"), "demo", "--candidates", str(args.candidates)],
                       env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        t_demo = time.monotonic() - t0
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        t1 = time.monotonic()
        server = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"), "--server.port", str(port),
             "--server.headless", "true", "--browser.gatherUsageStats", "false", "--server.address", "127.0.0.1"],
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        try:
            wait_healthy(url)
            t_serve = time.monotonic() - t1
            t_first = render(url)
            t_warm = render(url)
        finally:
            server.terminate()
            server.wait(timeout=10)
    total = t_demo + t_serve + t_first
    print(f"candidates                  {args.candidates:,}")
    print(f"demo: generate+ingest+build {t_demo:6.1f} s")
    print(f"server start                {t_serve:6.1f} s")
    print(f"first Overview render       {t_first:6.1f} s")
    print(f"total, nothing -> Overview  {total:6.1f} s   (target < 60 s: {'met' if total < 60 else 'MISSED'})")
    print(f"warm Overview render        {t_warm:6.1f} s   (ratio warm/first {t_warm / t_first:.2f})")


if __name__ == "__main__":
    main()
