"""The weekly scorecard: every KPI for one ISO week, against target and the week before, with a
four-week trend, its owner, and a data-health footnote that says how far to trust the figures.

Every KPI file in metrics/kpis/ appears (metrics.catalog.load_definitions()); nothing here names
a KPI except `duplicate_record_rate`, which feeds the footnote when it is defined. A scorecard is
stamped with the definitions version and the build id of the warehouse it was computed from.
Exports live in metrics.exports.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from pathlib import Path

import polars as pl

from metrics import compute, health
from metrics.catalog import Kpi, definitions_version, load_definitions
from pipelines import warehouse
from pipelines.paths import warehouse_path

TREND_WEEKS = 4
DUPLICATE_KPI = "duplicate_record_rate"
MISMATCH_TABLE = "mismatch"
NOT_MEASURED = "not measured yet"
# How far to trust the week: every measure at or under its limit gives "high"; any over gives
# "low"; all within but something not measured gives "limited".
QUARANTINE_LIMIT = 0.01  # share of records read in the latest loads
DUPLICATE_LIMIT = 0.02  # duplicate record rate
MISMATCH_LIMIT = 0.01  # open mismatches per application in the warehouse


class ScorecardError(ValueError):
    """A week that is not an ISO week, or that has no data: the message says which and why."""


def parse_week(text: str) -> date:
    """The Monday of an ISO week written like 2026-W47."""
    try:
        return datetime.strptime(text.strip() + "-1", "%G-W%V-%u").date()
    except ValueError:
        raise ScorecardError(f"{text!r} is not an ISO week like 2026-W47") from None


def week_label(monday: date) -> str:
    year, week, _ = monday.isocalendar()
    return f"{year}-W{week:02d}"


@dataclass(frozen=True)
class KpiLine:
    """One KPI on the scorecard: the week's value against target and the week before."""

    kpi: Kpi
    value: float | None
    n: int
    previous: float | None
    trend: tuple[float | None, ...]  # the TREND_WEEKS weeks ending with this one, oldest first

    @property
    def change(self) -> float | None:
        return None if self.value is None or self.previous is None else self.value - self.previous

    @property
    def status(self) -> str:
        return {True: "on target", False: "off target", None: "no data"}[self.kpi.meets_target(self.value)]


@dataclass(frozen=True)
class HealthMeasure:
    name: str
    label: str
    value: float | None  # None: not measured yet
    limit: float
    note: str

    @property
    def measured(self) -> bool:
        return self.value is not None


@dataclass(frozen=True)
class Health:
    measures: tuple[HealthMeasure, ...]
    quarantine: pl.DataFrame  # source, object, rule, records, example

    @property
    def trust(self) -> str:
        measured = [m for m in self.measures if m.measured]
        if any(m.value > m.limit for m in measured):
            return "low"
        return "high" if len(measured) == len(self.measures) else "limited"

    @property
    def footnote(self) -> str:
        parts = [m.note for m in self.measures]
        return f"Trust: {self.trust}. " + " ".join(parts)


@dataclass(frozen=True)
class Scorecard:
    week: date  # Monday
    lines: tuple[KpiLine, ...]
    health: Health
    definitions_version: str  # of the definition files the figures were computed with
    build_id: str
    built_at: datetime
    as_of: datetime
    scope: dict[str, list[str]]  # cuts applied: column -> values (empty: the whole warehouse)
    build_definitions_version: str = ""  # of the definitions the warehouse was built with

    @property
    def label(self) -> str:
        return week_label(self.week)

    @property
    def weeks(self) -> list[date]:
        return [self.week - timedelta(weeks=TREND_WEEKS - 1 - i) for i in range(TREND_WEEKS)]

    @property
    def scope_text(self) -> str:
        cuts = [f"{column}: {', '.join(values)}" for column, values in self.scope.items() if values]
        return "; ".join(cuts) if cuts else "all applications"

    @property
    def stamp(self) -> str:
        drift = (f" (warehouse built with {self.build_definitions_version})"
                 if self.build_definitions_version and self.build_definitions_version != self.definitions_version else "")
        return (f"Week {self.label} ({self.week:%d %b} to {self.week + timedelta(days=6):%d %b %Y}) · definitions "
                f"{self.definitions_version}{drift} · warehouse build {self.build_id} · "
                f"data as of {self.as_of:%Y-%m-%d %H:%M} UTC")

    def trend_frame(self) -> pl.DataFrame:
        """One row per KPI and trend week."""
        rows = [
            {"kpi": line.kpi.name, "title": line.kpi.title, "week": week_label(w), "week_start": w, "value": v}
            for line in self.lines for w, v in zip(self.weeks, line.trend)
        ]
        return pl.DataFrame(rows, schema={"kpi": pl.String, "title": pl.String, "week": pl.String,
                                          "week_start": pl.Date, "value": pl.Float64})


def _path(path: Path | None) -> Path:
    return path or warehouse_path()


def _line(kpi: Kpi, frame: pl.DataFrame, weeks: list[date]) -> KpiLine:
    weekly = frame.filter(pl.col("week").is_not_null())
    values = dict(zip(weekly["week"].to_list(), weekly["value"].to_list()))
    counts = dict(zip(weekly["week"].to_list(), weekly["n"].to_list()))
    trend = tuple(values.get(w) for w in weeks)
    return KpiLine(kpi=kpi, value=trend[-1], n=int(counts.get(weeks[-1]) or 0), previous=trend[-2], trend=trend)


