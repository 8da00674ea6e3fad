"""UI helpers of the Duplicates page: cached reads of the identity tables, the side-by-side view, decisions."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import polars as pl
import streamlit as st

import ui
from metrics import identity as views
from pipelines import decisions
from pipelines.identity import decisions as identity_decisions

FIELDS = ("source", "source_id", "first_name", "last_name", "emails", "phones", "location", "company", "profile_url",
          "updated_at", "band", "rule", "match_probability", "reasons")


@st.cache_data(show_spinner=False)
def _read(name: str, path: str, stamp: float, **kwargs) -> pl.DataFrame:
    return getattr(views, name)(path=Path(path), **kwargs)


def table(name: str, info, **kwargs) -> pl.DataFrame:
    return _read(name, str(info.path), ui._stamp(info.path), **kwargs)


def side_by_side(records: pl.DataFrame):
    """Records as columns, fields as rows; rows whose values differ between records are highlighted."""
    columns = {f"{r['person_id']} · {r['source']} · {r['record_ref']}": [_text(r[f]) for f in FIELDS]
               for r in records.to_dicts()}
    frame = pd.DataFrame(columns, index=list(FIELDS))
    differs = {field for field in FIELDS[2:10] if frame.loc[field].map(_plain).nunique() > 1}

    def highlight(row: pd.Series) -> list[str]:
        return ["background-color: #fff3b0" if row.name in differs else "" for _ in row]

    return frame.style.apply(highlight, axis=1), sorted(differs)


def _text(value) -> str:
    return "" if value is None else str(value)


def _plain(value: str) -> str:
    return " ".join(value.lower().split())


def decide(action: str, refs: list[str], person_id: str, all_refs: list[str], reason: str) -> str:
    """Write one identity decision; returns a sentence for the page. Raises DecisionError with a clear message."""
    actor = ui.current_access().actor
    if action == "split":
        rest = [r for r in all_refs if r not in refs]
        audit = identity_decisions.split(person_id, refs, rest, actor=actor, reason=reason or None)
        return f"Split recorded ({audit[:8]}): {len(refs)} record(s) will become a person of their own at the next build."
    if len(refs) != 2:
        raise decisions.DecisionError("choose exactly two records")
    if action == "same":
        audit = identity_decisions.same_person(*refs, actor=actor, reason=reason or None)
        return f"Recorded ({audit[:8]}): same person. It takes effect at the next build and wins over every rule."
    audit = identity_decisions.not_same_person(*refs, actor=actor, reason=reason or None)
    return f"Recorded ({audit[:8]}): not the same person. It takes effect at the next build and wins over every rule."


def recent_decisions() -> pl.DataFrame:
    return decisions.standing("identity.").select("audit_id", "recorded_at", "actor", "action", "subject_id", "reason")


def undo(audit_id: str) -> str:
    decisions.undo(audit_id, actor=ui.current_access().actor, reason="undone on the Duplicates page")
    return f"Undone: {audit_id[:8]}. The next build re-resolves without it."
