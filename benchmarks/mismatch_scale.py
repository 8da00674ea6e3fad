"""Stage-truth detection at a million applications: a built warehouse's tables, copied until there
are enough applications (each copy's ids made distinct), then timed.

    .venv/bin/python benchmarks/mismatch_scale.py --applications 1000000
    .venv/bin/python benchmarks/mismatch_scale.py --applications 1000000 --warehouse data/stagetruth.duckdb

The default warehouse is the served one (`stagetruth demo` builds it). Detection reads only the
tables listed in TABLES. Every copy of the warehouse holds the same disagreements, so the scaled
run must find exactly copies × the mismatches of one copy: the script checks it. It prints the
time of the detection step and of the whole stage-truth step (mismatch table and stage corrections
included), per million applications, against the unscaled run (the ratio shows how it scales), and
the peak memory of the process.
"""

from __future__ import annotations

import argparse
import math
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import polars as pl  # noqa: E402

from pipelines import warehouse  # noqa: E402
from pipelines.mismatches.detect import detect  # noqa: E402
from pipelines.mismatches.rules import load_mismatch_settings  # noqa: E402
from pipelines.mismatches.stage_truth import derive_stage_truth  # noqa: E402
from pipelines.paths import warehouse_path  # noqa: E402

TABLES = ("application", "application_fact", "application_stage", "link", "stage_event", "identity_link", "candidate_record",
          "interview", "offer", "check", "handoff", "job", "quarantine")


def key_columns(frame: pl.DataFrame) -> list[str]:
    return [c for c, t in frame.schema.items()
            if t == pl.String and (c.endswith("_id") or c.endswith("_key") or c.endswith("_ref"))]


def replicate(frame: pl.DataFrame, copies: int) -> pl.DataFrame:
    keys = key_columns(frame)
    return pl.concat([frame.with_columns(pl.col(c) + f"~{i}" for c in keys) if i else frame for i in range(copies)])


def timed(fn):
    started = time.perf_counter()
    result = fn()
    return result, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--applications", type=int, default=1_000_000)
    parser.add_argument("--warehouse", type=Path, default=None)
    args = parser.parse_args()
    path = args.warehouse or warehouse_path()
    with warehouse.read_only(path) as con:
        base = {t: warehouse.read_table(con, t) for t in TABLES}
        as_of = warehouse.query(con, "SELECT as_of FROM build_info")["as_of"][0]
    settings = load_mismatch_settings()
    scratch = Path(tempfile.mkdtemp(prefix="stagetruth-mm-"))
    decisions = scratch / "decisions.duckdb"
    target = scratch / "none.duckdb"

    one, one_detect = timed(lambda: detect(base, as_of, settings))
    _, one_whole = timed(lambda: derive_stage_truth(base, as_of, target, settings=settings, decisions=decisions))
    copies = max(1, math.ceil(args.applications / base["application"].height))
    scaled, copy_time = timed(lambda: {t: replicate(f, copies) for t, f in base.items()})
    apps = scaled["application"].height
    found, big_detect = timed(lambda: detect(scaled, as_of, settings))
    out, big_whole = timed(lambda: derive_stage_truth(scaled, as_of, target, settings=settings, decisions=decisions))
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 / 1024

    per_million = lambda seconds, n: seconds / n * 1_000_000  # noqa: E731
    print(f"warehouse {path}: {base['application'].height:,} applications, {one.height:,} disagreements found")
    print(f"scaled x{copies}: {apps:,} applications, {scaled['stage_event'].height:,} stage events, "
          f"{scaled['link'].height:,} links (copying took {copy_time:.1f} s)")
    print(f"disagreements found: {found.height:,} (expected {one.height * copies:,}); "
          f"mismatch rows {out['mismatch'].height:,}, stage corrections {out['stage_correction'].height:,}")
    print(f"detection:         {one_detect:7.2f} s unscaled, {big_detect:7.2f} s scaled; "
          f"per million applications {per_million(one_detect, base['application'].height):6.1f} s vs "
          f"{per_million(big_detect, apps):6.1f} s")
    print(f"stage-truth step:  {one_whole:7.2f} s unscaled, {big_whole:7.2f} s scaled; "
          f"per million applications {per_million(one_whole, base['application'].height):6.1f} s vs "
          f"{per_million(big_whole, apps):6.1f} s")
    print(f"peak memory of the process: {rss:.1f} GiB")
    if found.height != one.height * copies:
        sys.exit("scaled detection found a different number of disagreements than copies x one copy")


if __name__ == "__main__":
    main()
