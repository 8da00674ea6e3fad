"""Velocity and conversion KPI queries and page renders on a scaled warehouse.

Takes a built warehouse (default: the demo's data/stagetruth.duckdb; run `stagetruth demo` first),
copies it with every application (and its job, interviews and stage stays) repeated --scale times
under new keys, then prints for each KPI: its query over the whole range, with a department cut,
in business days, and the drill-down of its busiest week, each against a bare DuckDB scan of the
same columns of the same tables (the ratio is the figure to watch); then the first (cold cache)
and repeated render of the Overview, Velocity and Conversion pages under AppTest.

    .venv/bin/python benchmarks/kpi_pages.py --scale 50
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from metrics import compute, drill  # noqa: E402
from metrics.catalog import load_definitions  # noqa: E402
from pipelines import warehouse  # noqa: E402
from pipelines.schema import ALL_MODELS, warehouse_columns  # noqa: E402

# Tables whose rows are repeated, and the key columns that get a suffix per copy.
SCALED = {"application_fact": ("application_key", "job_key"), "job_fact": ("job_key",),
          "interview_fact": ("application_key", "interview_key"), "stage_span": ("application_key",)}


def scaled_copy(source: Path, target: Path, scale: int) -> Path:
    def fill(con) -> None:
        con.execute(f"ATTACH '{source}' AS src (READ_ONLY)")
        for table in ALL_MODELS:
            if table in SCALED:
                keys = ", ".join(f"t.{k} || '#' || r.i AS {k}" for k in SCALED[table])
                con.execute(f'INSERT INTO "{table}" SELECT t.* REPLACE ({keys}) FROM src."{table}" AS t, range({scale}) AS r(i)')
            else:
                con.execute(f'INSERT INTO "{table}" SELECT * FROM src."{table}"')
        con.execute("DETACH src")

    return warehouse.publish(target, fill)


def timed(fn, repeat: int = 5) -> float:
    fn()  # warm the file cache and the parsed-definition cache
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def bare_scan_sql(sql: str) -> str:
    """Read every column of every warehouse table the definition names (max of each, so the values
    are read): the floor for its query."""
    words = set(re.findall(r"[a-z_][a-z0-9_]*", sql.lower()))
    parts = []
    for table, columns in warehouse_columns().items():
        if table in words:
            used = [c for c in columns if c in words] or ["*"]
            reads = ", ".join("count(*)" if c == "*" else f"max({c}) AS {c}" for c in used)
            parts.append(f'(SELECT {reads} FROM "{table}") AS t{len(parts)}')
    return "SELECT * FROM " + ", ".join(parts)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--warehouse", type=Path, default=ROOT / "data" / "stagetruth.duckdb")
    parser.add_argument("--scale", type=int, default=50)
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "out" / "kpi_pages.duckdb")
    args = parser.parse_args()
    if not args.warehouse.exists():
        sys.exit(f"no warehouse at {args.warehouse}: run `stagetruth demo` first")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    path = scaled_copy(args.warehouse.resolve(), args.out.resolve(), args.scale)
    meta = compute.info(path)
    with warehouse.read_only(path) as con:
        apps = warehouse.query(con, "SELECT count(*) AS n FROM application_fact")["n"][0]
    print(f"scaled warehouse: {apps:,} applications ({args.scale}x) in {time.perf_counter() - started:.1f}s -> {path}")
    first = meta.first_day
    whole = compute.Filters(first, meta.last_day)
    department = replace(whole, departments=tuple(meta.options["departments"][:1]))
    business = replace(whole, business_days=True)
    print(f"{'KPI':30} {'bare scan':>10} {'range':>8} {'ratio':>6} {'cut':>8} {'business':>9} {'drill week':>11}")
    ratios = []
    for kpi in load_definitions().values():
        with warehouse.read_only(path) as con:
            bare = timed(lambda: warehouse.query(con, bare_scan_sql(kpi.sql)))
            whole_t = timed(lambda: compute.run(kpi, whole, as_of=meta.as_of, con=con))
            cut_t = timed(lambda: compute.run(kpi, department, as_of=meta.as_of, con=con))
            business_t = timed(lambda: compute.run(kpi, business, as_of=meta.as_of, con=con))
            weekly = compute.run(kpi, whole, as_of=meta.as_of, con=con).drop_nulls("week").sort("n", descending=True)
        week = weekly["week"][0] if weekly.height else None
        drill_t = timed(lambda: drill.rows(kpi, whole, as_of=meta.as_of, week=week, path=path), repeat=3)
        ratios.append(whole_t / bare)
        print(f"{kpi.name:30} {bare * 1000:8.1f}ms {whole_t * 1000:6.1f}ms {whole_t / bare:5.1f}x {cut_t * 1000:6.1f}ms "
              f"{business_t * 1000:7.1f}ms {drill_t * 1000:9.1f}ms")
    print(f"query / bare scan: median {statistics.median(ratios):.1f}x, worst {max(ratios):.1f}x (target <= 3x)")
    funnel_t = timed(lambda: drill.funnel(whole, path=path))
    print(f"funnel: {funnel_t * 1000:.1f}ms")

    import streamlit as st
    from streamlit.testing.v1 import AppTest

    os.environ["STAGETRUTH_WAREHOUSE"] = str(path)
    for page in ("pages/overview.py", "pages/velocity.py", "pages/conversion.py"):
        st.cache_data.clear()
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=300)
        at.run()  # app start and imports, on the default page
        st.cache_data.clear()
        cold = time.perf_counter()
        at.switch_page(page).run()
        cold = time.perf_counter() - cold
        warm = time.perf_counter()
        at.run()
        warm = time.perf_counter() - warm
        status = "error: " + str(at.exception[0].message) if at.exception else "ok"
        print(f"{page:22} first render {cold:5.2f}s, rerun {warm:5.2f}s (target < 1.5s) {status}")


if __name__ == "__main__":
    main()
