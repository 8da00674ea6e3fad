"""`stagetruth sql`: a KPI definition written for a customer's own warehouse."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from typing import Annotated, Optional

import typer

from pipelines.cli import _friendly_errors, app, console, out


def _day(value: str | None, option: str) -> datetime | None:
    if value is None:
        return None
    try:
        return datetime.combine(date.fromisoformat(value), time(), tzinfo=timezone.utc)
    except ValueError:
        raise typer.BadParameter(f"{value!r} is not a date (YYYY-MM-DD)", param_hint=option)


@app.command()
def sql(
    kpi: Annotated[str, typer.Argument(help="The KPI's name (its file name under metrics/kpis/).")],
    dialect: Annotated[str, typer.Option(help="duckdb, snowflake, bigquery, spark or trino.")] = "duckdb",
    week: Annotated[Optional[str], typer.Option(help="Inline the cohort window of this ISO week, e.g. 2026-W47.")] = None,
    start: Annotated[Optional[str], typer.Option(help="Inline the first day of the window, YYYY-MM-DD.")] = None,
    end: Annotated[Optional[str], typer.Option(help="Inline the last day of the window, YYYY-MM-DD (inclusive).")] = None,
    as_of: Annotated[Optional[str], typer.Option("--as-of", help="Inline the data's 'now', YYYY-MM-DD (UTC).")] = None,
) -> None:
    """Print a KPI definition in another warehouse's SQL. The target is inlined; the cohort window
    and as-of time are inlined when given, else left as the dialect's parameter markers. A
    construct that the dialect cannot express with the same meaning (e.g. an exact percentile on
    BigQuery or Trino) is refused with the KPI, construct and dialect named, rather than printed
    with different semantics."""
    from metrics.catalog import definitions_version, load_definitions
    from metrics.scorecard import ScorecardError, parse_week
    from metrics.sql.transpile import DIALECTS, TranspileError, header, transpile

    if dialect not in DIALECTS:
        raise typer.BadParameter(f"{dialect!r}: use {', '.join(DIALECTS)}", param_hint="--dialect")
    values: dict = {}
    if week is not None:
        if start or end:
            raise typer.BadParameter("give --week or --start/--end, not both", param_hint="--week")
        try:
            monday = parse_week(week)
        except ScorecardError as exc:
            raise typer.BadParameter(str(exc), param_hint="--week")
        values["start"] = datetime.combine(monday, time(), tzinfo=timezone.utc)
        values["end"] = values["start"] + timedelta(weeks=1)
    if start is not None:
        values["start"] = _day(start, "--start")
    if end is not None:
        values["end"] = _day(end, "--end") + timedelta(days=1)
    if as_of is not None:
        values["as_of"] = _day(as_of, "--as-of")
    with _friendly_errors():
        definitions = load_definitions()
        if kpi not in definitions:
            console.print(f"[red]error:[/red] no KPI named {kpi!r} (known: {', '.join(definitions)})", soft_wrap=True)
            raise typer.Exit(2)
        definition = definitions[kpi]
        try:
            translation = transpile(kpi, definition.sql, dialect, {**values, "target": definition.target})
        except TranspileError as exc:
            console.print(f"[red]error:[/red] {exc}", soft_wrap=True)
            raise typer.Exit(2)
        out.file.write(header(translation, definitions_version()) + "\n" + translation.sql + "\n")
