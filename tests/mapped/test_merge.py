"""Merge's unified model: current stage only, so stage events come from successive snapshots."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest

from pipelines import warehouse
from pipelines.build import build
from pipelines.config import Settings, SourceSettings, _preset
from pipelines.load import ingest
from tests.builders import iso, utc
from tests.conftest import AS_OF

STAGES = {"st-1": "Application Review", "st-2": "Phone Screen", "st-3": "Onsite", "st-4": "Offer", "st-x": "Culture Chat"}


def page(results: list[dict]) -> str:
    return json.dumps({"next": None, "previous": None, "results": results})


def application(aid: str, cand: str, stage: str, modified, rejected=None) -> dict:
    return {"id": aid, "remote_id": f"gh-{aid}", "candidate": cand, "job": "job-1", "applied_at": iso(utc(2026, 11, 2, 9)),
            "rejected_at": iso(rejected), "offers": [], "source": "LinkedIn", "credited_to": "user-1",
            "current_stage": stage, "reject_reason": None, "remote_was_deleted": False, "modified_at": iso(modified),
            "created_at": iso(utc(2026, 11, 2, 10)), "field_mappings": None, "remote_data": None}


@pytest.fixture()
def merge_export(tmp_path: Path) -> Path:
    root = tmp_path / "merge"
    files = {
        "job_interview_stages/p1.json": [{"id": k, "name": v, "job": "job-1", "stage_order": i} for i, (k, v) in enumerate(STAGES.items())],
        "departments/p1.json": [{"id": "dep-1", "name": "Engineering"}],
        "offices/p1.json": [{"id": "off-1", "name": "Berlin"}],
        "users/p1.json": [{"id": "user-1", "first_name": "Sam", "last_name": "Lee", "email": "sam.lee@acme.example"}],
        "jobs/p1.json": [{"id": "job-1", "name": "Data Engineer", "code": "REQ-9", "status": "OPEN", "departments": ["dep-1"],
                          "offices": ["off-1"], "recruiters": ["user-1"], "hiring_managers": [], "remote_created_at": iso(utc(2026, 9, 1))}],
        "candidates/p1.json": [
            {"id": f"cand-{n}", "first_name": n.title(), "last_name": "Test", "company": None,
             "email_addresses": [{"value": f"{n}@mail.example", "email_address_type": "PERSONAL"}],
             "phone_numbers": [], "locations": [], "urls": [], "remote_created_at": iso(utc(2026, 11, 2)),
             "remote_updated_at": iso(utc(2026, 11, 2))} for n in ("ana", "bo", "cy")],
        "applications/2026-11-10/p1.json": [
            application("app-a", "cand-ana", "st-1", utc(2026, 11, 10)),
            application("app-b", "cand-bo", "st-2", utc(2026, 11, 10)),   # first seen already past applied
            application("app-c", "cand-cy", "st-x", utc(2026, 11, 10)),   # unmapped stage
        ],
    }
    for name, results in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(page(results))
    return root


def load(root: Path, settings: Settings):
    return ingest(SourceSettings("merge", "merge", root, mapping=_preset("merge")), settings, loaded_at=AS_OF)


def events(settings: Settings) -> list[tuple]:
    with duckdb.connect(str(warehouse.staging_path(settings.warehouse)), read_only=True) as con:
        return con.sql("SELECT application_id, stage, entered_at, derived FROM stage_event ORDER BY 1, 3").fetchall()


def test_snapshots_become_derived_stage_events(merge_export, tmp_path):
    settings = Settings(warehouse=tmp_path / "wh" / "stagetruth.duckdb")
    first = load(merge_export, settings)
    assert events(settings) == [("app-b", "screened", utc(2026, 11, 10), True)]  # app-a is still at applied
    # the next snapshot: app-a moved to Onsite, app-b was rejected on the 12th, app-c is unchanged
    (merge_export / "applications" / "2026-11-14").mkdir()
    (merge_export / "applications" / "2026-11-14" / "p1.json").write_text(page([
        application("app-a", "cand-ana", "st-3", utc(2026, 11, 14)),
        application("app-b", "cand-bo", "st-2", utc(2026, 11, 14), rejected=utc(2026, 11, 12, 16)),
    ]))
    second = load(merge_export, settings)
    assert not second.full and {o.obj: o.files for o in second.objects}["applications"] == 1
    assert events(settings) == [
        ("app-a", "interviewing", utc(2026, 11, 14), True),
        ("app-b", "screened", utc(2026, 11, 10), True),
        ("app-b", "rejected", utc(2026, 11, 12, 16), True),  # an exit keeps its own time
    ]
    # a third, identical load derives nothing new
    load(merge_export, settings)
    assert len(events(settings)) == 3
    with duckdb.connect(str(warehouse.staging_path(settings.warehouse)), read_only=True) as con:
        q = con.sql("SELECT object, record_id, rule FROM quarantine").fetchall()
        job = con.sql("SELECT department, office, recruiter, status FROM job").fetchall()
    assert ("applications", "app-c", "unmapped_stage") in q
    assert job == [("Engineering", "Berlin", "sam.lee@acme.example", "open")]
    for result in (first, second):
        for o in result.objects:
            assert o.rows_in == o.loaded + o.quarantined


def test_merge_warehouse_builds_with_derived_times(merge_export, tmp_path):
    settings = Settings(warehouse=tmp_path / "wh" / "stagetruth.duckdb")
    load(merge_export, settings)
    build(settings.warehouse, as_of=AS_OF)
    with warehouse.read_only(settings.warehouse) as con:
        fact = dict(con.sql("SELECT application_id, screened_at FROM application_fact").fetchall())
    assert fact == {"app-a": None, "app-b": utc(2026, 11, 10)}
