"""Tool presets: Twilio, Calendly, Checkr, assessments, DocuSign, payroll new hires, Merge issues.

Each fixture is written in the vendor's own shape (our content); where shared/formats holds a
real sample of the object, it is read in place too. Tool rows reference the ATS only by
application id or address, so nothing here needs an ATS source.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import duckdb
import pytest

from pipelines import warehouse
from pipelines.config import Settings, SourceSettings, _merge_mapping, _preset
from pipelines.load import LoadResult, ingest
from tests.builders import utc
from tests.conftest import AS_OF, SHARED_FORMATS


def load(kind: str, root: Path, tmp_path: Path, files: dict[str, list[str]] | None = None):
    """Ingest `root` with the kind's preset (object files overridden by `files`); check the counts."""
    mapping = _preset(kind)
    if files:
        mapping = _merge_mapping(mapping, {"objects": {obj: {"files": globs} for obj, globs in files.items()}})
    settings = Settings(warehouse=tmp_path / f"wh-{kind}" / "stagetruth.duckdb")
    result = ingest(SourceSettings(kind, kind, root, mapping=mapping), settings, loaded_at=AS_OF)
    for o in result.objects:
        assert o.rows_in == o.loaded + o.quarantined, o
    return result, duckdb.connect(str(warehouse.staging_path(settings.warehouse)), read_only=True)


def rows(con, sql: str) -> dict:
    """The query's rows keyed by their first column."""
    return {r[0]: r[1:] for r in con.sql(sql).fetchall()}


def quarantine(con) -> dict:
    return {(obj, rid): rule for obj, rid, rule in con.sql("SELECT object, record_id, rule FROM quarantine").fetchall()}


def counts(result: LoadResult) -> dict:
    return {o.obj: (o.rows_in, o.loaded, o.quarantined) for o in result.objects}


def write(path: Path, content) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, str):
        path.write_text(content)
    elif isinstance(content, list) and path.suffix == ".jsonl":
        path.write_text("".join(json.dumps(r) + "\n" for r in content))
    else:
        path.write_text(json.dumps(content))
    return path


# -- Twilio -------------------------------------------------------------------------------------

def sms(sid: str, direction: str, status: str, date_sent: str | None, frm: str = "+15125550100",
        to: str = "+15125550199", error: int | None = None) -> dict:
    return {"account_sid": "AC" + "0" * 32, "api_version": "2010-04-01", "body": "Hi Ana, are you free for a call?",
            "date_created": date_sent, "date_sent": date_sent, "date_updated": date_sent, "direction": direction,
            "error_code": error, "error_message": None, "from": frm, "messaging_service_sid": None, "num_media": "0",
            "num_segments": "1", "price": "-0.00790", "price_unit": "USD", "sid": sid, "status": status,
            "subresource_uris": {"media": f"/2010-04-01/Accounts/AC/Messages/{sid}/Media.json"}, "to": to,
            "uri": f"/2010-04-01/Accounts/AC/Messages/{sid}.json"}


