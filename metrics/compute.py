"""Run KPI definitions against the served warehouse (read-only) with filters and a date range.

Filter values reach SQL only as sqlglot literals (metrics.sql.with_filters); dates and targets
only as bound parameters.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path

import polars as pl

from metrics.catalog import Kpi, load_definitions
from metrics import kpi_settings
from metrics.sql import business_time, narrow
from pipelines import warehouse
from pipelines.paths import warehouse_path
from pipelines.schema import warehouse_columns

FILTER_COLUMNS = {"departments": "department", "recruiters": "recruiter", "channels": "channel", "clients": "client",
                  "jobs": "job_key"}
# Tables a cut narrows, each by the cut columns it has (a job has no source/channel).
FILTERABLE_TABLES = ("application_fact", "job_fact")
CUT_LABELS = {"department": "department", "recruiter": "recruiter", "channel": "source/channel", "client": "client",
              "job_key": "job"}


@dataclass(frozen=True)
class Filters:
    """A date range (inclusive days, UTC) and optional dimension filters."""

    start: date
    end: date
    departments: tuple[str, ...] = ()
    recruiters: tuple[str, ...] = ()
    channels: tuple[str, ...] = ()
    clients: tuple[str, ...] = ()
    jobs: tuple[str, ...] = ()
    business_days: bool = False  # durations count Monday to Friday (UTC) only

    def columns(self) -> dict[str, list[str]]:
        return {column: list(getattr(self, attr)) for attr, column in FILTER_COLUMNS.items()}

    @property
    def start_ts(self) -> datetime:
        return datetime.combine(self.start, time(), tzinfo=timezone.utc)

    @property
    def end_ts(self) -> datetime:
        """Exclusive end: midnight after the last day."""
        return datetime.combine(self.end + timedelta(days=1), time(), tzinfo=timezone.utc)


@dataclass(frozen=True)
class WarehouseInfo:
    path: Path
    build_id: str
    built_at: datetime
    as_of: datetime
    definitions_version: str
    first_day: date | None
    last_day: date | None
    options: dict[str, list[str]] = field(default_factory=dict)
    job_labels: dict[str, str] = field(default_factory=dict)


def _path(path: Path | None) -> Path:
    return path or warehouse_path()


def info(path: Path | None = None) -> WarehouseInfo:
    with warehouse.read_only(_path(path)) as con:
        build = warehouse.query(con, "SELECT build_id, built_at, as_of, definitions_version FROM build_info").row(0, named=True)
        bounds = warehouse.query(
            con, "SELECT CAST(min(applied_at) AS DATE) AS first_day, CAST(max(applied_at) AS DATE) AS last_day FROM application_fact"
        ).row(0, named=True)
        options: dict[str, list[str]] = {}
        for attr, column in FILTER_COLUMNS.items():
            values = warehouse.query(
                con, f'SELECT DISTINCT "{column}" AS v FROM application_fact WHERE "{column}" IS NOT NULL ORDER BY 1'
            )
            options[attr] = values["v"].to_list()
        jobs = warehouse.query(con, "SELECT job_key, coalesce(job_title, job_id) || ' (' || job_key || ')' AS label "
                                    "FROM job_fact ORDER BY label")
    return WarehouseInfo(_path(path), build["build_id"], build["built_at"], build["as_of"], build["definitions_version"],
                         bounds["first_day"], bounds["last_day"], options, dict(zip(jobs["job_key"], jobs["label"])))


def prepared(kpi: Kpi, filters: Filters) -> tuple[str, list[str]]:
    """The definition's SQL with the cuts applied (and business time when asked), and the cut
    columns that do not apply to it."""
    sql, unapplied = _prepared(kpi.sql, filters)
    return sql, list(unapplied)


@lru_cache(maxsize=1024)
def _prepared(sql: str, filters: Filters) -> tuple[str, tuple[str, ...]]:
    columns = warehouse_columns()
    sql, unapplied = narrow(sql, filters.columns(), {t: set(columns[t]) for t in FILTERABLE_TABLES})
    return (business_time(sql) if filters.business_days else sql), tuple(unapplied)


def parameters(kpi: Kpi, filters: Filters, as_of: datetime, sql: str) -> dict:
    params = {"start": filters.start_ts, "end": filters.end_ts, "as_of": as_of, "target": kpi.target,
              "stale_days": kpi_settings.load().stale_after_days}
    return {name: value for name, value in params.items() if f"${name}" in sql}


def run(kpi: Kpi, filters: Filters, *, as_of: datetime, path: Path | None = None, con=None) -> pl.DataFrame:
    """Weekly rows plus a total row (week null) for one KPI (on `con` when given, else a new
    read-only connection)."""
    sql, _ = prepared(kpi, filters)
    if con is not None:
        return warehouse.query(con, sql, parameters(kpi, filters, as_of, sql))
    with warehouse.read_only(_path(path)) as own:
        return warehouse.query(own, sql, parameters(kpi, filters, as_of, sql))


@dataclass(frozen=True)
class Tile:
    kpi: Kpi
    value: float | None
    n: int
    week: date | None
    week_value: float | None
    previous_week_value: float | None
    weekly: pl.DataFrame
    not_applied: tuple[str, ...] = ()  # cuts chosen that this KPI cannot be cut by
    total: dict = field(default_factory=dict)  # the whole range's row (p90, numerator, ...)

    @property
    def meets_target(self) -> bool | None:
        return self.kpi.meets_target(self.value)


def last_full_week(as_of: datetime) -> date:
    """Monday of the last complete ISO week before as_of."""
    today = as_of.astimezone(timezone.utc).date()
    this_monday = today - timedelta(days=today.weekday())
    return this_monday - timedelta(days=7)


def tiles(filters: Filters, *, as_of: datetime, path: Path | None = None, headline_only: bool = False,
          group: str | None = None) -> list[Tile]:
    """Each KPI (or each headline KPI, or each of a group) over the range, and its last full week
    against the week before."""
    week = last_full_week(as_of)
    out: list[Tile] = []
    chosen = [k for k in load_definitions().values()
              if not (headline_only and not k.headline) and not (group is not None and k.group != group)]
    with warehouse.read_only(_path(path)) as con:
        frames = [run(kpi, filters, as_of=as_of, con=con) for kpi in chosen]
    for kpi, frame in zip(chosen, frames):
        total = frame.filter(pl.col("week").is_null())
        weekly = frame.filter(pl.col("week").is_not_null())
        pick = lambda d: weekly.filter(pl.col("week") == d)["value"].to_list()  # noqa: E731
        this, prev = pick(week), pick(week - timedelta(days=7))
        out.append(
            Tile(
                kpi=kpi,
                value=total["value"][0] if total.height else None,
                n=int(total["n"][0]) if total.height else 0,
                week=week,
                week_value=this[0] if this else None,
                previous_week_value=prev[0] if prev else None,
                weekly=weekly,
                total=total.row(0, named=True) if total.height else {},
                not_applied=tuple(CUT_LABELS.get(c, c) for c in prepared(kpi, filters)[1]),
            )
        )
    return out
