"""The Sources view: every configured source with its last load, rows, quarantine and freshness."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import polars as pl

from pipelines import warehouse
from pipelines.config import Settings


def overview(settings: Settings, path: Path | None = None, now: datetime | None = None) -> pl.DataFrame:
    """One row per configured source; figures come from the served warehouse when there is one."""
    now = now or datetime.now(timezone.utc)
    base = pl.DataFrame(
        {
            "source": [s.name for s in settings.sources],
            "kind": [s.kind for s in settings.sources],
            "location": [str(s.path) for s in settings.sources],
            "folder_exists": [s.path.is_dir() for s in settings.sources],
        },
        schema={"source": pl.String, "kind": pl.String, "location": pl.String, "folder_exists": pl.Boolean},
    )
    target = path or settings.warehouse
    if not target.exists():
        return base.with_columns(last_load_at=pl.lit(None, dtype=pl.Datetime("us", "UTC")), hours_since_load=pl.lit(None, dtype=pl.Float64),
                                 stale=pl.lit(None, dtype=pl.Boolean), files=pl.lit(0), records=pl.lit(0), quarantined=pl.lit(0),
                                 applications=pl.lit(0))
    sql = """
        WITH loads AS (
            SELECT source, max(finished_at) FILTER (WHERE status <> 'error') AS last_load_at
            FROM load_log GROUP BY source
        ), files AS (
            SELECT source, count(*) AS files FROM file_registry GROUP BY source
        ), quarantined AS (
            SELECT source, count(*) AS quarantined FROM quarantine GROUP BY source
        ), rows AS (
            SELECT source, count(*) AS records FROM (
                SELECT source FROM candidate_record UNION ALL SELECT source FROM job UNION ALL SELECT source FROM application
                UNION ALL SELECT source FROM stage_event UNION ALL SELECT source FROM interview UNION ALL SELECT source FROM offer
                UNION ALL SELECT source FROM message UNION ALL SELECT source FROM client UNION ALL SELECT source FROM job_stage
            ) GROUP BY source
        ), apps AS (
            SELECT source, count(*) AS applications FROM application GROUP BY source
        )
        SELECT loads.source, last_load_at, coalesce(files, 0) AS files, coalesce(records, 0) AS records,
               coalesce(quarantined, 0) AS quarantined, coalesce(applications, 0) AS applications
        FROM loads LEFT JOIN files USING (source) LEFT JOIN quarantined USING (source)
             LEFT JOIN rows USING (source) LEFT JOIN apps USING (source)
    """
    with warehouse.read_only(target) as con:
        stats = warehouse.query(con, sql)
    out = base.join(stats, on="source", how="left").with_columns(
        pl.col("files").fill_null(0), pl.col("records").fill_null(0), pl.col("quarantined").fill_null(0),
        pl.col("applications").fill_null(0),
    )
    hours = (pl.lit(now, dtype=pl.Datetime("us", "UTC")) - pl.col("last_load_at")).dt.total_seconds() / 3600
    return out.with_columns(hours_since_load=hours, stale=(hours > settings.freshness_warning_hours).fill_null(True))
