"""People's decisions and the audit trail, in their own DuckDB file (paths.decisions_path()).

Every decision a person makes (same person, not the same person, split, undo, mismatch
resolved, stage correction, erasure, export of personal data) is one appended `audit` row:
who, when, what, on which subject, the state before and after, and why. Nothing here updates or
deletes a row; a decision is revoked by appending an `undo` that names it. Builds read the
entries and let them win over what the rules derive. The store lives apart from the staging
store and the served warehouse, so neither a rebuild nor a staging schema change can lose it.

Entries carry ids (source:source_id, person ids, mismatch ids), never names, emails or phones.
"""

from __future__ import annotations

import getpass
import json
import os
import uuid
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import polars as pl

from pipelines import warehouse
from pipelines.paths import decisions_path

AUDIT_DDL = (
    'CREATE TABLE IF NOT EXISTS "audit" (audit_id VARCHAR PRIMARY KEY, recorded_at TIMESTAMPTZ NOT NULL, '
    "actor VARCHAR NOT NULL, action VARCHAR NOT NULL, subject_type VARCHAR NOT NULL, subject_id VARCHAR NOT NULL, "
    "before VARCHAR, after VARCHAR, reason VARCHAR, undoes VARCHAR)",
)
AUDIT_SCHEMA = {
    "audit_id": pl.String, "recorded_at": pl.Datetime("us", "UTC"), "actor": pl.String, "action": pl.String,
    "subject_type": pl.String, "subject_id": pl.String, "before": pl.String, "after": pl.String,
    "reason": pl.String, "undoes": pl.String,
}


class DecisionError(ValueError):
    """A decision that cannot be recorded as asked (no actor, no reason, unknown entry to undo)."""


def current_actor() -> str:
    """Who is acting when no signed-in user is known: STAGETRUTH_USER, else the OS user."""
    return os.environ.get("STAGETRUTH_USER") or f"local:{getpass.getuser()}"


def record(
    action: str,
    subject_type: str,
    subject_id: str,
    *,
    actor: str,
    reason: str | None = None,
    before: Any = None,
    after: Any = None,
    undoes: str | None = None,
    require_reason: bool = False,
    path: Path | None = None,
) -> str:
    """Append one audit entry and return its id."""
    if not actor or not actor.strip():
        raise DecisionError(f"{action} on {subject_type} {subject_id}: a decision needs who made it")
    if require_reason and not (reason or "").strip():
        raise DecisionError(f"{action} on {subject_type} {subject_id}: say why (a note is required)")
    audit_id = uuid.uuid4().hex
    row = [audit_id, datetime.now(timezone.utc), actor.strip(), action, subject_type, subject_id,
           _json(before), _json(after), reason, undoes]
    with warehouse.decisions_store(path or decisions_path(), AUDIT_DDL) as con:
        if undoes is not None:
            found = con.execute("SELECT count(*) FROM audit WHERE audit_id = ?", [undoes]).fetchall()[0][0]
            if not found:
                raise DecisionError(f"cannot undo {undoes}: no such audit entry")
        con.execute("INSERT INTO audit VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", row)
    return audit_id


def entries(action_prefix: str | None = None, *, path: Path | None = None) -> pl.DataFrame:
    """Audit entries in the order they were written, optionally only actions starting with a prefix."""
    with warehouse.decisions_store(path or decisions_path(), AUDIT_DDL, read_only=True) as con:
        where, params = ("WHERE starts_with(action, ?)", [action_prefix]) if action_prefix else ("", [])
        frame = con.sql(f"SELECT * FROM audit {where} ORDER BY recorded_at, audit_id", params=params or None).pl()
    return frame.cast(AUDIT_SCHEMA) if frame.height else pl.DataFrame(schema=AUDIT_SCHEMA)


def standing(action_prefix: str, *, path: Path | None = None) -> pl.DataFrame:
    """Entries under a prefix that still stand: not undone by a later `undo` entry."""
    every = entries(None, path=path)
    undone = every.filter(pl.col("undoes").is_not_null())["undoes"]
    return every.filter(pl.col("action").str.starts_with(action_prefix) & pl.col("undoes").is_null()
                        & ~pl.col("audit_id").is_in(undone.implode()))


def undo(audit_id: str, *, actor: str, reason: str | None = None, path: Path | None = None) -> str:
    """Revoke a decision by appending an entry that names it; the original stays in the trail."""
    original = entries(None, path=path).filter(pl.col("audit_id") == audit_id)
    if original.height == 0:
        raise DecisionError(f"cannot undo {audit_id}: no such audit entry")
    row = original.row(0, named=True)
    return record(f"{row['action']}.undo", row["subject_type"], row["subject_id"], actor=actor, reason=reason,
                  before=_parse(row["after"]), after=_parse(row["before"]), undoes=audit_id, path=path)


def _json(value: Any) -> str | None:
    return None if value is None else json.dumps(value, sort_keys=True, default=str)


def _parse(text: str | None) -> Any:
    return None if text is None else json.loads(text)
