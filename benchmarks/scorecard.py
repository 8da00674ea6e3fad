"""The weekly scorecard on the demo warehouse, measured: computing it and writing each export.

    .venv/bin/python benchmarks/scorecard.py [--candidates 3000] [--repeat 3]

Generates the demo stack in a scratch folder (`stagetruth demo`), then for the last full week
times `build_scorecard` (every KPI over four weeks plus the data-health queries) against running
the same KPI queries alone, and each export (CSV, XLSX, HTML), printing the best of --repeat runs,
the ratio and each file's size.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def best(fn, repeat: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - started)
    return min(times), result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--candidates", type=int, default=3000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        wh = Path(scratch) / "stagetruth.duckdb"
        env = {**os.environ, "STAGETRUTH_WAREHOUSE": str(wh), "STAGETRUTH_DATA_DIR": scratch}
        started = time.perf_counter()
        subprocess.run([str(ROOT / ".venv" / "bin" / "stagetruth"), "demo", "--candidates", str(args.candidates),
                        "--out", str(Path(scratch) / "demo")], check=True, env=env, capture_output=True)
        print(f"demo of {args.candidates:,} candidates generated, ingested and built in {time.perf_counter() - started:.1f} s")
        sys.path.insert(0, str(ROOT))
        from metrics import compute, exports
        from metrics.catalog import load_definitions
        from metrics.scorecard import build_scorecard, week_label

        meta = compute.info(wh)
        week = compute.last_full_week(meta.as_of)
        window = compute.Filters(week - timedelta(weeks=3), week + timedelta(days=6))
        kpis = list(load_definitions().values())
        bare, _ = best(lambda: [compute.run(k, window, as_of=meta.as_of, path=wh) for k in kpis], args.repeat)
        full, card = best(lambda: build_scorecard(week, path=wh), args.repeat)
        print(f"week {week_label(week)}, {len(kpis)} KPIs, trust {card.health.trust}")
        print(f"KPI queries alone (4 weeks):         {bare * 1000:8.1f} ms")
        print(f"build_scorecard (KPIs + health):     {full * 1000:8.1f} ms   ratio {full / bare:.2f}x")
        for fmt in exports.FORMATS:
            took, data = best(lambda: exports.export(card, fmt), args.repeat)
            print(f"export {fmt:<5}                        {took * 1000:8.1f} ms   {len(data):>10,} bytes")


if __name__ == "__main__":
    main()
