"""Ingest throughput: parse floor, full load, a 1% incremental load and a no-change reload, in one run.

    .venv/bin/python benchmarks/ingest.py [--candidates 100000] [--keep DIR] [--repeat 2] [--max-rss-gib G]
                                          [--erased N] [--profile cprofile|pyinstrument] [--profile-out FILE]

Generates a demo Greenhouse export (~1.1 applications per candidate; 100k candidates take ~35 s
and ~760 MB, 1M ~6 min and 7.5 GB; --keep DIR writes it there once and reuses it on later runs
with the same --candidates), then measures on the same files:

1. parse, two ways (benchmarks/parse_floor.py): the split alone (every page split into records by
   DuckDB read_json_objects plus the history CSV by read_csv, counted and nothing kept: the floor
   any reader pays), and the typed parse (every record typed into Polars columns by the
   connector's own readers, the fastest measured here; nothing validated or written);
2. full load: `ingest(..., full=True)` into a fresh staging store (target: <= 2x the typed parse;
   the ratio to the split is printed beside it);
3. a 1% incremental load: pages holding ~1% more applications, cloned from the export's first
   candidates with every id shifted to an unused range (candidates, applications, history rows,
   interviews, offers, activity feed) and written beside the existing pages; `ingest(...)` then
   reads only the new files (target: <= 5% of the full load);
4. a no-change reload: the same input again.

Prints seconds, records/s, the ratios, per-object counts from the LoadResult with each step's
time from the load log, and peak RSS. Generation runs in a child process so the RSS is the
load's own. The cloned pages are removed again at the end, so a --keep folder stays a plain
export. --profile runs one more full load under a profiler after the timed runs and prints its
top entries (pyinstrument is not a project dependency: install it into the venv to use it). The
run stops itself, saying in which phase, when its RSS passes --max-rss-gib (default 85% of the
machine's memory). Loads use a private decisions store: with --erased N it holds N suppression
keys (of nobody in the export), so every staged row is checked against an erasure list as it is
after real erasures. Machines here are noisy: read the ratios, not the absolute figures.
"""

from __future__ import annotations

import argparse
import json
import shutil
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import duckdb
import polars as pl

from pipelines.config import Settings, SourceSettings
from pipelines.load import LoadResult, ingest
from harness import ON_ABORT, PHASE, demo_input, met, peak_rss_mib, private_decisions, rss_guard, run_arguments
from parse_floor import parse_only, parse_typed

SEED = 3
AS_OF = datetime(2026, 11, 23, tzinfo=timezone.utc)
LOADED_AT = AS_OF + timedelta(days=1)
SHIFT = 500_000_000  # added to every cloned id: above any id the generator hands out within its range
CLONE = "bench-increment"  # name prefix of the cloned pages (removed at the end of a run)
PAGE = 500
JSON_OBJECTS = ("candidates", "jobs", "job_stages", "applications", "scheduled_interviews", "offers", "activity_feed")
INGEST_TARGET, INCREMENTAL_TARGET = 2.0, 0.05


# ---------------------------------------------------------------------------------- the export

def remove_clones(root: Path) -> None:
    for path in root.glob(f"*/{CLONE}-*"):
        path.unlink()


def export_files(root: Path) -> dict[str, list[Path]]:
    files = {obj: sorted([*(root / obj).glob("*.json"), *(root / obj).glob("*.jsonl")]) for obj in JSON_OBJECTS}
    files["application_history"] = sorted((root / "application_history").glob("*.csv"))
    return files


# ----------------------------------------------------------------------------- the 1% increment

def _pages(obj_dir: Path) -> list[Path]:
    return sorted(p for p in [*obj_dir.glob("*.json"), *obj_dir.glob("*.jsonl")] if not p.name.startswith(CLONE))


def _shift(value):
    return None if value is None else int(value) + SHIFT


