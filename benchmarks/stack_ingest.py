"""Ingest throughput of every demo source (the ATS and the tools around it) against parsing alone.

    .venv/bin/python benchmarks/stack_ingest.py [--candidates 20000] [--keep DIR] [--sources a,b] [--max-rss-gib G]

Generates the demo stack (what `stagetruth demo` writes: one hiring history as every source, each in
its own format) in a child process, reused with --keep DIR when its manifest matches. Then, per
source, in the manifest's order (or only the sources named by --sources):

1. typed parse: the source's connector steps with nothing validated or written
   (benchmarks/parse_floor.parse_typed: readers, coded readers for .ics and mail, mapping);
2. full load: `ingest(..., full=True)` into one staging store, as `stagetruth ingest --full` does;
3. a no-change reload of the same files.

Prints seconds, records, load ÷ parse per source and for the whole stack, and peak RSS. Loads use
a private decisions store. Machines here are noisy: read the ratios, not the absolute figures.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

from harness import PHASE, demo_input, peak_rss_mib, private_decisions, rss_guard, run_arguments
from parse_floor import parse_typed

from pipelines.config import Settings, SourceSettings, _preset
from pipelines.load import ingest

SEED = 7
AS_OF = datetime(2026, 11, 23, tzinfo=timezone.utc)


def sources(root: Path, manifest: dict) -> list[SourceSettings]:
    out = []
    for name, entry in manifest["sources"].items():
        kind = entry["kind"]
        mapping = None if kind in ("greenhouse", "calendar") else _preset(kind)
        out.append(SourceSettings(name, kind, root / entry["path"], mapping=mapping,
                                  internal_domains=tuple(entry.get("internal_domains", ()))))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    run_arguments(parser, candidates=20_000, data="stack")
    parser.add_argument("--sources", help="only these sources, comma-separated (names as in the manifest)")
    args = parser.parse_args()
    rss_guard(args.max_rss_gib)
    with tempfile.TemporaryDirectory(prefix="stagetruth-stack-") as scratch_dir:
        scratch = Path(scratch_dir)
        private_decisions(scratch, 0, SEED)
        root = (args.keep.resolve() if args.keep else scratch / "stack")
        PHASE[0] = "generating the stack"
        manifest, gen_s = demo_input("pipelines.demo.stack:generate_stack", root, args.candidates, SEED, AS_OF)
        mib = sum(p.stat().st_size for p in root.rglob("*") if p.is_file() and "ground_truth" not in p.parts) / 2**20
        print(f"stack: {args.candidates:,} candidates, {len(manifest['sources'])} sources, {mib:,.0f} MiB at {root}"
              + (f" (generated in {gen_s:.0f} s)" if gen_s is not None else " (reused)"), flush=True)
        settings = Settings(warehouse=scratch / "store" / "stagetruth.duckdb")
        rows = []
        chosen = sources(root, manifest)
        if args.sources:
            wanted = set(args.sources.split(","))
            unknown = wanted - {s.name for s in chosen}
            if unknown:
                parser.error(f"--sources: no source named {', '.join(sorted(unknown))} in {root / 'manifest.json'}")
            chosen = [s for s in chosen if s.name in wanted]
        for source in chosen:
            PHASE[0] = f"parsing {source.name}"
            started = time.perf_counter()
            parsed = parse_typed(source)
            parse_s = time.perf_counter() - started
            PHASE[0] = f"loading {source.name}"
            started = time.perf_counter()
            result = ingest(source, settings, loaded_at=AS_OF, full=True)
            load_s = time.perf_counter() - started
            started = time.perf_counter()
            ingest(source, settings, loaded_at=AS_OF)
            again_s = time.perf_counter() - started
            rows.append((source.name, source.kind, sum(n for _, n in parsed.values()), result.totals[0], parse_s, load_s, again_s))
            print(f"  {source.name:13} {source.kind:10} parse {parse_s:7.2f} s  load {load_s:7.2f} s  "
                  f"x parse {load_s / max(parse_s, 1e-9):5.2f}  reload {again_s:6.2f} s  records in {result.totals[0]:>10,}  "
                  f"peak RSS {peak_rss_mib():,.0f} MiB", flush=True)
        parse_total, load_total = sum(r[4] for r in rows), sum(r[5] for r in rows)
        records = sum(r[3] for r in rows)
        print(f"\nsummary ({args.candidates:,} candidates, {records:,} records in)")
        print(f"  typed parse   {parse_total:8.2f} s  {records / parse_total:10,.0f} records/s")
        print(f"  full load     {load_total:8.2f} s  {records / load_total:10,.0f} records/s   x parse {load_total / parse_total:5.2f}")
        print(f"  reload        {sum(r[6] for r in rows):8.2f} s  (nothing changed)")
        slowest = max(rows, key=lambda r: r[5])
        print(f"  slowest load  {slowest[0]} ({slowest[5]:.1f} s, {slowest[5] / load_total:.0%} of the stack)")
        print(f"  peak RSS      {peak_rss_mib():8,.0f} MiB (generation ran in a child)")


if __name__ == "__main__":
    main()
