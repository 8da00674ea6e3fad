"""Whatever bytes arrive, the calendar and mail readers return records or one clear error, never a crash."""

from __future__ import annotations

import json
from pathlib import Path
from tempfile import TemporaryDirectory

from hypothesis import given, settings
from hypothesis import strategies as st

from pipelines.formats.ics import messages
from pipelines.formats.mail import eml_message, mbox_messages
from pipelines.readers import ROW_ERROR

LINES = st.lists(st.sampled_from([
    "BEGIN:VCALENDAR", "END:VCALENDAR", "BEGIN:VEVENT", "END:VEVENT", "METHOD:REQUEST", "METHOD:REPLY", "UID:x1",
    "SEQUENCE:1", "SEQUENCE:zz", "DTSTART:20261105T140000Z", "DTSTART:2026", "DTSTAMP:20261102T090000Z",
    "ATTENDEE;PARTSTAT=ACCEPTED:mailto:a@b.example", " folded continuation", "VERSION:2.0", "garbage ::: line",
]), max_size=25)


def check_records(records: list[str]) -> None:
    for text in records:
        record = json.loads(text)
        assert ROW_ERROR in record or record.get("uid") or record.get("message_id")


@settings(max_examples=150, deadline=None)
@given(LINES)
def test_any_ics_text_gives_records_or_a_clear_error(lines):
    with TemporaryDirectory() as tmp:
        path = Path(tmp) / "x.ics"
        path.write_text("\n".join(lines) + "\n")
        try:
            check_records(messages(path))
        except ValueError as exc:
            assert str(exc)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from(["From a@b Mon Nov  2 14:00:00 2026", "From: x@y.example", "To: z@acme.example",
                                 "Date: Mon, 02 Nov 2026 09:00:00 -0500", "Date: soon", "Subject: hi", "", "body text",
                                 "Auto-Submitted: auto-replied", "From: <>"]), max_size=20),
       st.booleans())
def test_any_mail_text_gives_records_or_a_clear_error(lines, as_mbox):
    with TemporaryDirectory() as tmp:
        path = Path(tmp) / ("x.mbox" if as_mbox else "x.eml")
        path.write_text("\n".join(lines) + "\n")
        reader = mbox_messages if as_mbox else eml_message
        try:
            check_records(reader(path))
        except ValueError as exc:
            assert str(exc)