def test_twilio_messages_direction_automation_and_rfc2822_times(tmp_path):
    root = tmp_path / "twilio"
    write(root / "messages_p1.json", {"first_page_uri": "/x?Page=0", "next_page_uri": None, "page": 0, "page_size": 50, "messages": [
        sms("SM01", "outbound-api", "delivered", "Mon, 16 Nov 2026 09:15:00 -0500"),            # a sequence text
        sms("SM02", "inbound", "received", "Mon, 16 Nov 2026 14:20:05 +0000", frm="+15125550199", to="+15125550100"),
        sms("SM03", "outbound-reply", "sent", "Mon, 16 Nov 2026 14:20:07 +0000"),               # TwiML auto-reply
        sms("SM04", "outbound-api", "undelivered", "Mon, 16 Nov 2026 15:00:00 +0000", error=30003),
        sms("SM05", "outbound-api", "queued", None),
        sms("SM06", "outbound-api", "delivered", "2026-11-16T15:30:00Z"),                       # not RFC 2822
        sms("SM07", "outbound-api", "delivered", "Tue, 17 Nov 2026 08:00:00 +0100", to="whatsapp:+15125550199"),
    ]})
    write(root / "message_SM08.json", sms("SM08", "outbound-call", "delivered", "Wed, 18 Nov 2026 10:00:00 +0000"))
    write(root / "messages_p2.json", "")
    write(root / "twilio_message_data.csv",
          "id,_fivetran_synced,account_id,body,created_at,date_sent,direction,error_code,error_message,from,"
          "messaging_service_sid,num_media,num_segments,price,price_unit,status,to,updated_at\n"
          "SM09,2026-11-20 00:00:00.000000 UTC,AC1,hash=,2026-11-19 09:00:00.000000 UTC,2026-11-19 09:00:01.250000 UTC,"
          "outbound-api,,,15125550100,,0,1,-0.0079,USD,delivered,15125550199,2026-11-19 09:00:02.000000 UTC\n"
          "SM10,2026-11-20 00:00:00.000000 UTC,AC1,hash=,2026-11-19 10:00:00.000000 UTC,,outbound-api,30007,Carrier violation,"
          "15125550100,,0,1,-0.0079,USD,failed,15125550199,2026-11-19 10:00:02.000000 UTC\n")
    result, con = load("twilio", root, tmp_path)
    got = rows(con, "SELECT source_id, direction, automated, sent_at, sender, recipient, channel, candidate_id FROM message")
    assert got == {
        "SM01": ("outbound", True, utc(2026, 11, 16, 14, 15), "+15125550100", "+15125550199", "sms", None),  # -0500 -> UTC
        "SM02": ("inbound", False, utc(2026, 11, 16, 14, 20, 5), "+15125550199", "+15125550100", "sms", None),
        "SM03": ("outbound", True, utc(2026, 11, 16, 14, 20, 7), "+15125550100", "+15125550199", "sms", None),
        "SM07": ("outbound", True, utc(2026, 11, 17, 7), "+15125550100", "whatsapp:+15125550199", "sms", None),
        "SM08": ("outbound", True, utc(2026, 11, 18, 10), "+15125550100", "+15125550199", "sms", None),
        "SM09": ("outbound", True, utc(2026, 11, 19, 9, 0, 1, 250000), "15125550100", "15125550199", "sms", None),
    }
    q = quarantine(con)
    assert q[("messages", "SM04")] == "allowed_values"   # undelivered: no contact was made
    assert q[("messages", "SM05")] == "allowed_values"   # queued: not sent (yet)
    assert q[("messages", "SM06")] == "bad_type"
    assert q[("messages", None)] == "malformed_file"     # the empty page
    assert q[("fivetran_messages", "SM10")] == "allowed_values"
    details = dict(con.sql("SELECT record_id, detail FROM quarantine WHERE record_id IN ('SM04', 'SM06')").fetchall())
    assert "outbound-api:undelivered" in details["SM04"]
    assert "2026-11-16T15:30:00Z" in details["SM06"] and "sent_at" in details["SM06"]
    assert counts(result) == {"messages": (8, 4, 4), "message_resources": (1, 1, 0), "fivetran_messages": (2, 1, 1)}


TWILIO = SHARED_FORMATS / "twilio"


@pytest.mark.skipif(not TWILIO.is_dir(), reason="shared/formats samples not beside the repo")
def test_twilio_samples_read_in_place(tmp_path):
    api = "twilio_oai_api_v2010/"
    result, con = load("twilio", TWILIO, tmp_path, files={
        "messages": [api + "example__get_Messages_200__readFullPage1.json"],
        "message_resources": [api + "example__get_Messages_Sid_200__fetch.json", api + "example__post_Messages_201__create.json"],
        "fivetran_messages": ["fivetran_seed_tables/twilio_message_data.csv"],
    })
    got = rows(con, "SELECT source_id, direction, automated, sent_at FROM message")
    assert got["SMb7c0a2ce80504485a6f653a7110836f5"] == ("outbound", True, utc(2019, 5, 24, 17, 18, 28))
    assert got["MMc26223853f8c46b4ab7dfaa6abba0a26"] == ("inbound", False, utc(2019, 5, 24, 17, 44, 49))
    assert got["SMce88ff89fc4a7c8cd5780c2a3f1fed7d"] == ("outbound", True, utc(2023, 5, 9, 23, 17, 40, 768000))
    # the create response is still queued: not sent yet, so not loaded
    assert quarantine(con) == {("message_resources", "SMaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"): "allowed_values"}
    assert counts(result) == {"messages": (2, 2, 0), "message_resources": (2, 1, 1), "fivetran_messages": (10, 10, 0)}


