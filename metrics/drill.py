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


def drillable(kpi: Kpi) -> bool:
    """Whether the definition keeps its rows in a `cohort` CTE keyed by application or job (every
    velocity and conversion KPI does; data-health KPIs drill down on their own pages instead)."""
    columns = set(sqlmod.cohort_columns(kpi.sql))
    return "week" in columns and bool(columns & {"application_key", "job_key"})


def _cohort(kpi: Kpi, filters: Filters, week: date | None, part: str | None) -> tuple[str, bool]:
    """The definition's own cohort query (cuts applied), and whether its rows are jobs."""
    sql, _ = prepared(kpi, filters)
    columns = sqlmod.cohort_columns(sql)
    return sqlmod.drill(sql, week, part), "job_key" in columns and "application_key" not in columns


def _joined(cohort_sql: str, keyed_by_job: bool, columns: tuple[str, ...] | None = None) -> str:
    table, key = ("job_fact", "job_key") if keyed_by_job else ("application_fact", "application_key")
    extra = ", ".join(f"f.{c}" for c in (columns or (JOB_COLUMNS if keyed_by_job else APPLICATION_COLUMNS)))
    return f"SELECT d.*, {extra} FROM ({cohort_sql}) AS d LEFT JOIN {table} AS f USING ({key})"


def _query(kpi: Kpi, filters: Filters, as_of: datetime, query: str, path: Path | None) -> pl.DataFrame:
    with warehouse.read_only(path or warehouse_path()) as con:
        return warehouse.query(con, query, parameters(kpi, filters, as_of, query))


def rows(kpi: Kpi, filters: Filters, *, as_of: datetime, week: date | None = None, part: str | None = None,
         path: Path | None = None, limit: int = ROW_LIMIT) -> pl.DataFrame:
    """The cohort rows behind a KPI's figure: for one week (None: the whole range) and optionally
    only its numerator or denominator rows; with their dimensions; at most `limit` rows."""
    cohort, by_job = _cohort(kpi, filters, week, part)
    key = "job_key" if by_job else "application_key"
    query = f"{_joined(cohort, by_job)} ORDER BY d.week, d.{key} LIMIT {int(limit)}"
    return _query(kpi, filters, as_of, query, path)


def durations(kpi: Kpi, filters: Filters, *, as_of: datetime, path: Path | None = None) -> pl.DataFrame:
    """Every cohort row's week and duration over the range, nothing else (distributions, impact)."""
    cohort, _ = _cohort(kpi, filters, None, None)
    return _query(kpi, filters, as_of, f"SELECT week, duration FROM ({cohort}) AS d", path)


def by_dimension(kpi: Kpi, filters: Filters, dimension: str, *, as_of: datetime, path: Path | None = None) -> pl.DataFrame:
    """The figure per value of a dimension, weekly and over the whole range (week null): the
    median and p90 (continuous) of durations, or numerator / denominator for ratios."""
    column = DIMENSIONS.get(dimension, dimension)
    cohort, by_job = _cohort(kpi, filters, None, None)
    if by_job and column == "channel":
        raise ValueError(f"{kpi.title} is per job: it cannot be split by {dimension}")
    measure = ("count(*) FILTER (WHERE in_numerator) / nullif(count(*) FILTER (WHERE in_denominator), 0) AS value, "
               "NULL::DOUBLE AS p90" if kpi.is_ratio else
               "quantile_cont(duration, 0.5) AS value, quantile_cont(duration, 0.9) AS p90")
    query = (f"SELECT week, coalesce(CAST({column} AS VARCHAR), '(none)') AS \"group\", {measure}, count(*) AS n, "
             "count(*) FILTER (WHERE in_numerator) AS numerator, count(*) FILTER (WHERE in_denominator) AS denominator "
             f"FROM ({_joined(cohort, by_job, (column,))}) AS j "
             "GROUP BY GROUPING SETS ((week, \"group\"), (\"group\")) ORDER BY week NULLS LAST, \"group\"")
    return _query(kpi, filters, as_of, query, path)


