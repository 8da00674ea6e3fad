"""The two parse figures the ingest benchmark compares a load with (see benchmarks/ingest.py).

- split: every page split into its top-level records by DuckDB read_json_objects, plus the
  history CSV read by read_csv, counted and nothing kept: the floor any reader pays.
- typed: every record turned into typed columns by the connector's own readers (the same record
  split, then DuckDB json_extract with explicit paths and types; activity-feed lines unnested
  into their emails and notes), mapped to canonical columns and kept as Polars frames: a parse
  that yields what a load works with, and no validation, upsert or write. Off-the-shelf readers
  are slower at this: DuckDB read_json with an inferred schema took 26 s for the candidates of a
  100k export that this reads and types in under 4 s.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

import duckdb

from pipelines.config import SourceSettings
from pipelines.load import connector_steps, source_stage_map, step_context
from pipelines.steps import LOOKUP_COLUMNS, lookup_columns


def parse_json(con: duckdb.DuckDBPyConnection, files: list[Path]) -> tuple[int, int]:
    """(records, files that failed) with read_json_objects; a file that fails is left out and counts as one record."""
    files = [str(f) for f in files]
    bad = 0
    while files:
        try:
            rows = con.sql("SELECT count(*), sum(length(json)) FROM read_json_objects(?, format = 'auto')",
                           params=[files]).fetchall()[0][0]
            return rows + bad, bad
        except duckdb.Error as exc:
            found = re.search(r'in file "([^"]+)"', str(exc))
            if not found or found.group(1) not in files:
                raise
            files.remove(found.group(1))
            bad += 1
    return bad, bad


def parse_only(files: dict[str, list[Path]]) -> dict[str, tuple[float, int]]:
    """Seconds and records per object, parsing only."""
    con = duckdb.connect()
    out = {}
    for obj, paths in files.items():
        started = time.perf_counter()
        if obj == "application_history":
            rows = con.sql("SELECT count(*), sum(length(application_id)) FROM read_csv(?, header = true, all_varchar = true)",
                           params=[[str(p) for p in paths]]).fetchall()[0][0]
        else:
            rows, _ = parse_json(con, paths)
        out[obj] = (time.perf_counter() - started, rows)
    con.close()
    return out



def parse_typed(source: SourceSettings) -> dict[str, tuple[float, int]]:
    """Seconds and records per object, read and typed by the connector's steps, nothing validated or written."""
    ctx = step_context(source, source_stage_map(source))
    out = {}
    try:
        for table, obj, step in connector_steps(source):
            started = time.perf_counter()
            staged = step(ctx)
            if table in LOOKUP_COLUMNS:  # what the load keeps for the next steps' parent checks
                ctx.loaded[table] = staged.select(lookup_columns(table))
            out[obj] = (time.perf_counter() - started, staged.height)
    finally:
        ctx.con.close()
    return out
