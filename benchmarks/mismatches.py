"""Mismatch detection against the demo's ground truth: precision and recall per rule, and time.

    .venv/bin/python benchmarks/mismatches.py --candidates 3000
    .venv/bin/python benchmarks/mismatches.py --demo-dir data/demo     # an existing demo stack

Generates the demo stack (seed 7, as of 2026-11-23) unless --demo-dir is given, ingests every
source and builds a warehouse in a scratch folder, then times the stage-truth step alone
(detection, the mismatch table, stage corrections) over the warehouse's tables, and prints
precision and recall per rule against ground_truth/mismatches.csv.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import polars as pl  # noqa: E402

from pipelines import warehouse  # noqa: E402
from pipelines.build import build  # noqa: E402
from pipelines.config import Settings, SourceSettings, _preset  # noqa: E402
from pipelines.load import ingest  # noqa: E402
from pipelines.mismatches.corrections import stage_corrections  # noqa: E402
from pipelines.mismatches.detect import detect  # noqa: E402
from pipelines.mismatches.lifecycle import RESOLUTIONS, mismatch_table  # noqa: E402
from pipelines.mismatches.model import Mismatch  # noqa: E402
from pipelines.mismatches.quality import defective, ground_truth, score  # noqa: E402
from pipelines.mismatches.rules import MismatchSettings  # noqa: E402
from pipelines.schema import polars_schema  # noqa: E402

AS_OF = datetime(2026, 11, 23, tzinfo=timezone.utc)
TABLES = ("application", "stage_event", "interview", "offer", "check", "handoff", "link", "job", "candidate_record",
          "application_stage", "application_fact")


def peak_gib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--candidates", type=int, default=3000)
    parser.add_argument("--demo-dir", type=Path, help="an existing demo stack (skips generating one)")
    parser.add_argument("--keep", action="store_true", help="keep the scratch folder (printed) instead of removing it")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs of the stage-truth step (best is reported)")
    args = parser.parse_args()
    scratch = Path(tempfile.mkdtemp(prefix="stagetruth-mismatch-bench-"))
    t0 = time.perf_counter()
    if args.demo_dir:
        root = args.demo_dir.resolve()
    else:
        from pipelines.demo.stack import generate_stack

        root = scratch / "demo"
        generate_stack(root, candidates=args.candidates, seed=7, as_of=AS_OF)
    manifest = json.loads((root / "manifest.json").read_text())
    as_of = datetime.fromisoformat(manifest["as_of"].replace("Z", "+00:00"))
    t1 = time.perf_counter()
    settings = Settings(warehouse=scratch / "wh" / "stagetruth.duckdb")
    for name, entry in manifest["sources"].items():
        kind = entry["kind"]
        ingest(SourceSettings(name, kind, root / entry["path"], mapping=None if kind in ("greenhouse", "calendar") else _preset(kind),
                              internal_domains=tuple(entry.get("internal_domains", ()))), settings, loaded_at=as_of)
    t2 = time.perf_counter()
    os.environ["STAGETRUTH_DECISIONS"] = str(scratch / "decisions.duckdb")
    build(settings.warehouse, as_of=as_of)
    t3 = time.perf_counter()
    with warehouse.read_only(settings.warehouse) as con:
        tables = {t: warehouse.read_table(con, t) for t in TABLES}
    cfg = MismatchSettings()
    timings = {"detect": [], "mismatch table": [], "stage corrections": []}
    for _ in range(args.repeat):
        a = time.perf_counter()
        found = detect(tables, as_of, cfg)
        b = time.perf_counter()
        table = mismatch_table(found, tables, as_of, cfg, pl.DataFrame(schema=polars_schema(Mismatch)),
                               pl.DataFrame(schema=RESOLUTIONS))
        c = time.perf_counter()
        stage_corrections(tables["application"], tables["stage_event"], cfg.revert_within_hours)
        d = time.perf_counter()
        for name, seconds in zip(timings, (b - a, c - b, d - c)):
            timings[name].append(seconds)
    best = {k: min(v) for k, v in timings.items()}
    apps = tables["application"].height
    print(f"demo: {root} ({manifest['candidates']:,} candidates, {apps:,} applications, "
          f"{tables['stage_event'].height:,} stage events, {tables['interview'].height:,} interviews)")
    print(f"generate {t1 - t0:.1f} s, ingest {t2 - t1:.1f} s, build (with stage truth) {t3 - t2:.1f} s")
    for k, v in best.items():
        print(f"{k:>18}: {v * 1000:8.1f} ms  ({v / apps * 1e6:.2f} µs per application; best of {args.repeat})")
    total = sum(best.values())
    print(f"{'stage truth total':>18}: {total * 1000:8.1f} ms = {total / (t3 - t2):.1%} of the build; "
          f"peak RSS {peak_gib():.2f} GiB")
    print(f"mismatches: {table.height:,} ({table.height / apps:.2%} of applications)")
    with pl.Config(tbl_rows=20, tbl_width_chars=120, fmt_str_lengths=45):
        print(score(table, ground_truth(root), list(cfg.rules), defective(root)))
    if args.keep:
        print(f"scratch folder kept: {scratch}")
    else:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