# -- Calendly -----------------------------------------------------------------------------------

EV = "https://api.calendly.com/scheduled_events/"


def invitee(ev: str, inv: str, email: str, created: str, status: str = "active", utm: str | None = None, **extra) -> dict:
    return {"uri": f"{EV}{ev}/invitees/{inv}", "event": f"{EV}{ev}", "email": email, "name": "Ana Lima", "first_name": None,
            "last_name": None, "status": status, "timezone": "Europe/Berlin", "created_at": created, "updated_at": created,
            "cancel_url": f"https://calendly.com/cancellations/{inv}", "reschedule_url": f"https://calendly.com/reschedulings/{inv}",
            "rescheduled": False, "old_invitee": None, "new_invitee": None, "cancellation": None, "questions_and_answers": [],
            "tracking": {"utm_campaign": None, "utm_source": "greenhouse", "utm_medium": None, "utm_content": utm,
                         "utm_term": None, "salesforce_uuid": None},
            "payment": None, "no_show": None, "reconfirmation": None, "routing_form_submission": None, "text_reminder_number": None,
            **extra}


def scheduled_event(ev: str, start: str, end: str, status: str = "active", calendar_id: str | None = "uid-123@google.com") -> dict:
    return {"uri": f"{EV}{ev}", "name": "Recruiter screen", "status": status, "start_time": start, "end_time": end,
            "event_type": "https://api.calendly.com/event_types/ET1", "location": {"type": "google_conference", "join_url": "https://meet"},
            "invitees_counter": {"total": 1, "active": 1, "limit": 1}, "created_at": start, "updated_at": start,
            "event_memberships": [{"user": "https://api.calendly.com/users/U1", "user_email": "sam.lee@acme.example", "user_name": "Sam Lee"}],
            "event_guests": [], "calendar_event": {"kind": "google", "external_id": calendar_id} if calendar_id else None}


