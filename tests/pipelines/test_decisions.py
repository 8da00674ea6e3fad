"""The decisions store: append-only, undo by appending, survives anything a build does."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from pipelines import decisions
from pipelines.decisions import DecisionError


@pytest.fixture
def store(tmp_path: Path) -> Path:
    return tmp_path / "decisions.duckdb"


def test_a_decision_is_appended_with_who_what_why(store: Path):
    audit_id = decisions.record("identity.same_person", "record_pair", "a:1|b:2", actor="ops@acme.example",
                                reason="same phone and name", after={"person": "p1"}, path=store)
    rows = decisions.entries(path=store)
    assert rows.height == 1
    row = rows.row(0, named=True)
    assert row["audit_id"] == audit_id and row["actor"] == "ops@acme.example"
    assert row["after"] == '{"person": "p1"}' and row["recorded_at"].tzinfo is not None


def test_undo_appends_and_the_original_stays(store: Path):
    first = decisions.record("mismatch.resolve", "mismatch", "m1", actor="ops", reason="fixed in ATS", path=store)
    decisions.record("mismatch.resolve", "mismatch", "m2", actor="ops", reason="known", path=store)
    decisions.undo(first, actor="lead", reason="not fixed after all", path=store)
    assert decisions.entries(path=store).height == 3
    assert decisions.standing("mismatch.resolve", path=store)["subject_id"].to_list() == ["m2"]


def test_bad_decisions_are_refused(store: Path):
    with pytest.raises(DecisionError, match="who made it"):
        decisions.record("mismatch.resolve", "mismatch", "m1", actor=" ", path=store)
    with pytest.raises(DecisionError, match="say why"):
        decisions.record("mismatch.resolve", "mismatch", "m1", actor="ops", require_reason=True, path=store)
    with pytest.raises(DecisionError, match="no such audit entry"):
        decisions.undo("nope", actor="ops", path=store)
    assert decisions.entries(path=store).height == 0


def test_reading_an_absent_store_gives_empty_tables(store: Path):
    assert decisions.entries(path=store).height == 0
    assert decisions.standing("identity", path=store).height == 0


def test_the_module_never_rewrites_the_trail():
    text = Path(decisions.__file__).read_text()
    assert not re.search(r"\b(UPDATE|DELETE|DROP|TRUNCATE)\b", text)
