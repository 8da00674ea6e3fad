"""A tiny two-system world as canonical tables, for the mismatch rules' grace boundaries.

The tables go through the real build-time joins and derivations (pipelines.derive.derive_all), so
tool records reach applications the way they do in a build.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import polars as pl

from pipelines.contracts import CANONICAL_MODELS
from pipelines.derive import derive_all
from pipelines.schema import polars_schema
from tests.builders import utc

T = utc(2026, 11, 10, 12)  # when every scenario's disagreement begins


class World:
    def __init__(self) -> None:
        self.rows: dict[str, list[dict]] = {name: [] for name in CANONICAL_MODELS}
        self.add("job", source="greenhouse", source_id="j1", title="Engineer", requisition_id="R1", recruiter="Sam Lee")
        self.add("candidate_record", source="greenhouse", source_id="c1", emails=["ann@mail.example"], phones=[])

    def add(self, table: str, **values) -> "World":
        model = CANONICAL_MODELS[table]
        row = {name: None for name in polars_schema(model)}
        defaults = {"load_id": "test", "derived": False, "reschedule_count": 0, "confirmed": True, "automated": False,
                    "actor_type": "user", "system": "ats"}
        row.update({k: v for k, v in defaults.items() if k in row})
        row.update(values)
        self.rows[table].append(row)
        return self

    def application(self, stage: str, entered: datetime, *, outcome: str = "active", source: str = "greenhouse",
                    aid: str = "1", cand: str = "c1", job: str = "j1", exited: datetime | None = None) -> "World":
        self.add("application", source=source, source_id=aid, candidate_id=cand, job_id=job, applied_at=utc(2026, 10, 1),
                 current_stage=stage, outcome=outcome, exited_at=exited, recruiter="Sam Lee",
                 exit_stage="screened" if outcome in ("rejected", "withdrawn") else None)
        if stage not in ("applied", "rejected", "withdrawn"):
            self.add("stage_event", source=source, source_id=f"{aid}-{stage}", application_id=aid, stage=stage, entered_at=entered)
        return self

    def tables(self) -> dict[str, pl.DataFrame]:
        out = {name: pl.DataFrame(rows, schema=polars_schema(CANONICAL_MODELS[name]), orient="row") if rows
               else pl.DataFrame(schema=polars_schema(CANONICAL_MODELS[name])) for name, rows in self.rows.items()}
        out.update(derive_all(out))
        return out


def interview_confirmed() -> World:
    return World().application("screened", T - timedelta(days=3)).add(
        "interview", source="calendar", source_id="ev1", external_event_id="ev1", candidate_email="ann@mail.example",
        title="Technical Interview", invite_sent_at=T - timedelta(hours=2), slot_confirmed_at=T, start_at=T + timedelta(days=3),
        status="confirmed")


def rejected_booked() -> World:
    return World().application("rejected", T, outcome="rejected", exited=T).add(
        "interview", source="calendar", source_id="ev2", external_event_id="ev2", candidate_email="ann@mail.example",
        title="Panel Interview", invite_sent_at=T - timedelta(days=1), slot_confirmed_at=T - timedelta(hours=20),
        start_at=T + timedelta(days=20), status="confirmed")


def esign_signed() -> World:
    return World().application("offer", T - timedelta(days=2)).add(
        "offer", source="greenhouse", source_id="o1", application_id="1", outcome="pending", via="ats",
        sent_at=T - timedelta(days=1)).add(
        "offer", source="docusign", source_id="env1", application_id="1", outcome="accepted", via="esign",
        sent_at=T - timedelta(days=1), decided_at=T, source_status="completed")


def envelope_sent() -> World:
    return World().application("submitted", T - timedelta(days=2)).add(
        "offer", source="docusign", source_id="env2", application_id="1", outcome="pending", via="esign", sent_at=T,
        source_status="sent")


def check_complete() -> World:
    return World().application("offer", T - timedelta(days=2)).add(
        "check", source="checkr", source_id="rep1", application_id="1", kind="background", requested_at=T - timedelta(days=1),
        completed_at=T, status="complete", result="clear")


def hired_no_handoff() -> World:
    midnight = T.replace(hour=0)
    return World().application("hired", T - timedelta(days=20), outcome="hired").add(
        "offer", source="greenhouse", source_id="o2", application_id="1", outcome="accepted", via="ats",
        decided_at=T - timedelta(days=21), starts_on=midnight.date())


def payroll_hire() -> World:
    return World().application("offer", T - timedelta(days=2)).add(
        "handoff", source="payroll", source_id="W1", application_id="1", email="ann@mail.example", created_at=T,
        start_on=(T + timedelta(days=14)).date())


def crm_disagrees() -> World:
    return World().application("screened", T).add(
        "job", source="bullhorn", source_id="bj1", title="Engineer", requisition_id="R1").add(
        "candidate_record", source="bullhorn", source_id="bc1", emails=["Ann@Mail.example "], phones=[]).application(
        "interviewing", T - timedelta(days=1), source="bullhorn", aid="b1", cand="bc1", job="bj1")


# rule -> (world, when the disagreement begins)
SCENARIOS = {
    "interview_confirmed_ats_before_interviewing": (interview_confirmed, T),
    "rejected_interview_booked": (rejected_booked, T),
    "esign_signed_no_ats_acceptance": (esign_signed, T),
    "envelope_sent_no_ats_offer": (envelope_sent, T),
    "check_complete_stuck_at_offer": (check_complete, T),
    "hired_no_payroll_handoff": (hired_no_handoff, T.replace(hour=0)),
    "payroll_hire_no_ats_hire": (payroll_hire, T),
    "crm_stage_disagrees_with_ats": (crm_disagrees, T),
}