def _table_columns(con, table: str) -> set[str]:
    found = warehouse.query(con, "SELECT column_name FROM information_schema.columns WHERE table_name = $t", {"t": table})
    return set(found["column_name"].to_list())


def _health(lines: tuple[KpiLine, ...], path: Path) -> Health:
    log = health.load_log(path=path)
    rows_in = int(log["rows_in"].sum()) if log.height else 0
    quarantined_latest = int(log["quarantined"].sum()) if log.height else 0
    share = quarantined_latest / rows_in if rows_in else 0.0
    with warehouse.read_only(path) as con:
        held = int(warehouse.query(con, "SELECT count(*) AS n FROM quarantine")["n"][0])
        applications = int(warehouse.query(con, "SELECT count(*) AS n FROM application_fact")["n"][0])
        open_mismatches: int | None = None
        if "status" in _table_columns(con, MISMATCH_TABLE):
            open_mismatches = int(warehouse.query(
                con, f'SELECT count(*) AS n FROM "{MISMATCH_TABLE}" WHERE lower(status) = $open', {"open": "open"})["n"][0])
    measures = [HealthMeasure(
        "quarantined_rows", "Quarantined rows", share, QUARANTINE_LIMIT,
        f"{held:,} quarantined row(s) are held out of every figure ({share:.1%} of the {rows_in:,} records read in the "
        f"latest loads; limit {QUARANTINE_LIMIT:.0%}).",
    )]
    duplicates = next((line for line in lines if line.kpi.name == DUPLICATE_KPI), None)
    if duplicates is None:
        measures.append(HealthMeasure(DUPLICATE_KPI, "Duplicate record rate", None, DUPLICATE_LIMIT,
                                      f"Duplicate record rate: {NOT_MEASURED}."))
    elif duplicates.value is None:
        measures.append(HealthMeasure(DUPLICATE_KPI, "Duplicate record rate", None, DUPLICATE_LIMIT,
                                      "Duplicate record rate: no data for this week."))
    else:
        measures.append(HealthMeasure(
            DUPLICATE_KPI, "Duplicate record rate", duplicates.value, DUPLICATE_LIMIT,
            f"Duplicate record rate {duplicates.value:.1%} (limit {DUPLICATE_LIMIT:.0%}): people counted more than once."))
    if open_mismatches is None:
        measures.append(HealthMeasure("open_mismatches", "Open mismatches", None, MISMATCH_LIMIT,
                                      f"Open stage mismatches between systems: {NOT_MEASURED}."))
    else:
        rate = open_mismatches / applications if applications else 0.0
        measures.append(HealthMeasure(
            "open_mismatches", "Open mismatches", rate, MISMATCH_LIMIT,
            f"{open_mismatches:,} open stage mismatch(es) between systems ({rate:.1%} of {applications:,} applications; "
            f"limit {MISMATCH_LIMIT:.0%})."))
    return Health(tuple(measures), health.quarantine_summary(path=path))


def build_scorecard(week: str | date, *, path: Path | None = None, scope: compute.Filters | None = None) -> Scorecard:
    """The scorecard of one ISO week ('2026-W47' or its Monday), optionally cut by scope's filters.

    Raises ScorecardError for a week that is not an ISO week, has not ended by the data's as-of
    time, or where no KPI has any data.
    """
    monday = parse_week(week) if isinstance(week, str) else week - timedelta(days=week.weekday())
    label = week_label(monday)
    meta = compute.info(_path(path))
    weeks = [monday - timedelta(weeks=TREND_WEEKS - 1 - i) for i in range(TREND_WEEKS)]
    first, last = weeks[0], monday + timedelta(days=6)
    if monday > meta.as_of.date():
        raise ScorecardError(f"no data for {label}: it starts after the data's as-of time "
                             f"({meta.as_of:%Y-%m-%d}); the latest week with data is {week_label(compute.last_full_week(meta.as_of))}")
    base = scope or compute.Filters(first, last)
    filters = replace(base, start=first, end=last)
    lines = tuple(_line(kpi, compute.run(kpi, filters, as_of=meta.as_of, path=meta.path), weeks)
                  for kpi in load_definitions().values())
    if not any(line.n or line.value is not None for line in lines):
        span = (f"{week_label(meta.first_day)} to {week_label(meta.last_day)}" if meta.first_day and meta.last_day
                else "no weeks")
        raise ScorecardError(f"no data for {label}: no KPI has a figure that week (applications span {span})")
    return Scorecard(
        week=monday, lines=lines, health=_health(lines, meta.path), definitions_version=definitions_version(),
        build_id=meta.build_id, built_at=meta.built_at, as_of=meta.as_of,
        scope={column: values for column, values in filters.columns().items() if values},
        build_definitions_version=meta.definitions_version,
    )


def available_weeks(info: compute.WarehouseInfo) -> list[date]:
    """Mondays from the first application's week to the last full week, newest first."""
    last = compute.last_full_week(info.as_of)
    first = info.first_day - timedelta(days=info.first_day.weekday()) if info.first_day else last
    weeks = []
    while last >= first:
        weeks.append(last)
        last -= timedelta(weeks=1)
    return weeks