def test_calendly_bookings_api_pages_resources_and_webhooks(tmp_path):
    root = tmp_path / "calendly"
    booked = invitee("EV1", "INV1", "ana@mail.example", "2026-11-10T08:00:00.000000Z", utm="1001",
                     scheduled_event=scheduled_event("EV1", "2026-11-12T14:00:00.000000Z", "2026-11-12T14:30:00.000000Z"))
    moved = invitee("EV2", "INV2", "bo@mail.example", "2026-11-09T10:00:00.000000Z", status="canceled", rescheduled=True,
                    new_invitee=f"{EV}EV3/invitees/INV3",
                    cancellation={"canceled_by": "Bo", "reason": "clash", "canceler_type": "invitee",
                                  "created_at": "2026-11-11T07:45:00.000000Z"})
    write(root / "invitees_EV1.json", {"collection": [booked, moved], "pagination": {"count": 2, "next_page": None}})
    write(root / "invitee_INV3.json", {"resource": invitee("EV3", "INV3", "bo@mail.example", "2026-11-11T07:45:10.000000Z",
                                                           old_invitee=f"{EV}EV2/invitees/INV2")})
    created = invitee("EV4", "INV4", "cy@mail.example", "2026-11-13T09:00:00.000000Z",
                      scheduled_event=scheduled_event("EV4", "2026-11-16T09:00:00.000000Z", "2026-11-16T10:00:00.000000Z"))
    cancelled = dict(created, status="canceled", cancellation={"canceled_by": "Sam Lee", "reason": "role filled",
                                                               "canceler_type": "host", "created_at": "2026-11-14T16:00:00.000000Z"})
    write(root / "webhooks" / "2026-11.jsonl", [
        {"event": "invitee.created", "created_at": "2026-11-13T09:00:01.000000Z", "created_by": "https://api.calendly.com/users/U1",
         "payload": created},
        {"event": "invitee.canceled", "created_at": "2026-11-14T16:00:01.000000Z", "created_by": "https://api.calendly.com/users/U1",
         "payload": cancelled},
    ])
    write(root / "webhooks" / "2026-11-15_bad.json", {"event": "invitee.created", "payload": invitee(
        "EV5", "INV5", "di@mail.example", "15/11/2026 10:00")})
    write(root / "webhooks" / "2026-11-15_form.json", {"event": "routing_form_submission.created", "payload": {
        "uri": "https://api.calendly.com/routing_form_submissions/RF1", "questions_and_answers": [], "tracking": {}}})
    result, con = load("calendly", root, tmp_path)
    got = rows(con, "SELECT source_id, application_id, candidate_email, external_event_id, slot_confirmed_at, start_at, end_at, "
                    "cancelled_at, status, reschedule_count, organizer, title FROM interview")
    assert got[f"{EV}EV1/invitees/INV1"] == (
        "1001", "ana@mail.example", "uid-123@google.com", utc(2026, 11, 10, 8), utc(2026, 11, 12, 14), utc(2026, 11, 12, 14, 30),
        None, "confirmed", 0, "sam.lee@acme.example", "Recruiter screen")
    # moved to another slot: the old booking is rescheduled (not a cancellation), the new one counts one reschedule
    assert got[f"{EV}EV2/invitees/INV2"] == (
        None, "bo@mail.example", None, utc(2026, 11, 9, 10), None, None, utc(2026, 11, 11, 7, 45), "rescheduled", 0, None, None)
    assert got[f"{EV}EV3/invitees/INV3"][7:9] == ("confirmed", 1)
    # two deliveries for one booking: the later (cancelled) copy stands
    assert got[f"{EV}EV4/invitees/INV4"] == (
        None, "cy@mail.example", "uid-123@google.com", utc(2026, 11, 13, 9), utc(2026, 11, 16, 9), utc(2026, 11, 16, 10),
        utc(2026, 11, 14, 16), "cancelled", 0, "sam.lee@acme.example", "Recruiter screen")
    q = quarantine(con)
    assert q[("webhooks", f"{EV}EV5/invitees/INV5")] == "bad_type"
    assert q[("webhooks", "https://api.calendly.com/routing_form_submissions/RF1")] == "needs_a_join_key"
    assert counts(result) == {"invitee_pages": (2, 2, 0), "invitee_resources": (1, 1, 0), "webhooks": (3, 1, 2)}


CALENDLY = SHARED_FORMATS / "calendly" / "koshilife_calendly_api_ruby_client_testdata"


@pytest.mark.skipif(not CALENDLY.is_dir(), reason="shared/formats samples not beside the repo")
def test_calendly_sample_invitees_read_in_place(tmp_path):
    result, con = load("calendly", CALENDLY, tmp_path, files={
        "invitee_pages": ["scheduled_event_invitees_*.json"], "invitee_resources": ["scheduled_event_invitee_*.json"],
        "webhooks": ["no-webhooks-here/*.json"]})
    got = rows(con, "SELECT source_id, candidate_email, slot_confirmed_at, cancelled_at, status, reschedule_count, start_at FROM interview")
    assert got[f"{EV}EV101/invitees/INV001"] == ("foobar@example.com", utc(2020, 8, 20, 1), None, "confirmed", 0, None)
    # a rescheduled invitee whose cancellation (an older payload) carries no time
    assert got[f"{EV}EV301/invitees/INV001"] == ("foobar@example.com", utc(2020, 8, 20, 1), None, "rescheduled", 1, None)
    assert counts(result)["invitee_pages"] == (1, 1, 0) and counts(result)["invitee_resources"] == (1, 1, 0)


