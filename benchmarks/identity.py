"""Identity resolution: pairwise quality against the demo ground truth, and throughput.

    .venv/bin/python benchmarks/identity.py [--candidates 3000] [--demo-dir DIR] [--seed 7]
                                            [--auto 0.99] [--review 0.1] [--no-model]

Generates a demo stack of --candidates people into a temp dir (or reuses --demo-dir, a folder
`stagetruth demo --out` wrote), loads the two sources that hold candidate records (greenhouse,
job_boards) through the real ingest, then resolves the candidate records (with their applications, for the `application` rule) twice: the
deterministic rules alone, and rules plus the probabilistic stage (Splink on DuckDB). For each
it prints pairwise precision, recall and F1 against ground_truth/persons.csv (precision of the
merged persons is the auto band's precision: review pairs are never merged), how many pending
review pairs are true matches, the time, records per minute, and peak RSS.
Targets: F1 >= 0.97, precision >= 0.99 in the auto band, >= 500,000 records per minute.
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pipelines.identity.quality import load_demo_records, read_truth, score, score_with_pairs  # noqa: E402
from pipelines.identity.resolve import resolve  # noqa: E402
from pipelines.identity.settings import load_identity_settings  # noqa: E402

AS_OF = datetime(2026, 11, 23, tzinfo=timezone.utc)
F1_TARGET, PRECISION_TARGET, SPEED_TARGET = 0.97, 0.99, 500_000


def generate(candidates: int, seed: int, root: Path) -> Path:
    from pipelines.demo.stack import generate_stack

    generate_stack(root, candidates=candidates, seed=seed, as_of=AS_OF)
    return root


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--candidates", type=int, default=3000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--demo-dir", type=Path)
    parser.add_argument("--auto", type=float, help="auto threshold (default: data/stagetruth.toml)")
    parser.add_argument("--review", type=float, help="review threshold (default: data/stagetruth.toml)")
    parser.add_argument("--no-model", action="store_true", help="rules only")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="identity-bench-") as tmp:
        t0 = time.perf_counter()
        demo = args.demo_dir or generate(args.candidates, args.seed, Path(tmp) / "demo")
        print(f"demo: {demo} ({'reused' if args.demo_dir else f'generated in {time.perf_counter() - t0:.1f} s'})")
        t0 = time.perf_counter()
        records, applications = load_demo_records(demo, Path(tmp) / "wh", AS_OF)
        print(f"loaded {records.height:,} candidate records in {time.perf_counter() - t0:.1f} s "
              f"({records.group_by('source').len().sort('source').rows()})")
        truth = read_truth(demo / "ground_truth")
        base = load_identity_settings()
        overrides = {k: v for k, v in (("auto_threshold", args.auto), ("review_threshold", args.review)) if v is not None}
        from dataclasses import replace

        runs = [("deterministic rules alone", replace(base, probabilistic=False, **overrides))]
        if not args.no_model:
            runs.append(("rules + probabilistic (Splink)", replace(base, probabilistic=True, **overrides)))
        for label, settings in runs:
            t0 = time.perf_counter()
            result = resolve(records, settings, use_decisions=False, applications=applications)
            seconds = time.perf_counter() - t0
            s = score(result.identity_link, truth)
            true_pending, pending = score_with_pairs(result.identity_link, result.identity_pair, truth)
            per_minute = records.height / seconds * 60
            print(s.line(label))
            print(f"{'':<34} auto band precision {s.precision:.4f} (target >= {PRECISION_TARGET}), "
                  f"F1 {s.f1:.4f} (target >= {F1_TARGET}); review queue: {pending:,} pairs, {true_pending:,} true matches; "
                  f"persons {result.person.height:,}")
            print(f"{'':<34} {seconds:.2f} s, {per_minute:,.0f} records/minute "
                  f"({per_minute / SPEED_TARGET:.2f}x the {SPEED_TARGET:,}/min target)")
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 / 1024
    print(f"peak RSS {rss:.2f} GiB (whole run, generation included when not reused)")


if __name__ == "__main__":
    main()
