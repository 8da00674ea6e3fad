"""Lever through its preset: epoch-ms times, stage ids through the stages list, stageChanges, archive reasons."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import duckdb
import pytest

from pipelines import warehouse
from pipelines.config import Settings, SourceSettings, _preset
from pipelines.load import ingest
from tests.builders import utc
from tests.conftest import AS_OF, SHARED_FORMATS

LEVER = SHARED_FORMATS / "lever" / "lever_data_api_go_test_responses"
ONSITE = "fbfb4473-38d2-4acf-943b-28cc0ed7ba87"
STAGES = {"fff60592-31dd-4ebe-ba8e-e7a397c30f8e": "New applicant", "a42482ff-00ac-4cb2-a698-4b4436885b0c": "Recruiter Screen",
          ONSITE: "On-Site Interview", "f48aad6f-0000-4000-8000-000000000000": "Offer"}


def ms(ts) -> int:
    return int(ts.timestamp() * 1000)


def opportunity(oid: str, contact: str, name: str, email: str, created, changes, archived=None, posting="post-1") -> dict:
    return {
        "id": oid, "name": name, "contact": contact, "headline": None, "stage": changes[-1][0], "confidentiality": "non-confidential",
        "location": "Austin", "phones": [{"type": "mobile", "value": "+1 512 555 0100"}], "emails": [email], "links": [],
        "archived": archived, "tags": [], "sources": ["LinkedIn"], "origin": "applied", "owner": "user-7",
        "stageChanges": [{"toStageId": s, "toStageIndex": i, "updatedAt": ms(t), "userId": "user-7"} for i, (s, t) in enumerate(changes)],
        "applications": [{"id": f"app-{oid}", "posting": posting, "type": "posting"}],
        "createdAt": ms(created), "updatedAt": ms(changes[-1][1]),
    }


def load(root: Path, tmp_path: Path):
    settings = Settings(warehouse=tmp_path / "wh" / "stagetruth.duckdb")
    result = ingest(SourceSettings("lever", "lever", root, mapping=_preset("lever")), settings, loaded_at=AS_OF)
    con = duckdb.connect(str(warehouse.staging_path(settings.warehouse)), read_only=True)
    return result, con


@pytest.fixture()
def lever_export(tmp_path: Path) -> Path:
    root = tmp_path / "lever"
    root.mkdir()
    (root / "stages.json").write_text(json.dumps({"data": [{"id": k, "text": v} for k, v in STAGES.items()], "hasNext": False}))
    (root / "archive_reasons.json").write_text(json.dumps({"data": [
        {"id": "ar-hired", "text": "Hired", "status": "active", "type": "hired"},
        {"id": "ar-under", "text": "Underqualified", "status": "active", "type": "non-hired"}], "hasNext": False}))
    new, screen = "fff60592-31dd-4ebe-ba8e-e7a397c30f8e", "a42482ff-00ac-4cb2-a698-4b4436885b0c"
    opps = [
        opportunity("o1", "c1", "Ana Lima", "ana@mail.example", utc(2026, 11, 2, 9),
                    [(new, utc(2026, 11, 2, 9)), (screen, utc(2026, 11, 3, 15)), (ONSITE, utc(2026, 11, 10, 10))]),
        opportunity("o2", "c1", "Ana Lima", "ana.lima@mail.example", utc(2026, 11, 12, 9),  # same contact, later
                    [(new, utc(2026, 11, 12, 9))], archived={"archivedAt": ms(utc(2026, 11, 13, 9)), "reason": "ar-under"}),
        opportunity("o3", "c3", "Ben Ode", "ben@mail.example", utc(2026, 11, 4, 9),
                    [(new, utc(2026, 11, 4, 9)), ("lead-mystery", utc(2026, 11, 5, 9))]),
    ]
    (root / "opportunities.json").write_text(json.dumps({"data": opps, "hasNext": False}))
    return root


def test_lever_preset_maps_opportunities_contacts_and_stage_changes(lever_export, tmp_path):
    result, con = load(lever_export, tmp_path)
    people = con.sql("SELECT source_id, full_name, emails FROM candidate_record ORDER BY 1").fetchall()
    # two opportunities of contact c1: the later one's copy is kept, once
    assert people == [("c1", "Ana Lima", ["ana.lima@mail.example"]), ("c3", "Ben Ode", ["ben@mail.example"])]
    apps = dict(con.sql("SELECT source_id, current_stage || '/' || outcome FROM application").fetchall())
    assert apps["o1"] == "interviewing/active"  # stage id -> 'On-Site Interview' -> interviewing
    assert apps["o2"] == "rejected/rejected"    # archived for a non-hired reason
    events = con.sql("SELECT stage, entered_at FROM stage_event WHERE application_id = 'o1' ORDER BY entered_at").fetchall()
    assert [e[0] for e in events] == ["applied", "screened", "interviewing"]
    assert events[1][1] == utc(2026, 11, 3, 15)  # epoch ms -> UTC
    q = con.sql("SELECT object, record_id, rule FROM quarantine ORDER BY 1, 2").fetchall()
    # o3 sits in a stage nobody mapped: the application and its stage change are quarantined, not guessed
    assert ("opportunities.application", "o3", "unmapped_stage") in q
    assert ("opportunities.stage_event", "o3|lead-mystery|" + str(ms(utc(2026, 11, 5, 9))), "unmapped_stage") in q
    for o in result.objects:
        assert o.rows_in == o.loaded + o.quarantined


@pytest.mark.skipif(not LEVER.is_dir(), reason="shared/formats samples not beside the repo")
def test_lever_sample_response_reads_as_written(tmp_path):
    root = tmp_path / "lever"
    root.mkdir()
    shutil.copy(LEVER / "opportunity_create_response__opportunities_test_line211.json", root / "opportunities.json")
    shutil.copy(LEVER / "stages__line17.json", root / "stages.json")
    result, con = load(root, tmp_path)
    person = con.sql("SELECT full_name, phones, created_at FROM candidate_record").fetchall()[0]
    assert person[0] == "Dave Test Candidate DONOTUSE"
    assert person[1] == ["(123) 456-7890", "(234) 567-8901"]
    assert person[2] == utc(2024, 3, 27, 20, 48, 17, 188000)  # 1711572497188 ms
    # the sample opportunity has no application to a posting: a lead, quarantined as such
    rules = dict(con.sql("SELECT object, rule FROM quarantine").fetchall())
    assert rules["opportunities.application"] == "required"
    assert "job_id" in con.sql("SELECT detail FROM quarantine WHERE object = 'opportunities.application'").fetchall()[0][0]
