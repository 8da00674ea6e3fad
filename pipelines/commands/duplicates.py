"""`stagetruth duplicates`: every candidate record with its person, for scripts."""

from __future__ import annotations

import csv
import io
import json
from typing import Annotated

import typer

from pipelines.cli import _friendly_errors, app, console, out


@app.command()
def duplicates(
    fmt: Annotated[str, typer.Option("--format", "-f", help="csv or json.")] = "csv",
    only_duplicates: Annotated[bool, typer.Option("--only-duplicates", help="Only records whose person has more than one record.")] = False,
) -> None:
    """Print every candidate record with its person id, source, source_id, band and the rule or score that placed it."""
    from metrics.identity import records

    if fmt not in ("csv", "json"):
        console.print(f"[red]error:[/red] --format {fmt!r}: use csv or json")
        raise typer.Exit(2)
    with _friendly_errors():
        frame = records()
    if only_duplicates:
        frame = frame.filter(frame["cluster_size"] > 1)
    rows = frame.to_dicts()
    if fmt == "json":
        out.file.write(json.dumps(rows, default=str) + "\n")
        return
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=frame.columns, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: _safe(v) for k, v in row.items()})
    out.file.write(buffer.getvalue())


def _safe(value: object) -> object:
    """No cell may run as a spreadsheet formula."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value
    return "" if value is None else value
