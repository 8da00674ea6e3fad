"""`stagetruth erase` and `stagetruth purge`: a person, or everything past retention, out of every layer."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from typing import Annotated, Optional

import typer

from pipelines.cli import _friendly_errors, app, console, load_settings
from pipelines.decisions import current_actor


def _cutoff(value: str) -> datetime:
    """`400d` (days before now) or a date, YYYY-MM-DD."""
    try:
        if value.endswith("d") and value[:-1].isdigit():
            return datetime.now(timezone.utc) - timedelta(days=int(value[:-1]))
        return datetime.combine(date.fromisoformat(value), time(), tzinfo=timezone.utc)
    except ValueError:
        raise typer.BadParameter(f"{value!r}: give a number of days like 730d, or a date YYYY-MM-DD", param_hint="--older-than")


@app.command()
def erase(
    email: Annotated[Optional[str], typer.Option("--email", help="Erase the person with this email (any source).")] = None,
    person: Annotated[Optional[str], typer.Option("--person", help="Erase this person id (needs identity resolution).")] = None,
    reason: Annotated[Optional[str], typer.Option("--reason", help="Why, for the audit trail (e.g. the request's reference).")] = None,
) -> None:
    """Remove a person from every layer (raw included), keep them out of later loads, and audit it."""
    from pipelines.privacy.erase import ErasureError, erase as run

    with _friendly_errors():
        try:
            report = run(load_settings(), email=email, person=person, actor=current_actor(), reason=reason)
        except ErasureError as exc:
            console.print(f"[red]error:[/red] {exc}")
            raise typer.Exit(2)
    parts = ", ".join(f"{n} {table}" for table, n in sorted(report.rows.items()) if n)
    console.print(f"erased {report.total:,} row(s): {parts}; {report.raw_records:,} raw record(s), "
                  f"{report.quarantine_rows:,} quarantine row(s); {report.keys_added:,} suppression key(s) added.")
    if report.removed_files:
        console.print(f"removed stores moved aside earlier: {', '.join(report.removed_files)}")
    console.print(f"audit entry {report.audit_id}; the warehouse was rebuilt.")


@app.command()
def purge(
    older_than: Annotated[Optional[str], typer.Option("--older-than", help="730d or YYYY-MM-DD. Default: the settings' retention days.")] = None,
    reason: Annotated[Optional[str], typer.Option("--reason", help="Why, for the audit trail.")] = None,
) -> None:
    """Apply retention: remove from every layer what nothing has touched since the cutoff."""
    from pipelines.privacy.erase import ErasureError
    from pipelines.privacy.retention import purge as run
    from pipelines.privacy.settings import retention_days

    with _friendly_errors():
        if older_than is None:
            days = retention_days()
            if days is None:
                console.print("[red]error:[/red] no --older-than and no [retention] days in the settings")
                raise typer.Exit(2)
            older_than = f"{days}d"
        cutoff = _cutoff(older_than)
        try:
            report = run(load_settings(), cutoff, actor=current_actor(), reason=reason)
        except ErasureError as exc:
            console.print(f"[red]error:[/red] {exc}")
            raise typer.Exit(2)
    parts = ", ".join(f"{n} {table}" for table, n in sorted(report.rows.items()) if n) or "no rows"
    console.print(f"purged everything untouched since {cutoff:%Y-%m-%d}: {parts}; {report.raw_records:,} raw record(s), "
                  f"{report.quarantine_rows:,} quarantine row(s). Audit entry {report.audit_id}.")
