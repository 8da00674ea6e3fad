"""Whatever bytes arrive, the calendar and mail readers return records or one clear error, never a crash."""

from __future__ import annotations

import email
import json
import mailbox
from email import policy
from pathlib import Path
from tempfile import TemporaryDirectory

from hypothesis import given, settings
from hypothesis import strategies as st

from pipelines.formats.ics import messages, text_messages
from pipelines.formats.mail import _record, eml_message, mbox_messages
from pipelines.readers import ROW_ERROR

ICS_LINES = [
    "BEGIN:VCALENDAR", "END:VCALENDAR", "BEGIN:VEVENT", "END:VEVENT", "METHOD:REQUEST", "METHOD:REPLY", "UID:x1",
    "SEQUENCE:1", "SEQUENCE:zz", "DTSTART:20261105T140000Z", "DTSTART:2026", "DTSTAMP:20261102T090000Z",
    "ATTENDEE;PARTSTAT=ACCEPTED:mailto:a@b.example", " folded continuation", "VERSION:2.0", "garbage ::: line",
]
LINES = st.lists(st.sampled_from(ICS_LINES), max_size=25)


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


UNREAD_LINES = ["LOCATION:Room 4", "DESCRIPTION:Join: https://meet.example/x", " continued text", "\tcontinued by tab",
                "X-GOOGLE-CONFERENCE:https://meet.example/x", "prodid:-//Lower//EN", "TRANSP;X-P=1:OPAQUE",
                "SUMMARY:Screen", "UID:x2", "ORGANIZER:mailto:o@acme.example"]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(ICS_LINES + UNREAD_LINES), max_size=30))
def test_dropping_unread_properties_changes_no_record(lines):
    """The same records and the same rule breaks (an error's wording may quote the shorter text)."""
    text = "\n".join(lines) + "\n"
    outcomes = []
    for drop in (True, False):
        try:
            records = [json.loads(r) for r in text_messages(text, drop_unread=drop)]
        except ValueError:
            outcomes.append("no calendar object")
            continue
        outcomes.append([{k: v for k, v in r.items() if k != ROW_ERROR} for r in records])
    assert outcomes[0] == outcomes[1]


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


MAIL_LINES = ["From a@b Mon Nov  2 14:00:00 2026", "From: x@y.example", "From: \"Ana, R\" <ana@y.example>", "To: z@acme.example",
              "To: a@b.example, C <c@d.example>", "Date: Mon, 02 Nov 2026 09:00:00 -0500", "Date: soon", "Subject: hi",
              " folded subject", "", "body text", "From the body, a line", ">From quoted", "Auto-Submitted: auto-replied",
              "Precedence: bulk", "Message-ID: <m1@y.example>", "From: <>", "not a header line"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(MAIL_LINES), max_size=25), st.sampled_from(["\n", "\r\n"]))
def test_mbox_header_split_reads_what_the_mailbox_module_reads(lines, newline):
    """Only header blocks are parsed; every record is the one a full parse through mailbox gives."""
    with TemporaryDirectory() as tmp:
        path = Path(tmp) / "x.mbox"
        path.write_bytes((newline.join(lines) + newline).encode())
        box = mailbox.mbox(str(path), factory=lambda f: email.message_from_binary_file(f, policy=policy.compat32),
                           create=False)
        expected = [json.loads(_record(msg)) for msg in box]
        try:
            got = [json.loads(r) for r in mbox_messages(path)]
        except ValueError:
            got = []
        assert got == expected


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from(MAIL_LINES[1:]), max_size=20), st.sampled_from(["\n", "\r\n"]))
def test_eml_header_parse_reads_what_a_full_parse_reads(lines, newline):
    data = (newline.join(lines) + newline).encode()
    with TemporaryDirectory() as tmp:
        path = Path(tmp) / "x.eml"
        path.write_bytes(data)
        try:
            got = [json.loads(r) for r in eml_message(path)]
        except ValueError:
            return  # an empty file: the full parse has nothing to compare
        assert got == [json.loads(_record(email.message_from_bytes(data, policy=policy.compat32)))]
