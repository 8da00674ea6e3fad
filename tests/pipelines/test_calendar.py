"""Calendar invites: messages folded per UID into interviews (iTIP rules), against real samples too."""

from __future__ import annotations

import json
import shutil
import textwrap
from pathlib import Path

import duckdb
import pytest

from pipelines import warehouse
from pipelines.config import Settings, SourceSettings
from pipelines.formats.ics import fold, messages
from pipelines.load import ingest
from tests.builders import utc
from tests.conftest import AS_OF, SHARED_FORMATS

ICS = SHARED_FORMATS / "calendar_ics"


def invite(method: str, seq: int, stamp: str, start: str, partstat: str = "NEEDS-ACTION", uid: str = "evt-1@acme.example",
           replying: str | None = None) -> str:
    attendees = (f"ATTENDEE;PARTSTAT={partstat};CN=Ana:mailto:{replying}\n" if replying else
                 "ATTENDEE;PARTSTAT=ACCEPTED;CN=Sam Lee:mailto:sam.lee@acme.example\n"
                 "ATTENDEE;PARTSTAT=NEEDS-ACTION;RSVP=TRUE;CN=Ana Lima:mailto:ana@mail.example\n")
    return textwrap.dedent(f"""\
        BEGIN:VCALENDAR
        PRODID:-//Acme//Interviews//EN
        VERSION:2.0
        METHOD:{method}
        BEGIN:VEVENT
        UID:{uid}
        SEQUENCE:{seq}
        DTSTAMP:{stamp}
        DTSTART:{start}
        DTEND:{start[:-5]}4500Z
        SUMMARY:Onsite interview
        ORGANIZER;CN=Sam Lee:mailto:sam.lee@acme.example
        """) + attendees + "END:VEVENT\nEND:VCALENDAR\n"


def load(root: Path, tmp_path: Path):
    settings = Settings(warehouse=tmp_path / "wh" / "stagetruth.duckdb")
    result = ingest(SourceSettings("calendar", "calendar", root, internal_domains=("acme.example",)), settings, loaded_at=AS_OF)
    return result, duckdb.connect(str(warehouse.staging_path(settings.warehouse)), read_only=True)


def invited_and_accepted(root: Path) -> Path:
    """A folder with an interview request and the candidate's acceptance."""
    root.mkdir()
    (root / "1-request.ics").write_text(invite("REQUEST", 0, "20261102T090000Z", "20261105T140000Z"))
    (root / "2-accept.ics").write_text(invite("REPLY", 0, "20261102T113000Z", "20261105T140000Z", "ACCEPTED",
                                               replying="ana@mail.example"))
    return root


def test_requests_replies_and_reschedules_fold_into_one_interview(tmp_path):
    root = invited_and_accepted(tmp_path / "cal")
    (root / "3-moved.ics").write_text(invite("REQUEST", 1, "20261103T080000Z", "20261106T150000Z"))
    (root / "4-stale.ics").write_text(invite("REQUEST", 0, "20261103T090000Z", "20261105T140000Z"))  # obsolete revision
    (root / "5-cancel-old.ics").write_text(invite("CANCEL", 0, "20261103T100000Z", "20261105T140000Z"))  # below current
    result, con = load(root, tmp_path)
    row = con.sql("SELECT external_event_id, candidate_email, invite_sent_at, slot_confirmed_at, start_at, "
                  "reschedule_count, cancelled_at, status FROM interview").fetchall()
    assert row == [("evt-1@acme.example", "ana@mail.example", utc(2026, 11, 2, 9), utc(2026, 11, 2, 11, 30),
                    utc(2026, 11, 6, 15), 1, None, "confirmed")]
    [obj] = result.objects
    assert (obj.files, obj.rows_in, obj.loaded) == (5, 1, 1)


def test_a_cancel_at_the_current_sequence_cancels(tmp_path):
    root = tmp_path / "cal"
    root.mkdir()
    (root / "a.ics").write_text(invite("REQUEST", 3, "20261102T090000Z", "20261105T140000Z")
                                + invite("CANCEL", 3, "20261104T090000Z", "20261105T140000Z"))
    _, con = load(root, tmp_path)
    assert con.sql("SELECT status, cancelled_at FROM interview").fetchall() == [("cancelled", utc(2026, 11, 4, 9))]


def test_an_event_without_uid_and_a_broken_file_are_quarantined(tmp_path):
    root = tmp_path / "cal"
    root.mkdir()
    (root / "ok.ics").write_text(invite("REQUEST", 0, "20261102T090000Z", "20261105T140000Z"))
    (root / "no-uid.ics").write_text(invite("REQUEST", 0, "20261102T090000Z", "20261105T140000Z").replace("UID:evt-1@acme.example\n", ""))
    (root / "empty.ics").write_text("")
    broken = invite("REQUEST", 0, "20261102T090000Z", "20261105T140000Z", uid="evt-2@acme.example")
    (root / "bad-end.ics").write_text(broken.replace("DTEND:20261105T144500Z", "DTEND:20261105T25"))
    result, con = load(root, tmp_path)
    rules = sorted(con.sql("SELECT rule FROM quarantine").fetchall())
    assert rules == [("invalid_event",), ("invalid_event",), ("malformed_file",)]
    [obj] = result.objects
    assert obj.rows_in == obj.loaded + obj.quarantined == 4


