"""`stagetruth mismatches`: the stage mismatches of the served warehouse, for scripts."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from pipelines.cli import _friendly_errors, app, console


@app.command()
def mismatches(
    fmt: Annotated[str, typer.Option("--format", "-f", help="csv or json.")] = "csv",
    show_all: Annotated[bool, typer.Option("--all", help="Include mismatches resolved by agreement or by a person.")] = False,
) -> None:
    """Print the open stage mismatches between systems (or all of them with --all) as CSV or JSON.

    One row per mismatch: its id, rule, severity, status, application, systems, owner, when it
    began and its age in hours, and the evidence (which system said what, when) as JSON.
    """
    if fmt not in ("csv", "json"):
        raise typer.BadParameter(f"{fmt!r}: use csv or json", param_hint="--format")
    from metrics.mismatches import for_export, mismatches as read, safe_csv

    with _friendly_errors():
        frame = for_export(read(include_resolved=show_all))
        if fmt == "json":
            rows = frame.to_dicts()
            for row in rows:
                row["systems"] = row["systems"].split("|")
                row["evidence"] = json.loads(row["evidence"])
            print(json.dumps(rows, indent=1))
        else:
            print(safe_csv(frame), end="")
        console.print(f"{frame.height:,} {'' if show_all else 'open '}mismatch(es)")
