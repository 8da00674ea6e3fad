"""Data-health views beyond the load log: sync errors, quarantine per source, stage corrections."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import polars as pl

from pipelines import warehouse
from pipelines.paths import warehouse_path


def _path(path: Path | None) -> Path:
    return path or warehouse_path()


def open_sync_errors(as_of: datetime, path: Path | None = None) -> pl.DataFrame:
    """Sync errors still open, oldest first, with their age in hours at as_of."""
    sql = """
        SELECT source, system, object, code, message, first_seen_at,
               greatest(epoch($as_of) - epoch(first_seen_at), 0) / 3600.0 AS age_hours
        FROM sync_error WHERE status = 'open' ORDER BY first_seen_at, source, source_id
    """
    with warehouse.read_only(_path(path)) as con:
        return warehouse.query(con, sql, {"as_of": as_of})


def quarantine_by_source(path: Path | None = None) -> pl.DataFrame:
    """Per source, over every load: records read, quarantined, and the share quarantined."""
    sql = """
        SELECT source, sum(rows_in) AS rows_in, sum(quarantined) AS quarantined,
               sum(quarantined) / nullif(sum(rows_in), 0) AS quarantine_rate, count(DISTINCT load_id) AS loads
        FROM load_log GROUP BY source ORDER BY quarantine_rate DESC NULLS LAST, source
    """
    with warehouse.read_only(_path(path)) as con:
        return warehouse.query(con, sql)


def stage_corrections(limit: int = 500, path: Path | None = None) -> pl.DataFrame:
    """The latest manual stage corrections, with the application's recruiter."""
    sql = """
        SELECT c.corrected_at, c.kind, c.source, c.application_id, c.from_stage, c.to_stage,
               round(c.hours_since_previous, 1) AS hours_since_previous, f.recruiter
        FROM stage_correction AS c
        LEFT JOIN application_fact AS f ON f.source = c.source AND f.application_id = c.application_id
        ORDER BY c.corrected_at DESC LIMIT $limit
    """
    with warehouse.read_only(_path(path)) as con:
        return warehouse.query(con, sql, {"limit": limit})
