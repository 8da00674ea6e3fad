"""`stagetruth scorecard`: the weekly scorecard as CSV, XLSX or HTML, for schedulers."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from pipelines.cli import _friendly_errors, app, console, out


@app.command()
def scorecard(
    week: Annotated[str, typer.Option(help="The ISO week, e.g. 2026-W47.")],
    fmt: Annotated[str, typer.Option("--format", "-f", help="csv, xlsx or html.")] = "csv",
    out_file: Annotated[Optional[Path], typer.Option("--out", help="File to write (default: print CSV or HTML to stdout).")] = None,
    department: Annotated[Optional[list[str]], typer.Option(help="Only these departments (repeatable).")] = None,
    recruiter: Annotated[Optional[list[str]], typer.Option(help="Only these recruiters (repeatable).")] = None,
    channel: Annotated[Optional[list[str]], typer.Option(help="Only these sources/channels (repeatable).")] = None,
) -> None:
    """Write the weekly scorecard: each KPI's value, target, status, change against the week before,
    a four-week trend and owner, with a data-health footnote, stamped with the definitions version
    and the warehouse build. No exported cell can start a spreadsheet formula."""
    from metrics import exports
    from metrics.compute import Filters
    from metrics.scorecard import ScorecardError, build_scorecard, parse_week
    from pipelines.config import load_settings

    if fmt not in exports.FORMATS:
        raise typer.BadParameter(f"{fmt!r}: use {', '.join(exports.FORMATS)}", param_hint="--format")
    if fmt == "xlsx" and out_file is None:
        raise typer.BadParameter("an XLSX file is binary: give --out FILE", param_hint="--out")
    with _friendly_errors():
        try:
            monday = parse_week(week)
            scope = Filters(monday, monday, tuple(department or ()), tuple(recruiter or ()), tuple(channel or ()))
            card = build_scorecard(monday, path=load_settings().warehouse, scope=scope)
        except ScorecardError as exc:
            console.print(f"[red]error:[/red] {exc}", soft_wrap=True)
            raise typer.Exit(2)
        data = exports.export(card, fmt)
        if out_file is None:
            out.file.write(data.decode("utf-8"))
            return
        out_file.parent.mkdir(parents=True, exist_ok=True)
        out_file.write_bytes(data)
        console.print(f"scorecard {card.label} written to {out_file} ({len(data):,} bytes; definitions "
                      f"{card.definitions_version}, build {card.build_id}; trust {card.health.trust})")