def _write_pages(folder: Path, records: list[dict], jsonl: bool) -> int:
    enc = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
    for n, start in enumerate(range(0, len(records), PAGE), start=1):
        chunk = [enc(r) for r in records[start:start + PAGE]]
        text = "".join(c + "\n" for c in chunk) if jsonl else "[" + ",\n".join(chunk) + "]\n"
        (folder / f"{CLONE}-{n:04d}.{'jsonl' if jsonl else 'json'}").write_text(text, encoding="utf-8")
    return -(-len(records) // PAGE)


def _matching(con: duckdb.DuckDBPyConnection, files: list[Path], key: str, ids: set[int], skip: str | None) -> list[dict]:
    """Records of the files whose `key` is one of ids (DuckDB scan; the broken page is left out)."""
    paths = [str(p) for p in files if not (skip and str(p).endswith(skip))]
    con.register("_want", pl.DataFrame({"id": sorted(ids)}, schema={"id": pl.Int64}))
    try:
        rows = con.sql(f"SELECT json FROM read_json_objects(?, format = 'auto') "
                       f"WHERE TRY_CAST(json_extract_string(json, '$.{key}') AS BIGINT) IN (SELECT id FROM _want)",
                       params=[paths]).fetchall()
    finally:
        con.unregister("_want")
    return [json.loads(r[0]) for r in rows]


def make_increment(root: Path, manifest: dict, share: float = 0.01) -> dict[str, int]:
    """Write pages with ~share more applications (and their candidates, history, interviews, offers, feed).

    The records are copies of the export's first candidates with every id shifted by SHIFT, so
    they reference the export's own jobs and stages and pass every check; candidates touched by
    a planted defect (manifest) are not copied.
    """
    defects = manifest["defects"]
    bad_apps = {*defects["unmapped_stage"]["application_ids"], *defects["backwards_timestamps"]["application_ids"]}
    future_emails = set(defects["future_timestamps"]["email_ids"])
    target = max(1, round(manifest["counts"]["applications"] * share))

    # candidates in page order, a margin over the target (some are dropped below)
    cands: list[dict] = []
    n_apps = 0
    for page in _pages(root / "candidates"):
        for c in json.loads(page.read_bytes()):
            if c["id"] is None or bad_apps.intersection(c["application_ids"]):
                continue
            cands.append(c)
            n_apps += len(c["application_ids"])
        if n_apps >= target * 1.2 + 10:
            break
    want_apps = {a for c in cands for a in c["application_ids"]}
    apps: dict[int, dict] = {}
    for page in _pages(root / "applications"):
        for a in json.loads(page.read_bytes()):
            if a["id"] in want_apps:
                apps[a["id"]] = a
        if len(apps) == len(want_apps):
            break
    want_cands = {c["id"] for c in cands}
    feed: dict[int, dict] = {}
    for page in _pages(root / "activity_feed"):
        for line in page.read_text(encoding="utf-8").splitlines():
            if line.strip():
                f = json.loads(line)
                if f.get("candidate_id") in want_cands:
                    feed[f["candidate_id"]] = f
        if len(feed) == len(want_cands):
            break
    # drop candidates touched by a defect: an application without its candidate id, a future email
    keep = []
    for c in cands:
        mine = [apps.get(a) for a in c["application_ids"]]
        if any(a is None or a["candidate_id"] != c["id"] for a in mine):
            continue
        if any(e["id"] in future_emails for e in feed.get(c["id"], {}).get("emails", [])):
            continue
        keep.append(c)
    # trim to the target number of applications
    chosen, n_apps = [], 0
    for c in keep:
        if n_apps >= target:
            break
        chosen.append(c)
        n_apps += len(c["application_ids"])
    app_ids = {a for c in chosen for a in c["application_ids"]}

    con = duckdb.connect()
    skip = defects["malformed_file"]["path"].split("/", 1)[1]
    interviews = _matching(con, _pages(root / "scheduled_interviews"), "application_id", app_ids, skip)
    offers = _matching(con, _pages(root / "offers"), "application_id", app_ids, None)
    con.close()
    history = pl.read_csv(root / "application_history" / "application_history.csv", infer_schema=False)
    history = history.filter(pl.col("application_id").cast(pl.Int64).is_in(sorted(app_ids)))

    # shift every id
    new_cands, new_apps, new_feed = [], [], []
    for c in chosen:
        c = dict(c, id=_shift(c["id"]), application_ids=[_shift(a) for a in c["application_ids"]])
        c["applications"] = [dict(a, id=_shift(a["id"]), candidate_id=_shift(a["candidate_id"])) for a in c["applications"]]
        new_cands.append(c)
    for c in chosen:
        for a in c["application_ids"]:
            new_apps.append(dict(apps[a], id=_shift(a), candidate_id=_shift(apps[a]["candidate_id"])))
        f = feed.get(c["id"])
        if f is not None:
            new_feed.append({"candidate_id": _shift(f["candidate_id"]),
                             **{k: [dict(item, id=_shift(item["id"])) for item in f.get(k, [])]
                                for k in ("notes", "emails", "activities")}})
    for i in interviews:
        i.update(id=_shift(i["id"]), application_id=_shift(i["application_id"]), external_event_id=f"bench-{i['external_event_id']}")
    for o in offers:
        o.update(id=_shift(o["id"]), application_id=_shift(o["application_id"]), candidate_id=_shift(o["candidate_id"]))
    history = history.with_columns((pl.col("application_id").cast(pl.Int64) + SHIFT).cast(pl.String))

    pages = 0
    pages += _write_pages(root / "candidates", new_cands, False)
    pages += _write_pages(root / "applications", new_apps, False)
    pages += _write_pages(root / "scheduled_interviews", sorted(interviews, key=lambda r: r["id"]), False)
    pages += _write_pages(root / "offers", sorted(offers, key=lambda r: r["id"]), False)
    pages += _write_pages(root / "activity_feed", new_feed, True)
    history.write_csv(root / "application_history" / f"{CLONE}-0001.csv")
    pages += 1
    return {
        "pages": pages,
        "candidates": len(new_cands),
        "applications": len(new_apps),
        "application_history": history.height,
        "scheduled_interviews": len(interviews),
        "offers": len(offers),
        "activity_feed": sum(len(f["emails"]) + len(f["notes"]) for f in new_feed),  # loads as messages
    }


# ----------------------------------------------------------------------------------- loading

def step_seconds(settings: Settings, load_id: str) -> dict[str, float]:
    """Seconds per object of one load, from the load log the load wrote."""
    path = settings.warehouse.with_name("staging.duckdb")
    with duckdb.connect(str(path), read_only=True) as con:
        rows = con.execute("SELECT object, epoch(finished_at) - epoch(started_at) FROM load_log WHERE load_id = ?",
                           [load_id]).fetchall()
    return {obj: float(s) for obj, s in rows}


def timed_load(source: SourceSettings, settings: Settings, at: datetime, full: bool, label: str) -> tuple[float, LoadResult]:
    started = time.perf_counter()

    def progress(step: str, done: int, total: int) -> None:
        PHASE[0] = f"{label}, {step} ({time.perf_counter() - started:.0f} s in)"

    result = ingest(source, settings, loaded_at=at, full=full, progress=progress)
    return time.perf_counter() - started, result


def show_load(title: str, seconds: float, result: LoadResult, steps: dict[str, float]) -> None:
    rows_in, loaded, quarantined = result.totals
    rate = f"{rows_in / seconds:,.0f} records/s" if rows_in else "nothing to read"
    print(f"\n{title}: {seconds:.2f} s, {rows_in:,} records in, {rate}, "
          f"{'full' if result.full else 'incremental'}, peak RSS {peak_rss_mib():,.0f} MiB", flush=True)
    print(f"  {'object':22} {'files':>6} {'skipped':>7} {'rows in':>10} {'loaded':>10} {'quarant.':>8} {'step s':>7}")
    for o in result.objects:
        print(f"  {o.obj:22} {o.files:6,} {o.files_skipped:7,} {o.rows_in:10,} {o.loaded:10,} {o.quarantined:8,} "
              f"{steps.get(o.obj, float('nan')):7.2f}")
    inside = sum(steps.values())
    print(f"  {'total':22} {'':6} {'':7} {rows_in:10,} {loaded:10,} {quarantined:8,} {inside:7.2f}"
          f"   (outside the steps: {seconds - inside:.2f} s: registry, reading and writing the store)")


def profile_full(source: SourceSettings, scratch: Path, kind: str, out: str | None, top: int = 30) -> None:
    """One more full load into a fresh store, under a profiler (its time is inflated: not a figure)."""
    settings = Settings(warehouse=scratch / "profile" / "stagetruth.duckdb")
    print(f"\n--- profile of a full load ({kind}) ---")
    if kind == "pyinstrument":
        from pyinstrument import Profiler

        profiler = Profiler(interval=0.005)
        profiler.start()
        ingest(source, settings, loaded_at=LOADED_AT, full=True)
        profiler.stop()
        print(profiler.output_text(unicode=False, color=False, show_all=False))
        if out:
            Path(out).write_text(profiler.output_html())
        return
    import cProfile
    import io
    import pstats

    prof = cProfile.Profile()
    prof.enable()
    ingest(source, settings, loaded_at=LOADED_AT, full=True)
    prof.disable()
    if out:
        prof.dump_stats(out)
    for order in ("tottime", "cumulative"):
        buf = io.StringIO()
        pstats.Stats(prof, stream=buf).strip_dirs().sort_stats(order).print_stats(top)
        print(buf.getvalue())


# -------------------------------------------------------------------------------------- main

def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    run_arguments(parser, candidates=100_000, data="export")
    parser.add_argument("--repeat", type=int, default=2, help="parse-only passes (best is kept; the first warms the cache)")
    parser.add_argument("--erased", type=int, default=0, help="suppression keys in the private decisions store")
    parser.add_argument("--profile", choices=["cprofile", "pyinstrument"], help="profile one more full load")
    parser.add_argument("--profile-out", help="write the profile here (pstats, or HTML for pyinstrument)")
    args = parser.parse_args()
    rss_guard(args.max_rss_gib)

    with tempfile.TemporaryDirectory(prefix="stagetruth-ingest-") as scratch_dir:
        scratch = Path(scratch_dir)
        private_decisions(scratch, args.erased, SEED)
        ON_ABORT.append(lambda: shutil.rmtree(scratch, ignore_errors=True))
        root = (args.keep.resolve() if args.keep else scratch / "export") / "greenhouse"
        if root.exists():
            remove_clones(root)  # left over by an interrupted run
        PHASE[0] = "generating the export"
        manifest, gen_seconds = demo_input("pipelines.demo:generate", root, args.candidates, SEED, AS_OF)
        files = export_files(root)
        n_files = sum(len(v) for v in files.values())
        mib = sum(p.stat().st_size for v in files.values() for p in v) / 2**20
        counts = manifest["counts"]
        print(f"export: {args.candidates:,} candidates, {counts['applications']:,} applications, {n_files:,} files, "
              f"{mib:,.0f} MiB at {root}"
              + (f" (generated in {gen_seconds:.0f} s)" if gen_seconds is not None else " (reused)"), flush=True)
        ON_ABORT.insert(0, lambda: remove_clones(root))
        source = SourceSettings("greenhouse", "greenhouse", root)
        settings = Settings(warehouse=scratch / "store" / "stagetruth.duckdb")
        try:
            # 1. parse: the record split alone, then typed by the connector's readers
            PHASE[0] = "parse only"
            best: dict[str, tuple[float, int]] = {}
            typed: dict[str, tuple[float, int]] = {}
            for _ in range(max(1, args.repeat)):
                run = parse_only(files)
                best = run if not best or sum(s for s, _ in run.values()) < sum(s for s, _ in best.values()) else best
                run = parse_typed(source)
                typed = run if not typed or sum(s for s, _ in run.values()) < sum(s for s, _ in typed.values()) else typed
            parse_s = sum(s for s, _ in best.values())
            parse_rows = sum(n for _, n in best.values())
            typed_s = sum(s for s, _ in typed.values())
            typed_rows = sum(n for _, n in typed.values())
            print(f"\nsplit only (duckdb read_json_objects + read_csv, best of {args.repeat}): {parse_s:.2f} s, "
                  f"{parse_rows:,} top-level records, {parse_rows / parse_s:,.0f} records/s, {mib / parse_s:,.0f} MiB/s")
            print("  " + ", ".join(f"{obj} {s:.2f} s" for obj, (s, _) in best.items()))
            print(f"typed parse (the connector's readers, nothing validated or written, best of {args.repeat}): "
                  f"{typed_s:.2f} s, {typed_rows:,} records, {typed_rows / typed_s:,.0f} records/s, {mib / typed_s:,.0f} MiB/s")
            print("  (records after unnesting: one activity-feed line holds many emails and notes)")
            print("  " + ", ".join(f"{obj} {s:.2f} s" for obj, (s, _) in typed.items()))
            print(f"  peak RSS {peak_rss_mib():,.0f} MiB", flush=True)

            # 2. full load
            PHASE[0] = "the full load"
            full_s, full = timed_load(source, settings, LOADED_AT, full=True, label="the full load")
            show_load("full load", full_s, full, step_seconds(settings, full.load_id))

            # 3. 1% incremental load
            PHASE[0] = "writing the increment"
            started = time.perf_counter()
            added = make_increment(root, manifest)
            prep_s = time.perf_counter() - started
            print(f"\nincrement written in {prep_s:.1f} s (not timed): {added['pages']} pages, "
                  + ", ".join(f"{k} {v:,}" for k, v in added.items() if k != "pages"))
            inc_s, inc = timed_load(source, settings, LOADED_AT + timedelta(hours=1), full=False, label="the 1% incremental load")
            show_load("1% incremental load", inc_s, inc, step_seconds(settings, inc.load_id))
            by_obj = {o.obj: o for o in inc.objects}
            valid = all(by_obj[k].rows_in == v and by_obj[k].loaded == v for k, v in added.items() if k != "pages")
            print(f"  the added records all loaded, none quarantined: {'yes' if valid else 'NO'}")

            # 4. no-change reload
            same_s, same = timed_load(source, settings, LOADED_AT + timedelta(hours=2), full=False, label="the no-change reload")
            show_load("no-change reload", same_s, same, step_seconds(settings, same.load_id))
        finally:
            remove_clones(root)

        print(f"\nsummary ({args.candidates:,} candidates, {counts['applications']:,} applications, "
              f"{full.totals[0]:,} records in a full load)")
        print(f"  split only          {parse_s:8.2f} s  {parse_rows / parse_s:12,.0f} records/s")
        print(f"  typed parse         {typed_s:8.2f} s  {typed_rows / typed_s:12,.0f} records/s")
        print(f"  full load           {full_s:8.2f} s  {full.totals[0] / full_s:12,.0f} records/s   "
              f"x typed parse {full_s / typed_s:5.2f}  (target <= {INGEST_TARGET:g}x: {met(full_s / typed_s, INGEST_TARGET)}), "
              f"x split {full_s / parse_s:5.1f}")
        print(f"  1% incremental      {inc_s:8.2f} s  {inc.totals[0] / inc_s:12,.0f} records/s   "
              f"x full  {inc_s / full_s:6.1%}  (target <= {INCREMENTAL_TARGET:.0%}: {met(inc_s / full_s, INCREMENTAL_TARGET)})")
        print(f"  no-change reload    {same_s:8.2f} s  {'':>12}              x full  {same_s / full_s:6.1%}")
        print(f"  peak RSS            {peak_rss_mib():8,.0f} MiB (this process; generation ran in a child)")

        if args.profile:
            profile_full(source, scratch, args.profile, args.profile_out)


if __name__ == "__main__":
    main()
