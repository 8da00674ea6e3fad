"""The rows behind any figure, and the figures pages build from those rows.

Every definition computes its figure from a CTE named `cohort`, one row per counted item (see
docs/definitions.md, "The per-row convention"). `rows` runs that CTE itself, with the same cuts,
narrowed to a week and to the numerator or denominator: the query is derived from the file by
metrics.sql.drill, so a drill-down cannot disagree with its figure. Each row is shown with its
application's (or job's) dimensions: pseudonymous keys, never names or addresses.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import polars as pl

from metrics import sql as sqlmod
from metrics.catalog import Kpi
from metrics.compute import FILTERABLE_TABLES, Filters, parameters, prepared
from pipelines import warehouse
from pipelines.paths import warehouse_path
from pipelines.schema import warehouse_columns
from pipelines.stages import ORDERED_STAGES

APPLICATION_COLUMNS = ("job_title", "department", "recruiter", "channel", "client", "current_stage", "outcome", "applied_at")
JOB_COLUMNS = ("job_title", "department", "recruiter", "client", "status", "opened_at", "filled_at")
DIMENSIONS = {"department": "department", "recruiter": "recruiter", "source/channel": "channel", "client": "client",
              "job": "job_title"}
ROW_LIMIT = 50_000


def _wrap(cohort_sql: str, keyed_by_job: bool) -> str:
    if keyed_by_job:
        extra = ", ".join(f"f.{c}" for c in JOB_COLUMNS)
        return f"SELECT d.*, {extra} FROM ({cohort_sql}) AS d LEFT JOIN job_fact AS f USING (job_key) ORDER BY d.week, d.job_key"
    extra = ", ".join(f"f.{c}" for c in APPLICATION_COLUMNS)
    return (f"SELECT d.*, {extra} FROM ({cohort_sql}) AS d LEFT JOIN application_fact AS f USING (application_key) "
            f"ORDER BY d.week, d.application_key LIMIT {ROW_LIMIT}")


def rows(kpi: Kpi, filters: Filters, *, as_of: datetime, week: date | None = None, part: str | None = None,
         path: Path | None = None) -> pl.DataFrame:
    """The cohort rows behind a KPI's figure: for one week (None: the whole range) and optionally
    only its numerator or denominator rows; with their dimensions."""
    sql, _ = prepared(kpi, filters)
    cohort = sqlmod.drill(sql, week, part)
    columns = sqlmod.cohort_columns(sql)
    keyed_by_job = "job_key" in columns and "application_key" not in columns
    query = _wrap(cohort, keyed_by_job)
    with warehouse.read_only(path or warehouse_path()) as con:
        return warehouse.query(con, query, parameters(kpi, filters, as_of, query))


def by_dimension(kpi: Kpi, cohort_rows: pl.DataFrame, dimension: str) -> pl.DataFrame:
    """Weekly figure per value of a dimension, from the cohort rows: the median (continuous) of
    durations, or numerator / denominator for ratios."""
    column = DIMENSIONS.get(dimension, dimension)
    frame = cohort_rows.with_columns(pl.col(column).fill_null("(none)").alias("group"))
    if kpi.is_ratio:
        agg = [pl.col("in_numerator").sum().alias("numerator"), pl.col("in_denominator").sum().alias("denominator")]
        out = frame.group_by("week", "group").agg(*agg).with_columns(
            value=pl.col("numerator") / pl.when(pl.col("denominator") > 0).then(pl.col("denominator")))
        return out.with_columns(n=pl.col("denominator")).sort("week", "group")
    return frame.group_by("week", "group").agg(
        value=pl.col("duration").median(), p90=pl.col("duration").quantile(0.9, interpolation="linear"),
        n=pl.len()).sort("week", "group")


def totals_by(kpi: Kpi, cohort_rows: pl.DataFrame, dimension: str) -> pl.DataFrame:
    """The figure over the whole range per value of a dimension (for bars by source or client)."""
    flat = cohort_rows.with_columns(week=pl.lit(None, dtype=pl.Date))
    return by_dimension(kpi, flat, dimension).drop("week").sort("n", descending=True)


def stale_breakdown(stale_rows: pl.DataFrame) -> pl.DataFrame:
    """Open applications by current stage and owner: how many, how many stale, the oldest wait."""
    if stale_rows.height == 0:
        return pl.DataFrame(schema={"current_stage": pl.String, "recruiter": pl.String, "open": pl.UInt32,
                                    "stale": pl.UInt32, "longest_wait_days": pl.Float64})
    rank = {s: i for i, s in enumerate(ORDERED_STAGES)}
    return (stale_rows.group_by("current_stage", "recruiter")
            .agg(open=pl.len(), stale=pl.col("in_numerator").sum().cast(pl.UInt32), longest_wait_days=pl.col("duration").max())
            .with_columns(_rank=pl.col("current_stage").replace_strict(rank, default=99, return_dtype=pl.Int32))
            .sort("_rank", "stale", descending=[False, True]).drop("_rank"))


FUNNEL_SQL = """
SELECT
  application_key, CAST(date_trunc('week', applied_at) AS DATE) AS week, furthest_stage, current_stage, outcome,
  job_title, department, recruiter, channel, client, applied_at
FROM application_fact
WHERE applied_at >= $start AND applied_at < $end
"""


def _funnel_rows(filters: Filters, path: Path | None) -> pl.DataFrame:
    columns = warehouse_columns()
    sql, _ = sqlmod.narrow(FUNNEL_SQL, filters.columns(), {t: set(columns[t]) for t in FILTERABLE_TABLES})
    with warehouse.read_only(path or warehouse_path()) as con:
        return warehouse.query(con, sql, {"start": filters.start_ts, "end": filters.end_ts})


def funnel(filters: Filters, *, path: Path | None = None) -> pl.DataFrame:
    """Applications applied in the range and how many reached each stage (the furthest stage at or
    beyond it, skipped stages included), with the share of the step before and of all."""
    frame = _funnel_rows(filters, path)
    rank = {s: i for i, s in enumerate(ORDERED_STAGES)}
    ranks = frame["furthest_stage"].replace_strict(rank, return_dtype=pl.Int32) if frame.height else pl.Series([], dtype=pl.Int32)
    counts = [int((ranks >= rank[s]).sum()) for s in ORDERED_STAGES]
    out = pl.DataFrame({"stage": list(ORDERED_STAGES), "reached": counts})
    return out.with_columns(
        of_previous=pl.col("reached") / pl.when(pl.col("reached").shift(1) > 0).then(pl.col("reached").shift(1)),
        of_applied=pl.col("reached") / pl.when(pl.lit(counts[0]) > 0).then(pl.lit(counts[0])),
    )


def funnel_rows(filters: Filters, stage: str, *, path: Path | None = None) -> pl.DataFrame:
    """The applications behind one funnel step: applied in the range, reached the stage or beyond."""
    if stage not in ORDERED_STAGES:
        raise ValueError(f"not a funnel stage: {stage!r} (one of {', '.join(ORDERED_STAGES)})")
    frame = _funnel_rows(filters, path)
    beyond = list(ORDERED_STAGES[ORDERED_STAGES.index(stage):])
    return frame.filter(pl.col("furthest_stage").is_in(beyond)).sort("applied_at")
