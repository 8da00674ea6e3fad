"""Property-based tests over the tool presets: whatever Twilio, Calendly or DocuSign records arrive,
each ends loaded or quarantined exactly once, a good time is read exactly, and a bad one is named."""

from __future__ import annotations

from datetime import datetime, timezone
from email.utils import format_datetime
from pathlib import Path
from tempfile import TemporaryDirectory

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.mapped.test_tools import connect, invitee, load, sms, write

FEW = settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
moments = st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2026, 11, 20)).map(
    lambda d: d.replace(microsecond=0, tzinfo=timezone.utc))
garbage = st.sampled_from(["yesterday", "2026-13-45", "31/12/2026 10:00", "Wed, 99 Nov 2026 25:61:00 +0000", "0", "null-ish"])


def outcome(con, table: str, obj: str) -> tuple[dict, dict]:
    loaded = {r[0]: r[1:] for r in con.sql(f"SELECT source_id, * EXCLUDE (source_id, load_id) FROM {table}").fetchall()}
    quarantined = {rid: rule for rid, rule in con.sql(f"SELECT record_id, rule FROM quarantine WHERE object = '{obj}'").fetchall()}
    return loaded, quarantined


def sent_at(con, table: str, column: str) -> dict:
    return dict(con.sql(f"SELECT source_id, {column} FROM {table}").fetchall())


@FEW
@given(st.lists(st.tuples(st.one_of(moments, garbage), st.sampled_from(["outbound-api", "inbound", "outbound-reply", "sideways"])),
                min_size=1, max_size=8))
def test_twilio_any_dates_and_directions(messages):
    with TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        page = [sms(f"SM{i:032d}", direction, "delivered", format_datetime(when) if isinstance(when, datetime) else when)
                for i, (when, direction) in enumerate(messages)]
        write(tmp / "sms" / "messages_0001.json", {"messages": page, "page": 0, "page_size": 50, "next_page_uri": None})
        result, con = load("twilio", tmp / "sms", tmp)
        loaded, quarantined = outcome(con, "message", result.objects[0].obj)
        times = sent_at(con, "message", "sent_at")
    sids = {m["sid"] for m in page}
    assert set(loaded) | set(quarantined) == sids and not set(loaded) & set(quarantined), "every message ends in one place"
    for m, (when, _) in zip(page, messages):
        if not isinstance(when, datetime):
            assert quarantined.get(m["sid"]) == "bad_type", (when, quarantined.get(m["sid"]))
        elif m["sid"] in loaded:
            assert times[m["sid"]] == when


@FEW
@given(st.lists(st.tuples(st.one_of(moments, garbage), st.sampled_from(["active", "canceled", "weird"])), min_size=1, max_size=6))
def test_calendly_any_invitee_times(bookings):
    with TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        page = [invitee(f"EV{i}", f"INV{i}", f"p{i}@mail.example",
                        when.strftime("%Y-%m-%dT%H:%M:%S.%fZ") if isinstance(when, datetime) else when, status=status)
                for i, (when, status) in enumerate(bookings)]
        write(tmp / "calendly" / "invitees" / "page-1.json", {"collection": page, "pagination": {"count": len(page), "next_page": None}})
        result, con = load("calendly", tmp / "calendly", tmp)
        rows_in = sum(o.rows_in for o in result.objects)
        stored = sum(o.loaded + o.quarantined for o in result.objects)
        bad = {rid for rid, rule in con.sql("SELECT record_id, rule FROM quarantine").fetchall() if rule == "bad_type"}
    assert rows_in == stored and rows_in >= len(page)
    for i, (when, _) in enumerate(bookings):
        if not isinstance(when, datetime):
            assert any(f"INV{i}" in (rid or "") for rid in bad), (when, bad)


@FEW
@given(st.lists(st.tuples(st.sampled_from(["completed", "declined", "voided", "sent"]), st.one_of(moments, garbage),
                          st.sampled_from(["1001", None, ""])), min_size=1, max_size=6))
def test_docusign_any_envelope_times_and_custom_fields(envelopes):
    names = {"completed": "completedDateTime", "declined": "declinedDateTime", "voided": "voidedDateTime", "sent": "sentDateTime"}
    with TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        lines = []
        for i, (status, when, application) in enumerate(envelopes):
            text = (when.strftime("%Y-%m-%dT%H:%M:%S.0000000Z") if isinstance(when, datetime) else when)
            lines.append(connect(f"env-{i}", f"envelope-{status}", status, application,
                                 initialSentDateTime="2025-01-01T00:00:00.0000000Z", **{names[status]: text}))
        write(tmp / "docusign" / "connect" / "events.jsonl", lines)
        result, con = load("docusign", tmp / "docusign", tmp)
        loaded, quarantined = outcome(con, "offer", "connect")
        decided = sent_at(con, "offer", "decided_at")
    assert set(loaded) | set(quarantined) == {f"env-{i}" for i in range(len(envelopes))}
    assert not set(loaded) & set(quarantined)
    for i, (status, when, application) in enumerate(envelopes):
        env = f"env-{i}"
        if not application:
            assert env in quarantined, "an envelope that names no application cannot be tied to an offer"
        elif not isinstance(when, datetime):
            assert quarantined.get(env) == "bad_type"
        elif status != "sent":
            assert decided.get(env) == when
