"""iCalendar invites (RFC 5545 / iTIP RFC 5546): messages out of .ics files, interviews out of messages.

A file may hold several VCALENDAR objects (one per email). Each VEVENT becomes one message
record with its calendar's METHOD. Messages are then folded per UID into one interview:

- invite sent: the DTSTAMP of the first REQUEST;
- start and end: those of the current REQUEST (highest SEQUENCE, then latest DTSTAMP); a
  REQUEST with a lower SEQUENCE than one already seen is obsolete and ignored;
- reschedules: how many times DTSTART changed across the REQUESTs in order;
- slot confirmed: the first REPLY with PARTSTAT=ACCEPTED from the candidate (the attendee whose
  address is not in the organisation's own domains); only the replying attendee counts;
- cancelled: a CANCEL (or STATUS:CANCELLED) at or above the current SEQUENCE.
"""

from __future__ import annotations

import json
import re
from datetime import date, datetime, time, timezone
from pathlib import Path

from icalendar import Calendar

from pipelines.readers import register_reader, row_error


def _address(value: object) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    if text.lower().startswith("mailto:"):
        text = text[7:]
    return text.strip().lower() or None


def _when(value: object) -> str | None:
    if value is None:
        return None
    dt = getattr(value, "dt", value)
    if isinstance(dt, datetime):
        if dt.tzinfo is None:
            return dt.isoformat()  # floating time: read in the source's zone
        return dt.astimezone(timezone.utc).isoformat()
    if isinstance(dt, date):
        return datetime.combine(dt, time()).isoformat()
    return None


def _attendees(event) -> list[dict]:
    raw = event.get("ATTENDEE")
    if raw is None:
        return []
    items = raw if isinstance(raw, list) else [raw]
    out = []
    for item in items:
        params = getattr(item, "params", {})
        out.append({
            "email": _address(item),
            "partstat": str(params.get("PARTSTAT", "NEEDS-ACTION")).upper(),
            "role": str(params.get("ROLE", "REQ-PARTICIPANT")).upper(),
            "name": str(params.get("CN", "")) or None,
        })
    return out


# Properties no record reads, dropped with their continuation lines (inside the object only) before
# icalendar parses an object: a quarter of the parse time on the demo invites, more on invites with long descriptions.
# A continuation line that lost its leading space is not taken with them, so a broken fold still
# fails the object; tests/pipelines/test_format_properties.py holds the records to those of a
# parse that drops nothing.
UNREAD = re.compile(r"^(?:PRODID|VERSION|CALSCALE|LOCATION|TRANSP|DESCRIPTION|X-[A-Z0-9-]+)[;:][^\n]*\n(?:[ \t][^\n]*\n)*",
                    re.MULTILINE | re.IGNORECASE)


def messages(path: Path) -> list[str]:
    """One JSON record per VEVENT of every VCALENDAR in the file."""
    text = path.read_bytes().decode("utf-8-sig")
    if not text.strip():
        raise ValueError("the file is empty")
    return text_messages(text)


def text_messages(text: str, drop_unread: bool = True) -> list[str]:
    """The records of messages(), from the text of a file."""
    chunks = [c for c in text.replace("\r\n", "\n").split("BEGIN:VCALENDAR") if c.strip()]
    if not chunks:
        raise ValueError("no BEGIN:VCALENDAR in the file")
    records: list[str] = []
    for chunk in chunks:
        inside, end, after = chunk.partition("\nEND:VCALENDAR")
        body = "BEGIN:VCALENDAR" + (UNREAD.sub("", inside) + end + after if drop_unread and end else chunk)
        try:
            calendar = Calendar.from_ical(body)
        except (ValueError, IndexError, KeyError) as exc:
            records.append(row_error(f"calendar object {len(records)} cannot be parsed: {exc}", "invalid_event"))
            continue
        method = str(calendar.get("METHOD", "PUBLISH")).upper()
        for event in calendar.walk("VEVENT"):
            uid = event.get("UID")
            if isinstance(uid, list):  # a repeated UID line: the values agree in practice; keep the first
                uid = uid[0] if uid else None
            if uid is None or not str(uid).strip():
                records.append(row_error("the event has no UID, so no later update can be matched to it", "invalid_event",
                                         summary=str(event.get("SUMMARY", "")) or None))
                continue
            try:
                sequence = int(event.get("SEQUENCE", 0))
            except (TypeError, ValueError):
                sequence = 0
            try:
                records.append(_event_record(method, str(uid).strip(), sequence, event))
            except (ValueError, TypeError, AttributeError) as exc:
                records.append(row_error(f"event {str(uid).strip()!r} cannot be read: {exc}", "invalid_event", uid=str(uid).strip()))
    return records


def _event_record(method: str, uid: str, sequence: int, event) -> str:
    return json.dumps({
        "method": method,
        "uid": uid,
        "sequence": sequence,
        "dtstamp": _when(event.get("DTSTAMP")),
        "start": _when(event.get("DTSTART")),
        "end": _when(event.get("DTEND")),
        "status": str(event.get("STATUS", "")).upper() or None,
        "summary": str(event.get("SUMMARY", "")) or None,
        "organizer": _address(event.get("ORGANIZER")),
        "attendees": _attendees(event),
    })


register_reader(".ics")(messages)


def fold(records: list[dict], internal_domains: tuple[str, ...]) -> dict:
    """One interview out of the messages of one UID (see the module docstring)."""
    def is_candidate(email: str | None) -> bool:
        return bool(email) and not any(email.endswith("@" + d.lower()) for d in internal_domains)

    ordered = sorted(records, key=lambda r: (r["sequence"], r["dtstamp"] or ""))
    requests, current_seq, starts = [], -1, []
    for r in ordered:
        if r["method"] in ("REQUEST", "PUBLISH") and r["sequence"] >= current_seq:
            requests.append(r)
            current_seq = r["sequence"]
            if not starts or starts[-1] != r["start"]:
                starts.append(r["start"])
    current = requests[-1] if requests else ordered[-1]
    invited = min((r["dtstamp"] for r in requests if r["dtstamp"]), default=None)
    attendees = current.get("attendees") or []
    candidate = next((a["email"] for a in attendees if is_candidate(a["email"])), None)
    replies = sorted((r for r in records if r["method"] == "REPLY"), key=lambda r: r["dtstamp"] or "")
    confirmed = next(
        (r["dtstamp"] for r in replies
         for a in (r.get("attendees") or [])[:1]  # a REPLY speaks for the one attendee replying
         if a["partstat"] == "ACCEPTED" and (candidate is None or a["email"] == candidate)),
        None,
    )
    cancels = [r for r in records if (r["method"] == "CANCEL" or r["status"] == "CANCELLED") and r["sequence"] >= current_seq]
    cancelled = min((r["dtstamp"] for r in cancels if r["dtstamp"]), default=None) if cancels else None
    status = "cancelled" if cancels else ("confirmed" if confirmed else "scheduled")
    return {
        "uid": current["uid"],
        "summary": current.get("summary"),
        "organizer": current.get("organizer"),
        "candidate_email": candidate,
        "start": current.get("start"),
        "end": current.get("end"),
        "invite_sent_at": invited,
        "slot_confirmed_at": confirmed,
        "cancelled_at": cancelled,
        "reschedule_count": max(len(starts) - 1, 0),
        "status": status,
        "messages": len(records),
    }
