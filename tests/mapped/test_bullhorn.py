"""Bullhorn through its preset: REST pages {"data": [...]}, epoch-ms times, {"id": ...} references,
JobSubmission statuses through [bullhorn.stages], JobSubmissionHistory as stage events, Placement as the hire."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import duckdb
import pytest

from pipelines import warehouse
from pipelines.config import Settings, SourceSettings, _merge_mapping, _preset
from pipelines.load import ingest
from tests.builders import utc
from tests.conftest import AS_OF, SHARED_FORMATS

EXAMPLES = SHARED_FORMATS / "bullhorn" / "rest_api_docs_examples"
T0 = utc(2026, 11, 2, 9, 0, 0, 123000)  # 1793610000123 ms: the millisecond must survive
SAM = {"id": 7, "firstName": "Sam", "lastName": "Lee"}
RIA = {"id": 8, "firstName": "Ria", "lastName": "Roy"}


def ms(ts) -> int:
    return (ts - utc(1970, 1, 1)) // timedelta(milliseconds=1)


def page(records: list[dict], start: int = 0) -> str:
    """A /query or /search response page."""
    return json.dumps({"total": len(records), "start": start, "count": len(records), "data": records})


def submission(sid: int, candidate: int, job: int, status: str, added, source: str = "LinkedIn") -> dict:
    return {"id": sid, "candidate": {"id": candidate}, "jobOrder": {"id": job}, "status": status, "source": source,
            "dateAdded": ms(added), "dateWebResponse": ms(added), "dateLastModified": ms(added + timedelta(days=9)),
            "sendingUser": SAM, "isDeleted": False}


def history(hid: int, sid: int, status: str, at, user: dict = SAM) -> dict:
    return {"id": hid, "jobSubmission": {"id": sid}, "status": status, "dateAdded": ms(at), "modifyingUser": user,
            "comments": None, "transactionID": f"tx-{hid}"}


def load(root: Path, tmp_path: Path, mapping: dict | None = None):
    settings = Settings(warehouse=tmp_path / "wh" / "stagetruth.duckdb")
    source = SourceSettings("bullhorn", "bullhorn", root, mapping=mapping or _preset("bullhorn"))
    result = ingest(source, settings, loaded_at=AS_OF)
    con = duckdb.connect(str(warehouse.staging_path(settings.warehouse)), read_only=True)
    return result, con


@pytest.fixture()
def bullhorn_export(tmp_path: Path) -> Path:
    root = tmp_path / "bullhorn"
    (root / "JobSubmission").mkdir(parents=True)
    d = lambda n, h=0: T0 + timedelta(days=n, hours=h)  # noqa: E731
    (root / "ClientCorporation.json").write_text(page([
        {"id": 10, "name": "Acme Logistics", "status": "Active Account", "dateAdded": ms(utc(2025, 3, 1, 12))},
    ]))
    # a single /entity read: {"data": {...}}
    (root / "ClientCorporation-11.json").write_text(json.dumps({"data": {
        "id": 11, "name": "Borealis Health", "status": "Prospect", "dateAdded": ms(utc(2025, 6, 1, 12))}}))
    (root / "Candidate.json").write_text(page([
        {"id": 100, "firstName": "Ana", "lastName": "Lima", "name": "Ana Lima", "email": "ana@mail.example", "email2": "",
         "mobile": "+1 512 555 0100", "phone": None, "companyName": "Dockside Co", "address": {"city": "Austin", "state": "TX"},
         "dateAdded": ms(utc(2026, 10, 1, 8)), "dateLastModified": ms(utc(2026, 11, 10, 8))},
        {"id": 101, "firstName": "Ben", "lastName": "Ode", "email": "ben@mail.example",
         "dateAdded": ms(utc(2026, 10, 2, 8)), "dateLastModified": ms(utc(2026, 10, 2, 8))},
        {"id": 102, "firstName": "Cy", "lastName": "Park", "email": "cy@mail.example",
         "dateAdded": ms(utc(2026, 10, 3, 8)), "dateLastModified": ms(utc(2026, 10, 3, 8))},
    ]))
    (root / "JobOrder.json").write_text(page([
        {"id": 200, "title": "Forklift Operator", "clientCorporation": {"id": 10, "name": "Acme Logistics"},
         "clientContact": {"id": 55, "firstName": "Dana", "lastName": "Cole"}, "owner": RIA, "status": "Accepting Candidates",
         "isOpen": True, "numOpenings": 3, "dateAdded": ms(utc(2026, 10, 20, 9)), "dateClosed": None,
         "dateEnd": ms(utc(2027, 6, 30))},
        {"id": 201, "title": "Staff Nurse", "clientCorporation": {"id": 11}, "owner": {"id": 8}, "status": "Filled",
         "isOpen": False, "numOpenings": 1, "dateAdded": ms(utc(2026, 10, 21, 9)), "dateClosed": ms(utc(2026, 11, 20, 17))},
        {"id": 202, "title": "Night Porter", "clientCorporation": {"id": 99}, "isOpen": True,
         "dateAdded": ms(utc(2026, 10, 22, 9))},  # a client nobody exported
    ]))
    # two pages of submissions, in the entity's folder; JobSubmissionHistory.json must not be read as one
    (root / "JobSubmission" / "0001.json").write_text(page([
        submission(300, 100, 200, "Placed", T0),
        submission(301, 101, 200, "Client Rejected", d(0, 1), source="Indeed"),
        submission(302, 102, 201, "Candidate Not Interested", d(0, 2)),
    ]))
    (root / "JobSubmission" / "0002.json").write_text(page([
        submission(303, 101, 201, "Interview Scheduled", d(1)),
        submission(304, 102, 200, "Mystery Hold", d(1, 1)),       # a status nobody mapped
        submission(305, 100, 999, "Submitted", d(1, 2)),          # a job order not in the export
    ], start=3))
    (root / "JobSubmissionHistory.json").write_text(page([
        history(5000, 300, "New Lead", T0),
        history(5001, 300, "Submitted", d(1)),
        history(5002, 300, "Client Submission", d(2)),
        history(5003, 300, "Interview Scheduled", d(4), RIA),
        history(5004, 300, "Offer Extended", d(7), RIA),
        history(5005, 300, "Placed", d(8)),
        history(5010, 301, "Submitted", d(0, 1)),
        history(5011, 301, "Client Submission", d(2, 1)),
        history(5012, 301, "Client Rejected", d(5, 1), RIA),
        history(5020, 302, "New Lead", d(0, 2)),
        history(5021, 302, "Candidate Not Interested", d(3, 2)),
        history(5030, 303, "Submitted", d(1)),
        history(5031, 303, "Interview Scheduled", d(6)),
        history(5040, 304, "New Lead", d(1, 1)),
        history(5041, 304, "Mystery Hold", d(2, 1)),
    ]))
    (root / "Placement.json").write_text(page([
        # starts after the load: the hire is when the placement was recorded, not dateBegin
        {"id": 400, "jobSubmission": {"id": 300}, "candidate": {"id": 100}, "jobOrder": {"id": 200}, "status": "Approved",
         "dateAdded": ms(d(8, 2)), "dateBegin": ms(utc(2026, 12, 7, 8)), "owner": RIA},
        {"id": 401, "jobSubmission": None, "candidate": {"id": 101}, "jobOrder": {"id": 201}, "status": "Submitted",
         "dateAdded": ms(d(9)), "dateBegin": ms(utc(2026, 12, 1, 8))},  # no submission: no application to hire
    ]))
    return root


def test_bullhorn_preset_maps_clients_job_orders_submissions_history_and_placements(bullhorn_export, tmp_path):
    result, con = load(bullhorn_export, tmp_path)

    assert con.sql("SELECT source_id, name, status, created_at FROM client ORDER BY 1").fetchall() == [
        ("10", "Acme Logistics", "Active Account", utc(2025, 3, 1, 12)),
        ("11", "Borealis Health", "Prospect", utc(2025, 6, 1, 12)),
    ]
    jobs = con.sql("SELECT source_id, title, client_id, client, status, openings, recruiter, hiring_manager, opened_at, closed_at "
                   "FROM job ORDER BY 1").fetchall()
    assert jobs == [
        ("200", "Forklift Operator", "10", "Acme Logistics", "open", 3, "Ria Roy", "Dana Cole", utc(2026, 10, 20, 9), None),
        # the client's name comes from ClientCorporation even when the reference carries only the id
        ("201", "Staff Nurse", "11", "Borealis Health", "closed", 1, None, None, utc(2026, 10, 21, 9), utc(2026, 11, 20, 17)),
    ]
    people = con.sql("SELECT source_id, full_name, emails, phones, company, location FROM candidate_record ORDER BY 1").fetchall()
    assert people[0] == ("100", "Ana Lima", ["ana@mail.example"], ["+1 512 555 0100"], "Dockside Co", "Austin")
    assert people[1][1] == "Ben Ode"  # no `name` field: first and last name

    apps = {r[0]: r[1:] for r in con.sql(
        "SELECT source_id, candidate_id, job_id, source_stage, current_stage, outcome, channel, recruiter, applied_at "
        "FROM application").fetchall()}
    assert set(apps) == {"300", "301", "302", "303"}
    assert apps["300"][:7] == ("100", "200", "Placed", "hired", "hired", "LinkedIn", "Sam Lee")
    assert apps["301"][3:6] == ("rejected", "rejected", "Indeed")
    assert apps["302"][3:5] == ("withdrawn", "withdrawn")
    assert apps["303"][3:5] == ("interviewing", "active")
    assert apps["300"][7] == T0 and ms(apps["300"][7]) == 1793610000123  # epoch ms, exactly, in UTC

    events = con.sql("SELECT source_id, source_stage, stage, entered_at, actor, actor_type FROM stage_event "
                     "WHERE application_id = '300' ORDER BY entered_at, source_id").fetchall()
    assert [(e[0], e[2]) for e in events] == [
        ("5000", "applied"), ("5001", "screened"), ("5002", "submitted"), ("5003", "interviewing"),
        ("5004", "offer"), ("5005", "hired"), ("300|placement|400", "hired"),
    ]
    assert events[0][3] == T0
    assert events[3][4:] == ("Ria Roy", "user")
    # the placement: a hire of submission 300 when it was recorded (dateAdded), by its owner
    assert events[-1][1:] == ("Placed", "hired", T0 + timedelta(days=8, hours=2), "Ria Roy", "user")
    exits = dict(con.sql("SELECT application_id, stage FROM stage_event WHERE stage IN ('rejected', 'withdrawn')").fetchall())
    assert exits == {"301": "rejected", "302": "withdrawn"}

    q = con.sql("SELECT object, record_id, rule FROM quarantine ORDER BY 1, 2, 3").fetchall()
    assert ("JobSubmission", "304", "unmapped_stage") in q
    assert ("JobSubmissionHistory", "5041", "unmapped_stage") in q
    assert ("JobSubmissionHistory", "5040", "unknown_application") in q  # its submission was quarantined
    assert ("JobSubmission", "305", "unknown_job") in q
    assert ("JobOrder", "202", "unknown_client") in q
    assert ("Placement", None, "required") in q  # placement 401 names no submission
    assert len(q) == 6

    objects = {o.obj: o for o in result.objects}
    assert set(objects) == {"ClientCorporation", "Candidate", "JobOrder", "JobSubmission", "JobSubmissionHistory", "Placement"}
    assert (objects["JobSubmission"].files, objects["JobSubmission"].rows_in) == (2, 6)  # not the history file
    assert (objects["ClientCorporation"].files, objects["ClientCorporation"].rows_in) == (2, 2)
    assert (objects["JobSubmissionHistory"].rows_in, objects["Placement"].rows_in) == (15, 2)
    for o in result.objects:
        assert o.rows_in == o.loaded + o.quarantined, o


@pytest.mark.skipif(not EXAMPLES.is_dir(), reason="shared/formats samples not beside the repo")
def test_bullhorn_docs_query_and_search_responses_read_in_place(tmp_path):
    # The docs' /query and /search examples hold Candidate records ({"data": [...]}); read them where
    # they lie, naming them in the source's own Candidate files as a configured source would.
    mapping = _merge_mapping(_preset("bullhorn"), {"objects": {"Candidate": {"files": ["query__*.json", "search__*.json"]}}})
    result, con = load(EXAMPLES, tmp_path, mapping)
    people = con.sql("SELECT source_id, first_name, last_name, full_name FROM candidate_record ORDER BY 1").fetchall()
    assert people == [("10125", "Alanzo", "Smith", "Alanzo Smith"), ("5059165", "Alanzo", "Smith", "Alanzo Smith")]
    # each id comes back from both a query and a search: the later copy stands, the earlier is accounted for
    rules = con.sql("SELECT record_id, rule FROM quarantine ORDER BY 1").fetchall()
    assert rules == [("10125", "duplicate_id"), ("5059165", "duplicate_id")]
    candidates = next(o for o in result.objects if o.obj == "Candidate")
    assert (candidates.files, candidates.rows_in, candidates.loaded, candidates.quarantined) == (4, 4, 2, 2)
    for o in result.objects:
        assert o.rows_in == o.loaded + o.quarantined, o
