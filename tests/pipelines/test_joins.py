"""Joins between systems at build time: invites, mail and checks meet the ATS's applications."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipelines import warehouse
from pipelines.build import build
from pipelines.config import Settings, SourceSettings, _preset
from pipelines.load import ingest
from tests.builders import utc
from tests.conftest import AS_OF, kpi_export
from tests.pipelines.test_calendar import invite

CHECKS = {"objects": {"reports": {"files": ["*.json"], "check": {
    "id": "$.id", "application_id": "$.custom_id", "candidate_email": "$.email", "kind": {"value": "background"},
    "requested_at": "$.created_at", "completed_at": "$.completed_at", "status": "$.status", "result": "$.result"}}}}


@pytest.fixture(scope="module")
def joined(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("joins")
    settings = Settings(warehouse=tmp / "wh" / "stagetruth.duckdb")
    ingest(SourceSettings("greenhouse", "greenhouse", kpi_export().write(tmp / "gh")), settings, loaded_at=AS_OF)
    cal = tmp / "cal"
    cal.mkdir()
    # evt801 is the external_event_id of ann's Greenhouse interview (application 1001)
    (cal / "a.ics").write_text(invite("REQUEST", 0, "20261111T090000Z", "20261112T090000Z", uid="evt801"))
    # an invite known only by the candidate's address: bo (application 1002)
    (cal / "b.ics").write_text(invite("REQUEST", 0, "20261111T100000Z", "20261113T100000Z", uid="other-1")
                               .replace("ana@mail.example", "BO@mail.example "))
    # an invite for someone the ATS does not know
    (cal / "c.ics").write_text(invite("REQUEST", 0, "20261111T100000Z", "20261113T100000Z", uid="other-2")
                               .replace("ana@mail.example", "stranger@mail.example"))
    domains = ("acme.example",)
    ingest(SourceSettings("calendar", "calendar", cal, internal_domains=domains), settings, loaded_at=AS_OF)
    mail = tmp / "mail"
    mail.mkdir()
    # di never got an ATS email: this mailbox reply is her first human response (12 Nov 09:00)
    (mail / "di.eml").write_text("From: Sam Lee <sam.lee@acme.example>\nTo: di@mail.example\n"
                                 "Date: Thu, 12 Nov 2026 09:00:00 +0000\nSubject: Hi\nMessage-ID: <d1@acme.example>\n\nHello\n")
    (mail / "nobody.eml").write_text("From: sam.lee@acme.example\nTo: who@mail.example\n"
                                     "Date: Thu, 12 Nov 2026 09:00:00 +0000\nSubject: Hi\nMessage-ID: <d2@acme.example>\n\nHello\n")
    ingest(SourceSettings("mail", "email", mail, mapping=_preset("email"), internal_domains=domains), settings, loaded_at=AS_OF)
    checks = tmp / "checks"
    checks.mkdir()
    (checks / "reports.json").write_text(json.dumps([
        {"id": "r1", "custom_id": "1007", "email": None, "created_at": "2026-11-11T09:00:00Z", "completed_at": "2026-11-13T09:00:00Z",
         "status": "complete", "result": "clear"},
        {"id": "r2", "custom_id": None, "email": "hal@mail.example", "created_at": "2026-11-11T09:00:00Z",
         "completed_at": None, "status": "pending", "result": None},
        {"id": "r3", "custom_id": "999999", "email": None, "created_at": "2026-11-11T09:00:00Z", "completed_at": None,
         "status": "pending", "result": None},
    ]))
    ingest(SourceSettings("checkr", "mapped", checks, mapping=CHECKS), settings, loaded_at=AS_OF)
    build(settings.warehouse, as_of=AS_OF)
    return settings.warehouse


def links(target: Path) -> dict[tuple[str, str], tuple]:
    with warehouse.read_only(target) as con:
        rows = con.sql('SELECT source, source_id, rule, application_id, candidate_id FROM link').fetchall()
    return {(r[0], r[1]): r[2:] for r in rows}


def test_interviews_join_by_event_id_then_by_candidate_address(joined):
    found = links(joined)
    assert found[("calendar", "evt801")] == ("external_event_id", "1001", "101")
    assert found[("calendar", "other-1")] == ("candidate_email", "1002", "102")  # case and spaces ignored
    assert found[("calendar", "other-2")] == (None, None, None)  # unjoined, still counted


def test_checks_join_by_application_id_or_email(joined):
    found = links(joined)
    assert found[("checkr", "r1")][:2] == ("application_id", "1007")
    assert found[("checkr", "r2")][:2] == ("candidate_email", "1008")
    assert found[("checkr", "r3")] == (None, None, None)  # an id the ATS does not have


def test_mail_joins_to_candidates_and_counts_as_a_first_response(joined):
    found = links(joined)
    assert found[("mail", "<d1@acme.example>")] == ("address", None, "104")
    assert found[("mail", "<d2@acme.example>")] == (None, None, None)
    with warehouse.read_only(joined) as con:
        first = con.sql("SELECT first_response_at, first_response_via FROM application_fact WHERE application_id = '1004'").fetchall()
    assert first == [(utc(2026, 11, 12, 9), "message")]


def test_unjoined_records_are_counted_per_source(joined):
    from metrics.health import joins

    table = {(r["source"], r["table"]): r for r in joins(joined).iter_rows(named=True)}
    assert (table[("calendar", "interview")]["joined"], table[("calendar", "interview")]["unjoined"]) == (2, 1)
    assert table[("checkr", "check")]["unjoined"] == 1
    assert table[("mail", "message")]["unjoined"] == 1