def test_an_incremental_load_parses_only_new_files_and_folds_every_message(tmp_path):
    root = invited_and_accepted(tmp_path / "cal")
    (root / "3-no-uid.ics").write_text(invite("REQUEST", 0, "20261102T090000Z", "20261105T140000Z", uid="x")
                                        .replace("UID:x\n", ""))
    _, con = load(root, tmp_path)
    con.close()
    (root / "4-moved.ics").write_text(invite("REQUEST", 1, "20261103T080000Z", "20261106T150000Z"))
    result, con = load(root, tmp_path)
    [obj] = result.objects
    assert (obj.files, obj.files_skipped) == (1, 3)  # only the new file was parsed
    columns = "external_event_id, candidate_email, invite_sent_at, slot_confirmed_at, start_at, reschedule_count, status"
    folded = con.sql(f"SELECT {columns} FROM interview").fetchall()
    # the confirmation and the first request come from messages kept in the raw layer
    assert folded == [("evt-1@acme.example", "ana@mail.example", utc(2026, 11, 2, 9), utc(2026, 11, 2, 11, 30),
                       utc(2026, 11, 6, 15), 1, "confirmed")]
    assert con.sql("SELECT count(*) FROM quarantine").fetchall() == [(1,)]  # the bad message once, not again
    con.close()
    again, con = load(root, tmp_path)
    assert con.sql(f"SELECT {columns} FROM interview").fetchall() == folded
    assert con.sql("SELECT count(*) FROM quarantine").fetchall() == [(1,)]
    con.close()
    fresh, con = load(root, tmp_path / "full")  # a first load of the same files agrees
    assert con.sql(f"SELECT {columns} FROM interview").fetchall() == folded
    assert fresh.objects[0].files == 4


@pytest.mark.skipif(not ICS.is_dir(), reason="shared/formats samples not beside the repo")
def test_real_invites_parse(tmp_path):
    records = [json.loads(r) for r in messages(ICS / "ical4j_samples" / "incoming_itip_request_reply_cancel_counter.ics")]
    assert [r["method"] for r in records] == ["REQUEST", "REQUEST", "REQUEST", "REPLY", "REPLY", "REPLY", "REPLY", "CANCEL", "COUNTER"]
    pool = [r for r in records if r["uid"] == "calsrv.example.com-873970198738777@example.com"]
    folded = fold(pool, ("example.com",))
    # the seq-0 request is the first revision; two later seq-2 requests move the start twice;
    # the CANCEL carries SEQUENCE 1, below the current 2, so it is obsolete
    assert (folded["reschedule_count"], folded["status"], folded["start"]) == (2, "scheduled", "1997-07-01T19:00:00+00:00")
    blackberry = json.loads(messages(ICS / "python_icalendar_tests" / "property_params__blackberry_request.ics")[0])
    assert blackberry["sequence"] == 2 and len(blackberry["attendees"]) == 3
    no_uid = json.loads(messages(ICS / "python_icalendar_tests" / "issue_165__exchange_cdo_request.ics")[0])
    assert no_uid["__rule__"] == "invalid_event"
    root = tmp_path / "real"
    shutil.copytree(ICS, root)
    result, _ = load(root, tmp_path)
    [obj] = result.objects
    assert obj.rows_in == obj.loaded + obj.quarantined and obj.loaded >= 5


def test_invites_read_by_worker_processes_match_a_serial_read(tmp_path, monkeypatch):
    from pipelines import readers

    root = tmp_path / "cal"
    root.mkdir()
    (root / "a.ics").write_text(invite("REQUEST", 0, "20261102T090000Z", "20261105T140000Z")
                                + invite("REPLY", 0, "20261102T113000Z", "20261105T140000Z", "ACCEPTED", replying="ana@mail.example"))
    (root / "b.ics").write_bytes(b"BEGIN:VCALENDAR\xff\xfe not UTF-8")
    (root / "c.ics").write_text(invite("REQUEST", 2, "20261103T090000Z", "20261107T140000Z", uid="evt-9@acme.example"))
    files = sorted(root.glob("*.ics"))
    con = duckdb.connect()
    serial, serial_problems = readers.read_records(con, files)
    monkeypatch.setattr(readers, "PARALLEL_CODED_BYTES", 0)
    monkeypatch.setattr(readers.os, "cpu_count", lambda: 2)
    parallel, parallel_problems = readers.read_records(con, files)
    assert parallel.equals(serial) and serial.height == 3
    assert parallel_problems == serial_problems and [p.file for p in serial_problems] == [str(root / "b.ics")]