# -- Checkr -------------------------------------------------------------------------------------

def report(rid: str, candidate: str, status: str, created: str, completed: str | None = None, result: str | None = None,
           adjudication: str | None = None) -> dict:
    return {"id": rid, "object": "report", "uri": f"/v1/reports/{rid}", "status": status, "result": result,
            "adjudication": adjudication, "created_at": created, "completed_at": completed, "turnaround_time": None,
            "package": "tasker_standard", "candidate_id": candidate, "ssn_trace_id": "s1", "county_criminal_search_ids": []}


def event(eid: str, kind: str, obj: dict, at: str) -> dict:
    return {"id": eid, "object": "event", "type": kind, "created_at": at, "webhook_url": "https://acme.example/checkr",
            "data": {"object": obj}}


def test_checkr_reports_and_report_events_become_background_checks(tmp_path):
    root = tmp_path / "checkr"
    write(root / "candidates.json", {"object": "list", "count": 2, "next_href": None, "data": [
        {"id": "cand1", "object": "candidate", "first_name": "Ana", "last_name": "Lima", "email": "ana@mail.example",
         "custom_id": "1001", "created_at": "2026-11-10T09:00:00Z"},
        {"id": "cand2", "object": "candidate", "first_name": "Bo", "last_name": "Test", "email": "bo@mail.example",
         "custom_id": None, "created_at": "2026-11-10T09:00:00Z"},
    ]})
    write(root / "reports" / "rep1.json",
          report("rep1", "cand1", "complete", "2026-11-10T09:05:00Z", "2026-11-12T16:45:30Z", "clear"))
    write(root / "reports" / "more.jsonl", [report("rep2", "cand2", "pending", "2026-11-11T10:00:00Z"),
                                            report("rep3", "cand9", "pending", "2026-11-11T11:00:00Z")])
    write(root / "events" / "2026-11.jsonl", [
        event("ev1", "report.created", report("rep4", "cand1", "pending", "2026-11-15T08:00:00Z"), "2026-11-15T08:00:01Z"),
        event("ev2", "report.completed", report("rep4", "cand1", "complete", "2026-11-15T08:00:00Z", "2026-11-18T12:00:00Z",
                                                "consider", "engaged"), "2026-11-18T12:00:01Z"),
        event("ev3", "candidate.created", {"id": "cand3", "object": "candidate", "email": "cy@mail.example"}, "2026-11-18T13:00:00Z"),
    ])
    write(root / "events" / "empty.json", "")
    result, con = load("checkr", root, tmp_path)
    got = rows(con, 'SELECT source_id, kind, application_id, candidate_email, package, requested_at, completed_at, status, result, '
                    'adjudication FROM "check"')
    assert got["rep1"] == ("background", "1001", "ana@mail.example", "tasker_standard", utc(2026, 11, 10, 9, 5),
                           utc(2026, 11, 12, 16, 45, 30), "complete", "clear", None)
    assert got["rep2"][1:3] == (None, "bo@mail.example")        # no custom_id: joined by email
    assert got["rep4"] == ("background", "1001", "ana@mail.example", "tasker_standard", utc(2026, 11, 15, 8),
                           utc(2026, 11, 18, 12), "complete", "consider", "engaged")  # the last event stands
    assert got["rep3"][1:3] == (None, None)  # its candidate is not in candidates/: nothing to join on, nothing invented
    q = quarantine(con)
    assert q[("events", "cand3")] == "allowed_values"             # a candidate event is not a check
    assert q[("events", None)] == "malformed_file"
    assert counts(result) == {"reports": (3, 3, 0), "events": (3, 1, 2)}


CHECKR = SHARED_FORMATS / "checkr"


