"""Calendar invites (.ics, iTIP): what the recruiting calendar sent and received per interview.

Every Greenhouse scheduled interview has an event whose UID is its external_event_id: the
REQUEST at the invite time, the candidate's REPLY (ACCEPTED) for most, and for rescheduled ones a
second REQUEST with SEQUENCE 1 and the new DTSTART. Interviews cancelled because the candidate
withdrew first exist only here (Greenhouse deletes a cancelled interview): REQUEST then CANCEL.
Planted defects: calendar_confirmed_before_ats_interviewing, ats_rejected_interview_booked,
interview_not_in_ats. One file per chunk, calendar/invites-NNNN.ics, one VCALENDAR per message.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .history import snap
from .people import ChunkView, digest, ics1, iso_s
from .world import DAY, DOMAIN, F2F, HOUR, MINUTE, ONS, PPS, STAGE_NAMES, STEPS, TI

SLOT = 30 * MINUTE
INTERVIEW_KINDS = (PPS, TI, F2F, ONS)


def _text(s: str) -> str:
    return s.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def _fold(line: str) -> str:
    """RFC 5545 line folding at 75 octets, never inside a UTF-8 character."""
    if line.isascii():
        return line if len(line) <= 75 else "\r\n ".join([line[:75]] + [line[i:i + 74] for i in range(75, len(line), 74)])
    out, cur, size = [], [], 0
    for ch in line:
        n = len(ch.encode())
        if size + n > (75 if not out else 74):
            out.append("".join(cur))
            cur, size = [], 0
        cur.append(ch)
        size += n
    out.append("".join(cur))
    return "\r\n ".join(out)


def _slot(t: int) -> int:
    return -(-int(t) // SLOT) * SLOT


class Invites:
    def __init__(self, root: Path):
        root.mkdir(parents=True)
        self.root = root
        self.n = {"messages": 0, "events": 0, "cancelled": 0, "rescheduled": 0}
        self.quarantine: dict = {}

    def _cal(self, method: str, uid: str, seq: int, stamp: int, start: int, end: int, summary: str,
             organizer: tuple[str, str], people: list[tuple[str, str, str]], location: str | None = None) -> None:
        t = ics1(stamp), ics1(start), ics1(end)
        lines = ["BEGIN:VCALENDAR", "PRODID:-//Google Inc//Google Calendar 70.9054//EN", "VERSION:2.0",
                 "CALSCALE:GREGORIAN", f"METHOD:{method}", "BEGIN:VEVENT", f"DTSTART:{t[1]}", f"DTEND:{t[2]}",
                 f"DTSTAMP:{t[0]}", f'ORGANIZER;CN="{organizer[0]}":mailto:{organizer[1]}', f"UID:{uid}"]
        for name, addr, part in people:
            rsvp = "TRUE" if part == "NEEDS-ACTION" else "FALSE"
            lines.append(f'ATTENDEE;CUTYPE=INDIVIDUAL;ROLE=REQ-PARTICIPANT;PARTSTAT={part};RSVP={rsvp};CN="{name}":mailto:{addr}')
        if location:
            lines.append(f"LOCATION:{_text(location)}")
        lines += [f"SEQUENCE:{seq}", f"STATUS:{'CANCELLED' if method == 'CANCEL' else 'CONFIRMED'}",
                  f"SUMMARY:{_text(summary)}", "TRANSP:OPAQUE", "END:VEVENT", "END:VCALENDAR"]
        self.buf.append("\r\n".join(_fold(x) for x in lines) + "\r\n")
        self.n["messages"] += 1

    def _event(self, uid, summary, organizer, staff, cand, requests, reply=None, cancel=None, location=None):
        """requests: [(stamp, start, end)] by SEQUENCE; reply: (stamp, seq); cancel: stamp."""
        for seq, (stamp, start, end) in enumerate(requests):
            people = [(cand[0], cand[1], "NEEDS-ACTION")] + [(n, a, "ACCEPTED") for n, a in staff]
            self._cal("REQUEST", uid, seq, stamp, start, end, summary, organizer, people, location)
        if reply is not None:
            stamp, seq = reply
            _, start, end = requests[seq]
            self._cal("REPLY", uid, seq, stamp, start, end, summary, organizer, [(cand[0], cand[1], "ACCEPTED")], location)
        if cancel is not None:
            _, start, end = requests[-1]
            self._cal("CANCEL", uid, len(requests), cancel, start, end, summary, organizer,
                      [(cand[0], cand[1], "NEEDS-ACTION")], location)
            self.n["cancelled"] += 1
        self.n["events"] += 1
        self.n["rescheduled"] += len(requests) > 1

    def chunk(self, v: ChunkView, planted: dict, truth) -> None:
        w, rng, as_of, iv = v.w, v.rng(2), v.as_of, v.iv
        self.buf: list[str] = []
        users, mail = w.users, w.user_email
        person = lambda c: (f"{v.fn[c]} {v.ln[c]}", v.email[c])  # noqa: E731
        user = lambda u: (users[int(u)]["name"], mail[int(u)])  # noqa: E731
        keys = []

        def reply_at(t0: int, before: int) -> int | None:
            t = t0 + int(np.clip(np.exp(rng.normal(np.log(3 * HOUR), 1.0)), 5 * MINUTE, 2 * DAY))
            return t if t < before - 10 * MINUTE and t <= as_of else None

        # the ATS's interviews
        for i in range(iv["app"].size):
            r = int(iv["app"][i])
            c, j, pos = int(v.a_cand[r]), int(v.a_job[r]), int(iv["pos"][i])
            kind = int(w.job_kinds[j, pos])
            eid = v.iv_eid[i]
            org = user(w.job_recruiter[j] if kind == PPS else w.job_coord[j])
            staff = [user(u) for u in (iv["u1"][i], iv["u2"][i]) if u >= 0]
            start, end, invite, moved = (int(iv[k][i]) for k in ("start", "end", "invite", "resched"))
            title = f"{STEPS[kind][int(iv['step'][i])][0]}: {v.fn[c]} {v.ln[c]} ({w.job_name[j]})"
            loc = f"{w.job_name[j].split('(')[-1].rstrip(')')} office" if kind == ONS else f"https://meet.{DOMAIN}/{eid[:3]}-{eid[3:7]}"
            if moved >= 0:
                orig = _slot(max(moved + 2 * HOUR, start - int(rng.uniform(1, 5) * DAY)))
                orig = orig if orig < start else start - DAY
                reqs = [(invite, orig, orig + end - start), (moved, start, end)]
                r1 = reply_at(moved, start) if rng.random() < 0.85 else None
                self._event(eid, title, org, staff, person(c), reqs, None if r1 is None else (r1, 1), location=loc)
            else:
                r0 = reply_at(invite, start) if rng.random() < 0.85 else None
                self._event(eid, title, org, staff, person(c), [(invite, start, end)], None if r0 is None else (r0, 0),
                            location=loc)
            keys.append((eid, v.person(c)))
        # interviews cancelled because the candidate withdrew first (Greenhouse keeps none)
        held = set((iv["app"] * 100 + iv["pos"]).tolist())
        gone = np.flatnonzero(v.a_withdrawn & np.isin(v.a_kind, INTERVIEW_KINDS))
        for r in gone.tolist():
            if r * 100 + int(v.a_pos[r]) in held:
                continue
            invite = int(snap(np.array([v.a_entered[r] + int(rng.uniform(2, 20) * HOUR)]), v.a_tz[r:r + 1], rng.random(1))[0])
            start = _slot(snap(np.array([invite + int(rng.uniform(2, 8) * DAY)]), v.a_tz[r:r + 1], rng.random(1))[0])
            end_t = int(v.a_end[r])
            cancel = end_t + int(rng.uniform(5, 60) * MINUTE)
            if not invite < end_t - 30 * MINUTE or start <= end_t or cancel > as_of:
                continue
            uid = digest(v.seed, "cancelled", int(v.a_id[r]), n=26)
            self._planned(v, r, uid, invite, start, end_t, rng, cancel=cancel)
            keys.append((uid, v.person(v.a_cand[r])))
        self._plant(v, planted, truth, rng, keys)
        truth.persons("calendar", "interview", keys)
        (self.root / f"invites-{v.ci + 1:04d}.ics").write_text("".join(self.buf), encoding="utf-8")
        self.buf = []

    def _planned(self, v: ChunkView, r: int, uid: str, invite: int, start: int, until: int, rng, cancel=None,
                 kind: int | None = None, title: str | None = None) -> None:
        """An invite the ATS has no record of (cancelled, planted): confirmed unless cancelled early."""
        w = v.w
        c, j = int(v.a_cand[r]), int(v.a_job[r])
        kind = int(v.a_kind[r]) if kind is None else kind
        step = title or (STEPS[kind][0][0] if STEPS.get(kind) else "Interview")
        org = (w.users[int(w.job_coord[j])]["name"], w.user_email[int(w.job_coord[j])])
        hm = int(w.job_hm[j, 0])
        staff = [(w.users[hm]["name"], w.user_email[hm])]
        reply = invite + int(rng.uniform(20 * MINUTE, 4 * HOUR))
        ok = reply < min(until, start) - 10 * MINUTE and reply <= v.as_of and (cancel is None or rng.random() < 0.5)
        self._event(uid, f"{step}: {v.fn[c]} {v.ln[c]} ({w.job_name[j]})", org, staff, (f"{v.fn[c]} {v.ln[c]}", v.email[c]),
                    [(invite, start, start + HOUR)], (reply, 0) if ok else None, cancel,
                    f"https://meet.{DOMAIN}/{uid[:3]}-{uid[3:7]}")

    def _plant(self, v: ChunkView, planted: dict, truth, rng, keys: list) -> None:
        w, as_of = v.w, v.as_of
        kinds = w.job_kinds[v.a_job]

        def next_interview(r):
            later = [int(k) for k in kinds[r, v.a_pos[r] + 1:] if k in (TI, F2F, ONS)]
            return later[0] if later else TI

        def add(r, kind_name, invite, start, until, step=None, kind=None):
            uid = digest(v.seed, kind_name, int(v.a_id[r]), n=26)
            self._planned(v, r, uid, invite, start, until, rng, kind=kind, title=step)
            keys.append((uid, v.person(v.a_cand[r])))
            return uid

        for r in planted["calendar_before_ats"].tolist():
            invite = int(snap(np.array([max(v.a_entered[r] + 4 * HOUR, as_of - int(rng.uniform(1, 5) * DAY))]),
                              v.a_tz[r:r + 1], rng.random(1))[0])
            invite = min(invite, as_of - 5 * HOUR)
            start = _slot(snap(np.array([invite + int(rng.uniform(1, 6) * DAY)]), v.a_tz[r:r + 1], rng.random(1))[0])
            k = next_interview(r)
            uid = add(r, "early", invite, start, start, kind=k)
            truth.mismatch("calendar_confirmed_before_ats_interviewing", int(v.a_id[r]), "calendar|greenhouse",
                           f"{STEPS[k][0][0]} invite {uid} accepted, starts {iso_s([start])[0]}; ATS stage "
                           f"{STAGE_NAMES[int(v.a_kind[r])]}")
        for r in planted["rejected_booked"].tolist():
            end = int(v.a_end[r])
            invite = max(int(v.a_entered[r]) + HOUR, end - int(rng.uniform(1, 3) * DAY))
            invite = invite if invite < end - HOUR else int(v.a_entered[r] + (end - v.a_entered[r]) // 2)
            start = _slot(snap(np.array([as_of + int(rng.uniform(1, 6) * DAY)]), v.a_tz[r:r + 1], rng.random(1))[0])
            k = next_interview(r)
            uid = add(r, "booked", invite, start, end, kind=k)
            truth.mismatch("ats_rejected_interview_booked", int(v.a_id[r]), "greenhouse|calendar",
                           f"rejected {iso_s([end])[0]}; {STEPS[k][0][0]} {uid} still booked for {iso_s([start])[0]}")
        last_iv = np.full(v.N, -1, np.int64)
        np.maximum.at(last_iv, v.iv["app"], v.iv["end"])
        for r in planted["extra_interview"].tolist():
            until = int(v.a_end[r]) if v.a_end[r] >= 0 else as_of
            lo = int(last_iv[r])
            start = _slot(lo + (until - lo) * rng.uniform(0.3, 0.6))
            invite = lo + int((start - lo) * rng.uniform(0.1, 0.4))
            uid = add(r, "extra", invite, start, until, step="Follow-up call with the hiring manager")
            truth.mismatch("interview_not_in_ats", int(v.a_id[r]), "calendar|greenhouse",
                           f"follow-up call {uid} on {iso_s([start])[0]} has no scheduled interview in the ATS")

    def close(self) -> None:
        pass

    @property
    def counts(self) -> dict:
        return {"calendar": dict(self.n)}
