"""A hand-built Greenhouse export plus calendar invites behind tests/metrics/test_velocity_kpis.py.

Every time below is chosen so the answers can be worked out by hand there. AS_OF is Monday
23 Nov 2026 00:00 UTC; W45 = 2-8 Nov, W46 = 9-15 Nov, W47 = 16-22 Nov.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from pipelines.build import build
from pipelines.config import Settings, SourceSettings
from pipelines.load import ingest
from tests.builders import GreenhouseExport, utc
from tests.conftest import AS_OF
from tests.pipelines.test_calendar import invite

STAGES_1 = {11: "Application Review", 12: "Preliminary Phone Screen", 15: "Hiring Manager Review", 13: "Face to Face",
            14: "Offer"}
STAGES_2 = {21: "Application Review", 22: "Preliminary Phone Screen", 23: "Face to Face", 24: "Offer"}
PEOPLE = {1: "ann", 2: "bo", 3: "cy", 4: "di", 5: "ed", 6: "fay", 7: "gus"}


def velocity_export() -> GreenhouseExport:
    gh = GreenhouseExport()
    # Job 1 opened 1 Oct 00:00, filled 18 Nov 12:00 by ann: 48.5 days (W47).
    gh.job(1, "Backend Engineer", stages=STAGES_1, opened=utc(2026, 10, 1), filled=(utc(2026, 11, 18, 12), 2001))
    gh.job(2, "Account Executive", department="Sales", recruiter="Ria Roy", stages=STAGES_2, opened=utc(2026, 10, 5))
    # Job 3 opened Sunday 1 Nov 00:00, filled Wednesday 11 Nov 00:00: 10 days, 7 business days (W46).
    gh.job(3, "Recruiter", department="People", stages={31: "Application Review"}, opened=utc(2026, 11, 1),
           filled=(utc(2026, 11, 11), 2099))
    for n, first in PEOPLE.items():
        gh.candidate(200 + n, first.title(), "Vel", f"{first}@mail.example")

    def app(n: int, applied: datetime, stage: int, status: str = "active", job: int = 1, **kw) -> int:
        aid = 2000 + n
        names = STAGES_1 if job == 1 else STAGES_2
        gh.application(aid, 200 + n, job, applied, (stage, names[stage]), status=status, **kw)
        gh.move(aid, applied, 11 if job == 1 else 21)
        return aid

    # ann: applied Mon 2 Nov 09:00, screened 4 Nov, submitted 6 Nov, interviewing 10 Nov, offer 16 Nov 09:00,
    # hired 18 Nov 12:00.
    a1 = app(1, utc(2026, 11, 2, 9), 14, status="hired")
    for at, stage in ((utc(2026, 11, 4, 9), 12), (utc(2026, 11, 6, 9), 15), (utc(2026, 11, 10, 9), 13),
                      (utc(2026, 11, 16, 9), 14)):
        gh.move(a1, at, stage)
    gh.move(a1, utc(2026, 11, 18, 12), None, "hired")
    gh.offer(901, a1, 201, 1, utc(2026, 11, 16, 9), "accepted", utc(2026, 11, 18, 12))  # sent 16 Nov (a date)
    gh.interview(901, a1, utc(2026, 11, 10, 9), utc(2026, 11, 12, 9))  # event evt901; Greenhouse invite 10 Nov 09:00
    gh.email(201, 7001, utc(2026, 11, 2, 13), "sam.lee@acme.example", "ann@mail.example", "Sam Lee")
    # bo: applied Tue 3 Nov 09:00, screened 5 Nov, submitted 9 Nov 09:00, interviewing 16 Nov 12:00; active.
    a2 = app(2, utc(2026, 11, 3, 9), 13)
    for at, stage in ((utc(2026, 11, 5, 9), 12), (utc(2026, 11, 9, 9), 15), (utc(2026, 11, 16, 12), 13)):
        gh.move(a2, at, stage)
    # cy: applied Wed 4 Nov 09:00, screened 6 Nov, submitted Thu 12 Nov 09:00; still there.
    a3 = app(3, utc(2026, 11, 4, 9), 15)
    for at, stage in ((utc(2026, 11, 6, 9), 12), (utc(2026, 11, 12, 9), 15)):
        gh.move(a3, at, stage)
    # di: applied 26 Oct 09:00, screened 27 Oct 09:00, rejected Thu 5 Nov 09:00 (9 days in screened).
    a4 = app(4, utc(2026, 10, 26, 9), 12, status="rejected", rejected_at=utc(2026, 11, 5, 9),
             rejection_type="We rejected them")
    gh.move(a4, utc(2026, 10, 27, 9), 12)
    gh.move(a4, utc(2026, 11, 5, 9), None, "rejected")
    # ed (Sales, Referral, Ria Roy): applied Mon 2 Nov 10:00, screened 3 Nov 10:00, interviewing 5 Nov 10:00
    # (submitted skipped), offer 12 Nov 10:00 sent Fri 13 Nov, declined Mon 16 Nov 06:00 (withdrew).
    a5 = app(5, utc(2026, 11, 2, 10), 24, job=2, source="Referral", recruiter="Ria Roy", status="rejected",
             rejected_at=utc(2026, 11, 16, 6), rejection_type="They rejected us")
    for at, stage in ((utc(2026, 11, 3, 10), 22), (utc(2026, 11, 5, 10), 23), (utc(2026, 11, 12, 10), 24)):
        gh.move(a5, at, stage)
    gh.move(a5, utc(2026, 11, 16, 6), None, "rejected")
    gh.offer(902, a5, 205, 2, utc(2026, 11, 13, 9), "rejected", utc(2026, 11, 16, 6))
    # fay: applied Mon 2 Nov 12:00, never moved: stale (20.5 days at AS_OF).
    app(6, utc(2026, 11, 2, 12), 11)
    # gus: applied Thu 19 Nov 09:00 to the Sales job.
    app(7, utc(2026, 11, 19, 9), 21, job=2)
    return gh


def calendar_files(root: Path) -> Path:
    root.mkdir(parents=True, exist_ok=True)

    def event(name: str, uid: str, who: str, sent: str, start: str, accepted: str | None = None) -> None:
        text = invite("REQUEST", 0, sent, start, uid=uid).replace("ana@mail.example", f"{who}@mail.example")
        if accepted:
            text += invite("REPLY", 0, accepted, start, "ACCEPTED", uid=uid, replying=f"{who}@mail.example")
        (root / f"{name}.ics").write_text(text)

    # ann's interview (same event as Greenhouse's evt901): calendar invite 10 Nov 08:00, accepted 14:00 -> 6 h.
    event("ann", "evt901", "ann", "20261110T080000Z", "20261112T090000Z", "20261110T140000Z")
    # bo: invite Fri 13 Nov 12:00, accepted Mon 16 Nov 12:00 -> 72 h, 24 business hours.
    event("bo", "cal-bo", "bo", "20261113T120000Z", "20261117T100000Z", "20261116T120000Z")
    # cy: invite Wed 18 Nov 09:00, never confirmed (48 h passed by AS_OF).
    event("cy", "cal-cy", "cy", "20261118T090000Z", "20261124T100000Z")
    # gus: invite Sunday 22 Nov 12:00, not confirmed yet, 12 h before AS_OF: still inside its window.
    event("gus", "cal-gus", "gus", "20261122T120000Z", "20261125T100000Z")
    return root


def build_velocity_warehouse(root: Path) -> Path:
    settings = Settings(warehouse=root / "wh" / "stagetruth.duckdb")
    ingest(SourceSettings("greenhouse", "greenhouse", velocity_export().write(root / "gh")), settings, loaded_at=AS_OF,
           full=True)
    ingest(SourceSettings("calendar", "calendar", calendar_files(root / "cal"), internal_domains=("acme.example",)),
           settings, loaded_at=AS_OF, full=True)
    build(settings.warehouse, as_of=AS_OF)
    return settings.warehouse
