"""A mismatch through real builds: stable id, first-detected time carried, resolved by a person (audited),
reopened by new evidence, resolved by agreement when the systems agree."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import polars as pl
import pytest

from metrics.mismatches import mismatches, timeline
from pipelines import decisions
from pipelines.build import build
from pipelines.config import Settings, SourceSettings, _preset
from pipelines.decisions import DecisionError
from pipelines.load import ingest
from pipelines.mismatches.lifecycle import resolve
from tests.builders import GreenhouseExport, utc
from tests.conftest import AS_OF

STAGES = {11: "Application Review", 12: "Preliminary Phone Screen", 13: "Face to Face", 14: "Offer"}
HEADER = "employee_id,application_id,email,first_name,last_name,hire_date,onboarded,created_at\n"


def export(hired: bool) -> GreenhouseExport:
    gh = GreenhouseExport()
    gh.job(1, "Backend Engineer", stages=STAGES)
    gh.candidate(101, "Ann", "Tester", "ann@mail.example")
    gh.application(1001, 101, 1, utc(2026, 11, 2, 9), (14, "Offer"), status="hired" if hired else "active")
    gh.move(1001, utc(2026, 11, 2, 9), 11)
    gh.move(1001, utc(2026, 11, 9, 9), 14)
    if hired:
        gh.move(1001, utc(2026, 11, 24, 9), None, "hired")
    return gh


class Stack:
    def __init__(self, root: Path):
        self.root, self.gh, self.payroll = root, root / "gh", root / "payroll"
        self.settings = Settings(warehouse=root / "wh" / "stagetruth.duckdb")
        self.payroll.mkdir(parents=True)

    def load(self, *, hired: bool, hire_date: str, at) -> None:
        export(hired).write(self.gh)
        (self.payroll / "new_hires.csv").write_text(
            HEADER + f"W1,1001,ann@mail.example,Ann,Tester,{hire_date},false,2026-11-10T10:00:00Z\n")
        ingest(SourceSettings("greenhouse", "greenhouse", self.gh), self.settings, loaded_at=at, full=True)
        ingest(SourceSettings("payroll", "payroll", self.payroll, mapping=_preset("payroll")), self.settings, loaded_at=at,
               full=True)
        build(self.settings.warehouse, as_of=at)

    def all(self) -> pl.DataFrame:
        return mismatches(include_resolved=True, path=self.settings.warehouse)


@pytest.fixture
def stack(tmp_path, monkeypatch) -> Stack:
    monkeypatch.setenv("STAGETRUTH_DECISIONS", str(tmp_path / "decisions.duckdb"))
    return Stack(tmp_path)


def test_resolution_survives_rebuilds_until_new_evidence_then_agreement_closes_it(stack):
    stack.load(hired=False, hire_date="2026-12-01", at=AS_OF)
    first = stack.all()
    assert first.select("type", "status", "application_id").rows() == [("payroll_hire_no_ats_hire", "open", "1001")]
    row = first.row(0, named=True)
    assert row["first_detected_at"] == AS_OF and row["owner"] == "Sam Lee" and row["systems"] == ["payroll", "greenhouse"]
    assert row["since_at"] == utc(2026, 11, 10, 10) and row["age_hours"] == pytest.approx((AS_OF - row["since_at"]).total_seconds() / 3600)

    later = AS_OF + timedelta(hours=6)
    stack.load(hired=False, hire_date="2026-12-01", at=later)
    again = stack.all().row(0, named=True)
    assert again["mismatch_id"] == row["mismatch_id"] and again["first_detected_at"] == AS_OF
    assert again["last_detected_at"] == later and again["status"] == "open"

    with pytest.raises(DecisionError, match="note is required"):
        resolve(row["mismatch_id"], row["fingerprint"], "  ", actor="ops:42")
    audit_id = resolve(row["mismatch_id"], row["fingerprint"], "hire is on hold, ATS updated next week", actor="ops:42")
    shown = stack.all().row(0, named=True)  # shown at once, before any rebuild
    assert shown["status"] == "resolved_by_person" and shown["resolved_by"] == "ops:42"
    assert shown["resolution_note"] == "hire is on hold, ATS updated next week"
    entry = decisions.entries("mismatch.resolve").row(0, named=True)
    assert entry["audit_id"] == audit_id and entry["subject_id"] == row["mismatch_id"] and entry["reason"]

    stack.load(hired=False, hire_date="2026-12-01", at=later + timedelta(hours=1))
    kept = stack.all().row(0, named=True)
    assert kept["status"] == "resolved_by_person" and mismatches(path=stack.settings.warehouse).height == 0

    stack.load(hired=False, hire_date="2026-12-08", at=later + timedelta(hours=2))  # payroll moved the first day
    reopened = stack.all().row(0, named=True)
    assert reopened["mismatch_id"] == row["mismatch_id"] and reopened["status"] == "open"
    assert reopened["fingerprint"] != row["fingerprint"] and reopened["first_detected_at"] == AS_OF

    done = later + timedelta(days=2)
    stack.load(hired=True, hire_date="2026-12-08", at=done)
    closed = stack.all().row(0, named=True)
    assert closed["status"] == "resolved_by_agreement" and closed["resolved_at"] == done
    assert mismatches(path=stack.settings.warehouse).height == 0


def test_undoing_a_resolution_reopens_it(stack):
    stack.load(hired=False, hire_date="2026-12-01", at=AS_OF)
    row = stack.all().row(0, named=True)
    audit_id = resolve(row["mismatch_id"], row["fingerprint"], "looked fine", actor="ops:7")
    assert mismatches(path=stack.settings.warehouse).height == 0
    decisions.undo(audit_id, actor="ops:7", reason="it was not fine")
    assert mismatches(path=stack.settings.warehouse)["mismatch_id"].to_list() == [row["mismatch_id"]]


def test_timeline_has_a_lane_per_system_with_every_event(stack):
    stack.load(hired=False, hire_date="2026-12-01", at=AS_OF)
    events = timeline("greenhouse", "1001", path=stack.settings.warehouse)
    assert set(events["system"]) == {"greenhouse", "payroll"}
    assert {"applied", "new hire created", "first day"} <= set(events["event"])
    assert events["at"].is_sorted()