@pytest.mark.skipif(not CHECKR.is_dir(), reason="shared/formats samples not beside the repo")
def test_checkr_sample_report_and_envelope_read_in_place(tmp_path):
    result, con = load("checkr", CHECKR, tmp_path, files={
        "candidates": ["no-candidates-here/*.json"], "reports": ["checkr_ruby_samples/test_data__report.json"],
        "events": ["oauth_reference_integration/webhook_event__*.json"]})
    got = rows(con, 'SELECT source_id, kind, package, requested_at, completed_at, status, result, application_id FROM "check"')
    assert got == {"4722c07dd9a10c3985ae432a": ("background", "driver_plus", utc(2014, 1, 18, 12, 34), utc(2014, 1, 18, 12, 35, 30),
                                                "complete", "clear", None)}  # no candidates list: no ATS id to join on
    # the sample envelope is account.credentialed: unwrapped, it is an account, not a report
    assert quarantine(con) == {("events", "a13f4827d8711ddc75abc56ct"): "allowed_values"}
    assert counts(result) == {"reports": (1, 1, 0), "events": (1, 0, 1)}


# -- Assessments --------------------------------------------------------------------------------

def test_assessment_results_from_json_and_csv(tmp_path):
    root = tmp_path / "assessments"
    write(root / "assessments.json", [
        {"id": "res-1", "application_id": "1001", "candidate_email": "ana@mail.example", "assessment": "Python take-home",
         "invited_at": "2026-11-03T09:00:00Z", "completed_at": "2026-11-05T17:30:00+01:00", "score": 82.5, "status": "completed",
         "result": "pass"},
        {"id": "res-2", "application_id": None, "candidate_email": "bo@mail.example", "assessment": "Python take-home",
         "invited_at": "2026-11-03T09:00:00Z", "completed_at": None, "score": None, "status": "invited", "result": None},
    ])
    write(root / "assessments.csv",
          "id,application_id,candidate_email,assessment,invited_at,completed_at,score,status,result\n"
          "res-3,1003,cy@mail.example,Numerical reasoning,2026-11-04 10:00:00,2026-11-04 10:40:00,71,completed,\n"
          "res-4,1004,di@mail.example,Numerical reasoning,2026-11-04 10:00:00,yesterday,55,completed,fail\n")
    write(root / "assessments_late.jsonl", "")
    result, con = load("assessment", root, tmp_path)
    got = rows(con, 'SELECT source_id, kind, application_id, candidate_email, package, requested_at, completed_at, status, result '
                    'FROM "check"')
    assert got == {
        "res-1": ("assessment", "1001", "ana@mail.example", "Python take-home", utc(2026, 11, 3, 9), utc(2026, 11, 5, 16, 30),
                  "completed", "pass"),
        "res-2": ("assessment", None, "bo@mail.example", "Python take-home", utc(2026, 11, 3, 9), None, "invited", None),
        # no verdict: the score stands in result; naive CSV times are read in the source's time zone (UTC)
        "res-3": ("assessment", "1003", "cy@mail.example", "Numerical reasoning", utc(2026, 11, 4, 10), utc(2026, 11, 4, 10, 40),
                  "completed", "71"),
    }
    q = quarantine(con)
    assert q[("assessments", "res-4")] == "bad_type"
    assert q[("assessments", None)] == "malformed_file"
    assert counts(result) == {"assessments": (5, 3, 2)}


# -- DocuSign -----------------------------------------------------------------------------------

def connect(envelope: str, event: str, status: str, application: str | None, **times: str) -> dict:
    fields = [{"fieldId": "10", "name": "offer_id", "value": "of-9", "show": "false", "required": "false"}]
    if application:
        fields.insert(0, {"fieldId": "11", "name": "application_id", "value": application, "show": "false", "required": "false"})
    summary = {"status": status, "envelopeId": envelope, "emailSubject": "Your offer from Acme",
               "createdDateTime": "2026-11-16T08:55:00.0000000Z", **times,
               "sender": {"userName": "Sam Lee", "email": "sam.lee@acme.example"},
               "customFields": {"textCustomFields": fields, "listCustomFields": []},
               "recipients": {"signers": [{"email": "ana@mail.example", "name": "Ana Lima", "recipientId": "1", "routingOrder": "1",
                                           "status": "delivered", "deliveredDateTime": "2026-11-16T12:00:00.0000000Z"}]}}
    return {"event": event, "apiVersion": "v2.1", "uri": f"/restapi/v2.1/accounts/A/envelopes/{envelope}", "retryCount": 0,
            "configurationId": 10501, "generatedDateTime": "2026-11-18T15:31:00.0000000Z",
            "data": {"accountId": "A", "userId": "U", "envelopeId": envelope, "envelopeSummary": summary}}