def totals_by(frame: pl.DataFrame) -> pl.DataFrame:
    """The whole-range rows of by_dimension, largest groups first (bars by source or client)."""
    return frame.filter(pl.col("week").is_null()).drop("week").sort("n", descending=True)


def weekly_by(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.filter(pl.col("week").is_not_null())


def stale_breakdown(kpi: Kpi, filters: Filters, *, as_of: datetime, path: Path | None = None) -> pl.DataFrame:
    """Open applications by current stage and owner: how many, how many stale, the longest wait."""
    cohort, _ = _cohort(kpi, filters, None, None)
    order = " ".join(f"WHEN '{s}' THEN {i}" for i, s in enumerate(ORDERED_STAGES))
    query = ("SELECT current_stage, recruiter, count(*) AS open, count(*) FILTER (WHERE in_numerator) AS stale, "
             "max(duration) AS longest_wait_days "
             f"FROM ({_joined(cohort, False, ('current_stage', 'recruiter'))}) AS j GROUP BY current_stage, recruiter "
             f"ORDER BY CASE current_stage {order} ELSE 99 END, stale DESC, recruiter")
    return _query(kpi, filters, as_of, query, path)


FUNNEL_SQL = """
SELECT
  application_key, CAST(date_trunc('week', applied_at) AS DATE) AS week, furthest_stage, current_stage, outcome,
  job_title, department, recruiter, channel, client, applied_at
FROM application_fact
WHERE applied_at >= $start AND applied_at < $end
"""


FUNNEL_COUNTS_SQL = """
SELECT furthest_stage, count(*) AS n
FROM application_fact
WHERE applied_at >= $start AND applied_at < $end
GROUP BY furthest_stage
"""


def _funnel_rows(filters: Filters, path: Path | None, stages: list[str], limit: int) -> pl.DataFrame:
    columns = warehouse_columns()
    sql, _ = sqlmod.narrow(FUNNEL_SQL, filters.columns(), {t: set(columns[t]) for t in FILTERABLE_TABLES})
    query = f"SELECT * FROM ({sql}) AS f WHERE list_contains($stages, furthest_stage) ORDER BY applied_at LIMIT {int(limit)}"
    with warehouse.read_only(path or warehouse_path()) as con:
        return warehouse.query(con, query, {"start": filters.start_ts, "end": filters.end_ts, "stages": stages})


def funnel(filters: Filters, *, path: Path | None = None) -> pl.DataFrame:
    """Applications applied in the range and how many reached each stage (the furthest stage at or
    beyond it, skipped stages included), with the share of the step before and of all."""
    columns = warehouse_columns()
    sql, _ = sqlmod.narrow(FUNNEL_COUNTS_SQL, filters.columns(), {t: set(columns[t]) for t in FILTERABLE_TABLES})
    with warehouse.read_only(path or warehouse_path()) as con:
        found = warehouse.query(con, sql, {"start": filters.start_ts, "end": filters.end_ts})
    by_stage = dict(zip(found["furthest_stage"].to_list(), found["n"].to_list()))
    counts = [sum(by_stage.get(s, 0) for s in ORDERED_STAGES[i:]) for i in range(len(ORDERED_STAGES))]
    out = pl.DataFrame({"stage": list(ORDERED_STAGES), "reached": counts})
    return out.with_columns(
        of_previous=pl.col("reached") / pl.when(pl.col("reached").shift(1) > 0).then(pl.col("reached").shift(1)),
        of_applied=pl.col("reached") / pl.when(pl.lit(counts[0]) > 0).then(pl.lit(counts[0])),
    )


def funnel_rows(filters: Filters, stage: str, *, path: Path | None = None, limit: int = ROW_LIMIT) -> pl.DataFrame:
    """The applications behind one funnel step: applied in the range, reached the stage or beyond."""
    if stage not in ORDERED_STAGES:
        raise ValueError(f"not a funnel stage: {stage!r} (one of {', '.join(ORDERED_STAGES)})")
    return _funnel_rows(filters, path, list(ORDERED_STAGES[ORDERED_STAGES.index(stage):]), limit)
