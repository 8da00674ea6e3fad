"""Email as mailboxes (.mbox) or single messages (.eml): one JSON record per message.

`automated` is decided from the headers that mark machine mail: Auto-Submitted other than "no"
(RFC 3834), Precedence bulk/list/junk/auto_reply, X-Autoreply, or a List-Unsubscribe header.
A message without a usable From or Date is quarantined (rule invalid_message).
"""

from __future__ import annotations

import email
import json
import mmap
import re
from email import policy
from email.parser import BytesHeaderParser
from email.utils import getaddresses, parsedate_to_datetime
from functools import lru_cache
from pathlib import Path

from pipelines.readers import register_reader, row_error

MACHINE_PRECEDENCE = {"bulk", "list", "junk", "auto_reply"}
# An mbox starts each message with a line "From " (as Python's mailbox module splits them). Only the
# header block, up to the first empty line, is parsed: no record reads a body, and a mailbox whose
# messages carry CVs (400 messages with a 300 KB attachment each) reads 4-6 times faster than a
# full parse. tests/pipelines/test_format_properties.py holds the records to a full parse's.
FROM_LINE = re.compile(rb"^From ", re.MULTILINE)
HEADER_END = re.compile(rb"\r?\n\r?\n")
HEADERS = BytesHeaderParser(policy=policy.compat32)


@lru_cache(maxsize=2**16)
def _addresses(*values: str) -> tuple[str, ...]:
    """The addresses of address headers, lower case. Recruiters, no-reply senders and each candidate's
    address repeat across a mailbox (85% of lookups on the demo mailbox), so each header text is
    parsed once: 30% off the reading time there."""
    return tuple(a.lower() for _, a in getaddresses(list(values)) if a)


def _record(msg: email.message.Message) -> str:
    try:
        senders = _addresses(str(msg.get("From", "")))
        recipients = _addresses(*(str(v) for v in msg.get_all("To", []) or []))
        raw_date = msg.get("Date")
    except (TypeError, ValueError, IndexError) as exc:  # a header the parser cannot even read
        return row_error(f"unreadable headers: {exc}", "invalid_message")
    message_id = str(msg.get("Message-ID", "")).strip() or None
    if not senders:
        return row_error("the message has no From address", "invalid_message", message_id=message_id)
    try:
        sent = parsedate_to_datetime(str(raw_date)) if raw_date else None
    except (TypeError, ValueError):
        sent = None
    if sent is None:
        return row_error(f"the message has no valid Date (got {raw_date!r})", "invalid_message", message_id=message_id)
    sent_text = sent.isoformat()  # without an offset it is read in the source's zone
    auto = str(msg.get("Auto-Submitted", "no")).strip().lower()
    precedence = str(msg.get("Precedence", "")).strip().lower()
    automated = auto not in ("", "no") or precedence in MACHINE_PRECEDENCE or msg.get("X-Autoreply") is not None \
        or msg.get("List-Unsubscribe") is not None
    return json.dumps({
        "message_id": message_id or f"{senders[0]}|{sent_text}",
        "date": sent_text,
        "from": senders[0],
        "to": recipients,
        "subject": str(msg.get("Subject", "")) or None,
        "in_reply_to": str(msg.get("In-Reply-To", "")).strip() or None,
        "automated": automated,
    })


def mbox_messages(path: Path) -> list[str]:
    if path.stat().st_size == 0:
        raise ValueError("the file is empty")
    records = []
    with path.open("rb") as fh, mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as data:
        starts = [m.start() for m in FROM_LINE.finditer(data)]
        for start, stop in zip(starts, [*starts[1:], len(data)]):
            begin = data.find(b"\n", start, stop) + 1 or stop  # the header block starts after the From line
            end = HEADER_END.search(data, begin - 1, stop)  # from the From line's own newline: no headers at all
            block = data[begin:end.end() if end else stop].replace(b"\r\n", b"\n")  # as mailbox hands it over
            records.append(_record(HEADERS.parsebytes(block)))
    if not records:
        raise ValueError("no messages found (an mbox starts each message with a 'From ' line)")
    return records


def eml_message(path: Path) -> list[str]:
    data = path.read_bytes()
    if not data.strip():
        raise ValueError("the file is empty")
    return [_record(HEADERS.parsebytes(data))]


register_reader(".mbox")(mbox_messages)
register_reader(".eml")(eml_message)