def test_docusign_envelopes_become_esign_offers(tmp_path):
    root = tmp_path / "docusign"
    sent = {"initialSentDateTime": "2026-11-16T09:00:00.1230000Z", "sentDateTime": "2026-11-17T09:00:00.0000000Z"}  # resent on the 17th
    write(root / "connect" / "2026-11-18.jsonl", [
        connect("env-1", "envelope-sent", "sent", "1001", **sent),
        connect("env-1", "envelope-completed", "completed", "1001", **sent, deliveredDateTime="2026-11-16T11:59:00.0000000Z",
                completedDateTime="2026-11-18T15:30:51.7890000Z"),
    ])
    write(root / "connect" / "env-2.json", connect("env-2", "envelope-declined", "declined", "1002", **sent,
                                                   declinedDateTime="2026-11-17T10:00:00.0000000Z"))
    write(root / "connect" / "env-3.json", connect("env-3", "envelope-voided", "voided", "1003", **sent,
                                                   voidedDateTime="2026-11-19T08:00:00.0000000Z"))
    write(root / "connect" / "env-4.json", connect("env-4", "envelope-delivered", "delivered", "1004", **sent))
    write(root / "connect" / "env-5.json", connect("env-5", "envelope-completed", "completed", None, **sent,
                                                   completedDateTime="2026-11-18T15:30:51.7890000Z"))
    result, con = load("docusign", root, tmp_path)
    got = rows(con, "SELECT source_id, application_id, via, outcome, source_status, created_at, sent_at, viewed_at, decided_at FROM offer")
    created, first_sent = utc(2026, 11, 16, 8, 55), utc(2026, 11, 16, 9, 0, 0, 123000)
    assert got == {
        "env-1": ("1001", "esign", "accepted", "completed", created, first_sent, utc(2026, 11, 16, 11, 59), utc(2026, 11, 18, 15, 30, 51, 789000)),
        "env-2": ("1002", "esign", "declined", "declined", created, first_sent, utc(2026, 11, 16, 12), utc(2026, 11, 17, 10)),
        "env-3": ("1003", "esign", "withdrawn", "voided", created, first_sent, utc(2026, 11, 16, 12), utc(2026, 11, 19, 8)),
        "env-4": ("1004", "esign", "pending", "delivered", created, first_sent, utc(2026, 11, 16, 12), None),
    }
    # no application_id custom field: it cannot be tied to an offer
    assert quarantine(con) == {("connect", "env-5"): "required"}
    assert "application_id" in con.sql("SELECT detail FROM quarantine").fetchall()[0][0]
    assert counts(result) == {"connect": (5, 4, 1)}


DOCUSIGN = SHARED_FORMATS / "docusign"


@pytest.mark.skipif(not DOCUSIGN.is_dir(), reason="shared/formats samples not beside the repo")
def test_docusign_connect_skeleton_is_quarantined_not_loaded(tmp_path):
    # The shared file is DocuSign's skeleton: every value a placeholder ("sample string 22").
    result, con = load("docusign", DOCUSIGN, tmp_path, files={"connect": ["connect.schema-v2.json"]})
    assert con.sql("SELECT count(*) FROM offer").fetchall() == [(0,)]
    assert quarantine(con) == {("connect", "sample string"): "bad_type"}
    assert "sample string 20" in con.sql("SELECT detail FROM quarantine").fetchall()[0][0]
    assert counts(result) == {"connect": (1, 0, 1)}


