"""Data-health views of the served warehouse: the load log and quarantine."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from pipelines import warehouse
from pipelines.paths import warehouse_path


def _path(path: Path | None) -> Path:
    return path or warehouse_path()


def load_log(path: Path | None = None) -> pl.DataFrame:
    """Each object's latest load that read files (an incremental load may skip them all)."""
    sql = """
        SELECT source, object, files, files_skipped, rows_in, loaded, quarantined, suppressed,
               rows_in = loaded + quarantined + suppressed AS adds_up,
               quarantined / nullif(rows_in, 0) AS quarantine_rate,
               status, message, started_at, finished_at, load_id
        FROM load_log
        WHERE files > 0 OR files_skipped = 0
        QUALIFY row_number() OVER (PARTITION BY source, object ORDER BY started_at DESC) = 1
        ORDER BY source, started_at
    """
    with warehouse.read_only(_path(path)) as con:
        return warehouse.query(con, sql)


def load_history(path: Path | None = None) -> pl.DataFrame:
    """One row per load: totals and when it ran."""
    sql = """
        SELECT load_id, source, min(started_at) AS started_at, max(finished_at) AS finished_at,
               sum(rows_in) AS rows_in, sum(loaded) AS loaded, sum(quarantined) AS quarantined, sum(suppressed) AS suppressed
        FROM load_log GROUP BY load_id, source ORDER BY started_at DESC
    """
    with warehouse.read_only(_path(path)) as con:
        return warehouse.query(con, sql)


def quarantine_summary(path: Path | None = None) -> pl.DataFrame:
    sql = """
        SELECT source, object, rule, count(*) AS records, any_value(detail) AS example
        FROM quarantine GROUP BY source, object, rule ORDER BY records DESC, source, object, rule
    """
    with warehouse.read_only(_path(path)) as con:
        return warehouse.query(con, sql)


def quarantine_records(
    *, source: str | None = None, rule: str | None = None, obj: str | None = None, limit: int = 500, path: Path | None = None
) -> pl.DataFrame:
    """Quarantined records, newest load first; filters are bound parameters."""
    sql = """
        SELECT source, object, rule, detail, file, record_no, record_id, payload, load_id
        FROM quarantine
        WHERE ($source IS NULL OR source = $source)
          AND ($rule IS NULL OR rule = $rule)
          AND ($object IS NULL OR object = $object)
        ORDER BY source, object, file, record_no
        LIMIT $limit
    """
    with warehouse.read_only(_path(path)) as con:
        return warehouse.query(con, sql, {"source": source, "rule": rule, "object": obj, "limit": limit})


def joins(path: Path | None = None) -> pl.DataFrame:
    """Per source and table: tool records joined to the ATS, by rule, and those that could not be."""
    sql = """
        SELECT source, "table", count(*) AS records, count(*) FILTER (WHERE joined) AS joined,
               count(*) FILTER (WHERE NOT joined) AS unjoined,
               count(*) FILTER (WHERE NOT joined) / count(*) AS unjoined_rate,
               string_agg(DISTINCT rule, ', ' ORDER BY rule) AS rules_used
        FROM link GROUP BY source, "table" ORDER BY unjoined DESC, source, "table"
    """
    with warehouse.read_only(_path(path)) as con:
        return warehouse.query(con, sql)
