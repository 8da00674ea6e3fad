"""Which JSON reader for Greenhouse pages? Measured on the same files, in one run.

    .venv/bin/python benchmarks/json_readers.py [--candidates 30000] [--repeat 3]

Generates a demo export, then reads every applications page (nested Harvest objects, JSON array
pages) into the same typed columns with each reader, and prints MiB/s, records/s and the ratio
to the fastest. The connector uses "duckdb objects + typed extract" (pipelines/readers.py): it
never infers a schema, and a wrongly typed value becomes one quarantined record instead of a
failed file. Machines here are noisy: read the ratios, not the absolute figures.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

import duckdb
import polars as pl

from pipelines import warehouse
from pipelines.demo import generate
from pipelines.greenhouse import fields as gh
from pipelines.readers import extract, read_records

SCHEMA = pl.Struct({
    "id": pl.Int64, "candidate_id": pl.Int64, "applied_at": pl.String, "rejected_at": pl.String, "status": pl.String,
    "source": pl.Struct({"public_name": pl.String}), "recruiter": pl.Struct({"name": pl.String}),
    "current_stage": pl.Struct({"name": pl.String}), "jobs": pl.List(pl.Struct({"id": pl.Int64})),
})


def stagetruth_reader(files: list[Path]) -> int:
    con = warehouse.memory()
    records, problems = read_records(con, files)
    assert not problems
    return extract(con, records, gh.APPLICATION).height


def objects_then_polars_decode(files: list[Path]) -> int:
    con = warehouse.memory()
    records, _ = read_records(con, files)
    decoded = records.select(pl.col("_payload").str.json_decode(SCHEMA)).unnest("_payload")
    typed = decoded.with_columns(pl.col("applied_at").str.to_datetime(time_zone="UTC", strict=False))
    return typed.height


def duckdb_read_json_inferred(files: list[Path]) -> int:
    con = warehouse.memory()
    rel = con.sql(
        "SELECT id, candidate_id, applied_at, rejected_at, status, source.public_name AS channel, recruiter.name AS recruiter, "
        "current_stage.name AS stage, jobs[1].id AS job_id FROM read_json(?, format = 'array')",
        params=[[str(f) for f in files]],
    )
    return rel.pl().height


def polars_read_json_inferred(files: list[Path]) -> int:
    frames = [pl.read_json(f, infer_schema_length=None) for f in files]
    return pl.concat(frames, how="diagonal_relaxed").height


def python_json(files: list[Path]) -> int:
    rows = []
    for f in files:
        for r in json.loads(f.read_bytes()):
            rows.append((r.get("id"), r.get("candidate_id"), r.get("applied_at"), (r.get("source") or {}).get("public_name"),
                         (r.get("current_stage") or {}).get("name")))
    return pl.DataFrame(rows, schema=["id", "candidate_id", "applied_at", "channel", "stage"], orient="row").height


def split_only(files: list[Path]) -> int:
    con = duckdb.connect()
    return con.sql("SELECT count(*) FROM read_json_objects(?, format = 'auto')", params=[[str(f) for f in files]]).fetchall()[0][0]


READERS = {
    "duckdb objects + typed extract (used)": stagetruth_reader,
    "duckdb objects + polars json_decode(schema)": objects_then_polars_decode,
    "duckdb read_json, inferred schema": duckdb_read_json_inferred,
    "polars read_json, inferred schema": polars_read_json_inferred,
    "python json + dict access": python_json,
    "split into records only (floor)": split_only,
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--candidates", type=int, default=30000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch) / "greenhouse"
        generate(root, candidates=args.candidates, seed=3, as_of=datetime(2026, 11, 23, tzinfo=timezone.utc))
        files = sorted((root / "applications").glob("*.json"))
        mib = sum(f.stat().st_size for f in files) / 2**20
        results = {}
        for name, reader in READERS.items():
            best = float("inf")
            for _ in range(args.repeat):
                started = time.perf_counter()
                rows = reader(files)
                best = min(best, time.perf_counter() - started)
            results[name] = (best, rows)
    fastest = min(t for t, _ in results.values() if t > 0)
    print(f"applications pages: {len(files)} files, {mib:.1f} MiB, best of {args.repeat}")
    print(f"{'reader':46} {'s':>7} {'MiB/s':>8} {'records/s':>11} {'x fastest':>10}")
    for name, (seconds, rows) in results.items():
        print(f"{name:46} {seconds:7.2f} {mib / seconds:8.1f} {rows / seconds:11,.0f} {seconds / fastest:10.2f}")


if __name__ == "__main__":
    main()