# -- Payroll / HRIS new hires -------------------------------------------------------------------

def test_payroll_new_hires_become_handoffs(tmp_path):
    # No shared sample has this shape (the Workday seeds are SCD history tables): fixture only.
    root = tmp_path / "payroll"
    write(root / "new_hires.csv",
          "employee_id,application_id,email,first_name,last_name,hire_date,onboarded,created_at\n"
          "W-1001,1001,Ana@Mail.example,Ana,Lima,2026-12-01,true,2026-11-20T09:30:00Z\n"
          "W-1002,,bo@mail.example,Bo,,2027-01-04,,2026-11-21 08:00:00\n"
          "W-1003,1003,cy@mail.example,Cy,Test,01/12/2026,yes,2026-11-21T08:00:00Z\n"
          "W-1004,1004,di@mail.example,Di,Test,2026-12-07,maybe,2026-11-21T08:00:00Z\n")
    write(root / "new_hires_empty.csv", "")
    result, con = load("payroll", root, tmp_path)
    got = rows(con, "SELECT source_id, application_id, email, full_name, start_on, confirmed, created_at FROM handoff")
    assert got == {
        "W-1001": ("1001", "Ana@Mail.example", "Ana Lima", date(2026, 12, 1), True, utc(2026, 11, 20, 9, 30)),
        "W-1002": (None, "bo@mail.example", None, date(2027, 1, 4), False, utc(2026, 11, 21, 8)),  # no last name, no flag
    }
    q = quarantine(con)
    assert q[("new_hires", "W-1003")] == "bad_type"   # 01/12/2026 is not read as a date: day or month first?
    assert q[("new_hires", "W-1004")] == "bad_type"
    assert q[("new_hires", None)] == "malformed_file"
    assert counts(result) == {"new_hires": (5, 2, 3)}


# -- Merge issues -------------------------------------------------------------------------------

def issue(iid: str, status: str, first: str | None, last: str, details: list[str], muted: bool = False) -> dict:
    return {"id": iid, "status": status, "error_description": "Missing Permissions",
            "end_user": {"id": "eu-1", "end_user_organization_name": "Acme Corp", "end_user_email_address": "it@acme.example",
                         "end_user_origin_id": "acme"},
            "first_incident_time": first, "last_incident_time": last, "is_muted": muted, "error_details": details}


def test_merge_issues_become_sync_errors(tmp_path):
    root = tmp_path / "merge"
    write(root / "issues" / "p1.json", {"next": None, "previous": None, "results": [
        issue("iss-1", "ONGOING", "2026-11-20T06:00:00.161Z", "2026-11-22T06:00:00Z", ["GET /v1/applications returned 403"], muted=True),
        issue("iss-2", "RESOLVED", "2026-11-18T06:00:00Z", "2026-11-18T09:00:00Z", []),
        issue("iss-3", "SNOOZED", "2026-11-18T06:00:00Z", "2026-11-18T09:00:00Z", []),
        issue("iss-4", "ONGOING", None, "2026-11-18T09:00:00Z", []),
    ]})
    result, con = load("merge_issues", root, tmp_path)
    got = rows(con, "SELECT source_id, system, object, code, message, first_seen_at, resolved_at, status FROM sync_error")
    assert got == {
        "iss-1": ("merge", "Acme Corp", "Missing Permissions", "GET /v1/applications returned 403", utc(2026, 11, 20, 6, 0, 0, 161000),
                  None, "open"),   # muted is still open
        # resolved_at stays empty: the engine cannot take last_incident_time only when RESOLVED
        "iss-2": ("merge", "Acme Corp", "Missing Permissions", "Missing Permissions", utc(2026, 11, 18, 6), None, "resolved"),
    }
    q = quarantine(con)
    assert q == {("issues", "iss-3"): "allowed_values", ("issues", "iss-4"): "required"}
    assert counts(result) == {"issues": (4, 2, 2)}
