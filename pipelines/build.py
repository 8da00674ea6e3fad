"""Build the served warehouse from the staging store and swap it into place atomically.

The KPI definitions are checked against the warehouse schema first: a build never publishes a
warehouse that its own definitions cannot read.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

import duckdb
import polars as pl

from pipelines import warehouse
from pipelines.derive import derive_all
from pipelines.identity.resolve import identity_tables
from pipelines.mismatches.stage_truth import derive_stage_truth
from pipelines.schema import ALL_MODELS, BuildInfo, polars_schema
from pipelines.warehouse import STAGING_TABLES

Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class BuildResult:
    path: Path
    build_id: str
    rows: dict[str, int]
    definitions_version: str


def _read_staging(path: Path) -> dict[str, pl.DataFrame]:
    if not path.exists():
        raise FileNotFoundError(f"nothing ingested yet ({path} is missing): run `stagetruth ingest` first")
    with warehouse.staging(path) as con:
        return {table: warehouse.read_table(con, table) for table in (*STAGING_TABLES, "quarantine", "load_log", "file_registry")}


def build(
    target: Path,
    *,
    as_of: datetime | None = None,
    progress: Progress | None = None,
    join_rules: dict[str, tuple[str, ...]] | None = None,
) -> BuildResult:
    """Derive, check and publish. Progress is reported per table written."""
    from metrics.catalog import definitions_version, load_definitions

    say = progress or (lambda *_: None)
    say("checking KPI definitions", 0, 4)
    load_definitions()
    version = definitions_version()
    say("reading staging store", 1, 4)
    tables = _read_staging(warehouse.staging_path(target))
    say("deriving application stages and facts", 2, 4)
    tables.update(derive_all(tables, join_rules))
    say("resolving identities", 2, 4)
    tables.update(identity_tables(tables))
    as_of = (as_of or datetime.now(timezone.utc)).astimezone(timezone.utc)
    tables.update(derive_stage_truth(tables, as_of, target))
    build_id = uuid.uuid4().hex[:12]
    load_ids = sorted(set(tables["load_log"]["load_id"].to_list())) if tables["load_log"].height else []
    tables["build_info"] = pl.DataFrame(
        [dict(build_id=build_id, built_at=datetime.now(timezone.utc), as_of=as_of,
              definitions_version=version, load_ids=load_ids)],
        schema=polars_schema(BuildInfo),
    )

    def write(con: duckdb.DuckDBPyConnection) -> None:
        for table in ALL_MODELS:
            say(f"writing {table}", 3, 4)
            warehouse.insert(con, table, tables[table])

    path = warehouse.publish(target, write)
    say("done", 4, 4)
    return BuildResult(path, build_id, {t: tables[t].height for t in ALL_MODELS}, version)
