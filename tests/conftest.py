"""Shared fixtures: small warehouses built through the real pipeline (ingest, validate, build)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from pipelines.build import build
from pipelines.config import Settings, SourceSettings
from pipelines.load import ingest
from tests.builders import GreenhouseExport, utc

AS_OF = utc(2026, 11, 23)


@pytest.fixture(autouse=True, scope="session")
def _private_state(tmp_path_factory):
    """Tests never read or write the developer's own decisions store or secret (data/): a decision or
    an erasure made by hand must not change what a test loads, nor a test leave entries behind."""
    state = tmp_path_factory.mktemp("state")
    patch = pytest.MonkeyPatch()
    patch.setenv("STAGETRUTH_DECISIONS", str(state / "decisions.duckdb"))
    patch.setenv("STAGETRUTH_SECRET_FILE", str(state / "secret.key"))
    yield
    patch.undo()  # a Monday: W47 (16-22 Nov) is the last full week
SHARED_FORMATS = Path(__file__).resolve().parents[2] / "shared" / "formats"

STAGES = {11: "Application Review", 12: "Preliminary Phone Screen", 13: "Face to Face", 14: "Offer"}
APPLIED, SCREEN, ONSITE, OFFER = ((k, v) for k, v in STAGES.items())
RECRUITER_EMAIL = "sam.lee@acme.example"


def kpi_export() -> GreenhouseExport:
    """The hand-built data set behind tests/metrics/test_kpis.py; the arithmetic lives there."""
    gh = GreenhouseExport()
    gh.job(1, "Backend Engineer", department="Engineering", stages=STAGES)
    gh.job(2, "Account Executive", department="Sales", recruiter="Ria Roy",
           stages={21: "Application Review", 22: "Preliminary Phone Screen", 23: "Face to Face", 24: "Offer"})
    people = {1: "ann", 2: "bo", 3: "cy", 4: "di", 5: "ed", 6: "fay", 7: "gus", 8: "hal", 9: "ivy", 10: "jo", 11: "kim"}
    for n, first in people.items():
        gh.candidate(100 + n, first.title(), "Tester", f"{first}@mail.example")

    def app(n: int, applied: datetime, stage: tuple[int, str], status: str = "active", job: int = 1, **kw) -> int:
        aid = 1000 + n
        gh.application(aid, 100 + n, job, applied, stage, status=status, **kw)
        gh.move(aid, applied, APPLIED[0] if job == 1 else 21)
        return aid

    def reply(n: int, at: datetime, human: bool = True) -> None:
        sender = RECRUITER_EMAIL if human else "no-reply@acme.example"
        gh.email(100 + n, 5000 + len(gh.feeds.get(100 + n, {}).get("emails", [])) * 100 + n, at, sender,
                 f"{people[n]}@mail.example", "Sam Lee" if human else None)

    # Time to first response (cohort: applied week).
    a1 = app(1, utc(2026, 11, 9, 9), OFFER, status="hired")
    reply(1, utc(2026, 11, 9, 13))                                   # 4 h
    gh.move(a1, utc(2026, 11, 12, 9), ONSITE[0])
    gh.move(a1, utc(2026, 11, 16, 9), OFFER[0])
    gh.move(a1, utc(2026, 11, 20, 9), None, "hired")                # hired after 11 days
    gh.offer(701, a1, 101, 1, utc(2026, 11, 16, 9), "accepted", utc(2026, 11, 18, 10))
    app(2, utc(2026, 11, 9, 10), APPLIED)
    reply(2, utc(2026, 11, 9, 10, 1), human=False)                  # automated: ignored
    reply(2, utc(2026, 11, 10, 10))                                  # 24 h
    a3 = app(3, utc(2026, 11, 10, 8), APPLIED, status="rejected", rejected_at=utc(2026, 11, 12, 8),
             rejection_type="We rejected them")
    gh.move(a3, utc(2026, 11, 12, 8), None, "rejected")             # 48 h, by rejection
    app(4, utc(2026, 11, 11, 12), APPLIED)                           # never answered
    a5 = app(5, utc(2026, 11, 16, 9), SCREEN, job=2, source="Referral", recruiter="Ria Roy")
    gh.move(a5, utc(2026, 11, 16, 19), 22)                          # 10 h by stage change
    app(6, utc(2026, 11, 22, 12), APPLIED)                           # unanswered, target not yet passed

    # Time to hire, offers and interview -> offer.
    a7 = app(7, utc(2026, 10, 1), OFFER, status="hired")
    reply(7, utc(2026, 10, 1, 6))
    gh.move(a7, utc(2026, 11, 2, 9), ONSITE[0])
    gh.move(a7, utc(2026, 11, 10, 9), OFFER[0])
    gh.move(a7, utc(2026, 11, 17, 12), None, "hired")               # 47.5 days
    gh.offer(702, a7, 107, 1, utc(2026, 11, 10, 9), "accepted", utc(2026, 11, 16, 10))
    a8 = app(8, utc(2026, 10, 5), OFFER, status="rejected", rejected_at=utc(2026, 11, 17, 9),
             rejection_type="They rejected us")
    gh.move(a8, utc(2026, 11, 3, 9), ONSITE[0])
    gh.move(a8, utc(2026, 11, 9, 9), OFFER[0])
    gh.offer(703, a8, 108, 1, utc(2026, 11, 9, 9), "rejected", utc(2026, 11, 17, 9))
    a9 = app(9, utc(2026, 10, 6), OFFER)
    gh.move(a9, utc(2026, 11, 4, 9), ONSITE[0])
    gh.move(a9, utc(2026, 11, 19, 9), OFFER[0])
    gh.offer(704, a9, 109, 1, utc(2026, 11, 19, 9), "unresolved", None)
    a10 = app(10, utc(2026, 10, 20), ONSITE, status="rejected", rejected_at=utc(2026, 11, 14, 9),
              rejection_type="We rejected them")
    gh.move(a10, utc(2026, 11, 13, 9), ONSITE[0])
    gh.move(a10, utc(2026, 11, 14, 9), None, "rejected")
    a11 = app(11, utc(2026, 10, 21), OFFER)
    gh.move(a11, utc(2026, 11, 10, 9), SCREEN[0])
    gh.move(a11, utc(2026, 11, 13, 9), OFFER[0])                    # skipped interviewing
    gh.interview(801, a1, utc(2026, 11, 11, 9), utc(2026, 11, 12, 9))
    return gh


def build_warehouse(export_root: Path, wh_dir: Path, as_of: datetime = AS_OF) -> Path:
    """Ingest an export and publish a warehouse under wh_dir, through the real pipeline."""
    target = wh_dir / "stagetruth.duckdb"
    settings = Settings(warehouse=target)
    ingest(SourceSettings("greenhouse", "greenhouse", export_root), settings, loaded_at=as_of, full=True)
    build(target, as_of=as_of)
    return target


@pytest.fixture(scope="session")
def kpi_warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("kpi")
    return build_warehouse(kpi_export().write(root / "export"), root / "wh")


@pytest.fixture(scope="session")
def velocity_warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Greenhouse plus calendar invites: every velocity and conversion KPI (tests/velocity_data.py)."""
    from tests.velocity_data import build_velocity_warehouse

    return build_velocity_warehouse(tmp_path_factory.mktemp("velocity"))


@pytest.fixture(scope="session")
def demo_stack(tmp_path_factory: pytest.TempPathFactory):
    """The 1,000-candidate demo stack (seed 7), every source ingested and built once per session:
    (demo root, manifest, load results per source, warehouse path, scratch folder)."""
    from tests.builders import build_demo_stack

    tmp = tmp_path_factory.mktemp("stack")
    # nobody's decisions but the tests'
    root, manifest, settings, results = build_demo_stack(tmp, 1000, 7, AS_OF, decisions=tmp / "decisions.duckdb")
    return root, manifest, results, settings.warehouse, tmp
