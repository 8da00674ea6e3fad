"""The canonical model: one pandera DataFrameModel per warehouse table, each stating its grain.

This module is the single place the canonical tables are defined. The DuckDB schema
(`pipelines.schema`) and the schema the KPI definitions are checked against are derived from
these models, never written twice.

Timestamp rules of the specification are checks here:
- every timestamp column is tz-aware UTC (the dtype says so; a connector that forgets to convert
  fails the contract as a whole);
- `not_in_future`: nothing later than the load time plus the configured clock skew;
- `stage_order`: within one application, first-entry times never run backwards in canonical order;
- first entry wins: `application_stage` keeps one row per application and stage (see
  `pipelines.derive`), which its uniqueness check enforces.
"""

from __future__ import annotations

import contextvars
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Iterator

import pandera.polars as pa
from pandera import extensions
import polars as pl

from pipelines.stages import ALL_STAGES, EXITS, ORDERED_STAGES, STAGE_RANK

UTC = pl.Datetime(time_unit="us", time_zone="UTC")


# What each frame-level rule means, for quarantine details.
RULE_EXPLANATIONS: dict[str, str] = {
    "stage_order": "this record's time is earlier than the first entry of a lower canonical stage",
    "decision_has_time": "an accepted or declined offer has no decision time",
    "multiple_fields_uniqueness": "another record has the same (source, source_id)",
}


@dataclass(frozen=True)
class ValidationContext:
    loaded_at: datetime
    clock_skew: timedelta

    @property
    def latest_allowed(self) -> datetime:
        return self.loaded_at + self.clock_skew


_CONTEXT: contextvars.ContextVar[ValidationContext | None] = contextvars.ContextVar("validation", default=None)


@contextmanager
def validation_context(loaded_at: datetime, clock_skew: timedelta) -> Iterator[ValidationContext]:
    """Checks that depend on the load (e.g. `not_in_future`) read the load time from here."""
    if loaded_at.tzinfo is None:
        raise ValueError("loaded_at must be timezone-aware")
    ctx = ValidationContext(loaded_at.astimezone(timezone.utc), clock_skew)
    token = _CONTEXT.set(ctx)
    try:
        yield ctx
    finally:
        _CONTEXT.reset(token)


def _latest_allowed() -> datetime:
    ctx = _CONTEXT.get()
    if ctx is None:
        # Outside a load, "now" with no skew is the honest default.
        return datetime.now(timezone.utc)
    return ctx.latest_allowed


@extensions.register_check_method()
def not_in_future(data: pa.PolarsData) -> pl.LazyFrame:
    """No timestamp after the load time plus the configured clock skew."""
    limit = pl.lit(_latest_allowed(), dtype=UTC)
    return data.lazyframe.select((pl.col(data.key) <= limit).fill_null(True))


def ts(nullable: bool = True) -> object:
    """A timestamp field: UTC by dtype, never after the load time plus skew."""
    return pa.Field(nullable=nullable, not_in_future=())


def stage_field(nullable: bool = False, allowed: tuple[str, ...] = ALL_STAGES) -> object:
    return pa.Field(nullable=nullable, isin=list(allowed))


class Traced(pa.DataFrameModel):
    """Columns every canonical row carries so any figure traces back to its source record."""

    source: str = pa.Field(nullable=False, str_length={"min_value": 1})
    source_id: str = pa.Field(nullable=False, str_length={"min_value": 1})
    load_id: str = pa.Field(nullable=False)

    class Config:
        strict = True
        coerce = False
        unique = ["source", "source_id"]


class CandidateRecord(Traced):
    """candidate_record: one row per candidate as one source sees them (source, source_id)."""

    first_name: str = pa.Field(nullable=True)
    last_name: str = pa.Field(nullable=True)
    full_name: str = pa.Field(nullable=True)
    emails: pl.List(pl.String) = pa.Field(nullable=True)
    phones: pl.List(pl.String) = pa.Field(nullable=True)
    company: str = pa.Field(nullable=True)
    location: str = pa.Field(nullable=True)
    profile_url: str = pa.Field(nullable=True)
    created_at: UTC = ts()
    updated_at: UTC = ts()


class Client(Traced):
    """client: one row per client company of a staffing agency per source (source, source_id)."""

    name: str = pa.Field(nullable=False)
    status: str = pa.Field(nullable=True)
    created_at: UTC = ts()


class Job(Traced):
    """job: one row per requisition (or staffing job order) per source (source, source_id).

    client is the client's name for display and cuts; client_id its source id when the source
    maps clients.
    """

    title: str = pa.Field(nullable=True)
    requisition_id: str = pa.Field(nullable=True)
    department: str = pa.Field(nullable=True)
    office: str = pa.Field(nullable=True)
    client_id: str = pa.Field(nullable=True)
    client: str = pa.Field(nullable=True)
    recruiter: str = pa.Field(nullable=True)
    hiring_manager: str = pa.Field(nullable=True)
    status: str = pa.Field(nullable=True, isin=["open", "closed", "draft"])
    openings: pl.Int32 = pa.Field(nullable=True, ge=0)
    opened_at: UTC = ts()
    closed_at: UTC = ts()
    filled_at: UTC = ts()


class JobStage(Traced):
    """job_stage: one row per stage of one job's pipeline per source (source, source_id).

    name is the source's stage name; stage the canonical stage the stage map assigns it.
    """

    job_id: str = pa.Field(nullable=False)
    name: str = pa.Field(nullable=False)
    stage: str = stage_field()
    priority: pl.Int32 = pa.Field(nullable=True)


class Application(Traced):
    """application: one row per person x job application per source (source, source_id).

    candidate_id and job_id are source ids of the same source. current_stage is canonical;
    outcome is active, hired, rejected or withdrawn; exit_stage is the stage an exit left from.
    """

    candidate_id: str = pa.Field(nullable=False)
    job_id: str = pa.Field(nullable=False)
    applied_at: UTC = ts(nullable=False)
    channel: str = pa.Field(nullable=True)
    recruiter: str = pa.Field(nullable=True)
    coordinator: str = pa.Field(nullable=True)
    source_status: str = pa.Field(nullable=True)
    source_stage: str = pa.Field(nullable=True)
    current_stage: str = stage_field()
    outcome: str = pa.Field(nullable=False, isin=["active", "hired", "rejected", "withdrawn"])
    exit_stage: str = stage_field(nullable=True, allowed=ORDERED_STAGES)
    exited_at: UTC = ts()
    rejection_reason: str = pa.Field(nullable=True)

    @pa.dataframe_check(name="stage_order")
    def exit_after_applied(cls, data: pa.PolarsData) -> pl.LazyFrame:
        """An exit cannot come before the application."""
        return data.lazyframe.select((pl.col("exited_at") >= pl.col("applied_at")).fill_null(True))


class StageEvent(Traced):
    """stage_event: one row per move of an application into a stage, as a source recorded it.

    A stage's time is its first entry: re-entries stay here as events and are ignored when
    application_stage is derived. Corrections are events too.
    """

    application_id: str = pa.Field(nullable=False)
    source_stage: str = pa.Field(nullable=True)
    stage: str = stage_field()
    entered_at: UTC = ts(nullable=False)
    actor: str = pa.Field(nullable=True)
    actor_type: str = pa.Field(nullable=False, isin=["user", "automation", "unknown"])
    system: str = pa.Field(nullable=False)
    derived: bool = pa.Field(nullable=False)

    @pa.dataframe_check(name="stage_order")
    def first_entries_in_canonical_order(cls, data: pa.PolarsData) -> pl.LazyFrame:
        """A later canonical stage may not be first entered before an earlier one."""
        return stage_order_ok(data.lazyframe)


def stage_order_ok_expr() -> pl.Expr:
    """True where an event is no earlier than the first entry of every lower canonical stage.

    So when a record claims a later stage before an earlier one was first entered (hired before
    the offer), the record making the claim fails, and a re-entry of a stage at a plausible time
    does not. Exits are not ordered among stages, but may not precede the application's first entry.
    The definition, as window expressions; stage_order_ok computes the same faster.
    """
    rank = pl.col("stage").replace_strict(STAGE_RANK, default=None, return_dtype=pl.Int32)
    first = pl.col("entered_at").min().over("source", "application_id", "stage")
    ordered_first = pl.when(rank.is_not_null()).then(first)
    earlier_max = ordered_first.cum_max().shift(1).over(
        "source", "application_id", order_by=[rank.fill_null(99), pl.col("entered_at")]
    )
    app_first = ordered_first.min().over("source", "application_id")
    ok_ordered = pl.when(rank.is_not_null()).then((pl.col("entered_at") >= earlier_max).fill_null(True)).otherwise(True)
    ok_exit = pl.when(rank.is_null()).then((pl.col("entered_at") >= app_first).fill_null(True)).otherwise(True)
    return ok_ordered & ok_exit


def stage_order_ok(events: pl.LazyFrame) -> pl.LazyFrame:
    """stage_order_ok_expr's rule, one boolean per event in the events' order, from first entries.

    The first entry of each (application, canonical stage) is found once; each stage's bound is
    the latest first entry among lower stages. Windows ordered per application cost ~5x more at
    300k events.
    """
    keys = ["source", "application_id"]
    rank = pl.col("stage").replace_strict(STAGE_RANK, default=None, return_dtype=pl.Int32)
    rows = events.select(*keys, "entered_at", _rank=rank)
    firsts = (
        rows.filter(pl.col("_rank").is_not_null())
        .group_by(*keys, "_rank").agg(_first=pl.col("entered_at").min())
        .sort(*keys, "_rank")
        .with_columns(_lower=pl.col("_first").cum_max().shift(1).over(keys),
                      _app_first=pl.col("_first").min().over(keys))
    )
    bounds = rows.join(firsts.select(*keys, "_rank", "_lower"), on=[*keys, "_rank"], how="left", maintain_order="left")
    bounds = bounds.join(firsts.select(*keys, "_app_first").unique(keys), on=keys, how="left", maintain_order="left")
    ok_ordered = pl.when(pl.col("_rank").is_not_null()).then((pl.col("entered_at") >= pl.col("_lower")).fill_null(True))
    ok_exit = pl.when(pl.col("_rank").is_null()).then((pl.col("entered_at") >= pl.col("_app_first")).fill_null(True))
    return bounds.select(ok=pl.coalesce(ok_ordered, ok_exit, pl.lit(True)))


class Interview(Traced):
    """interview: one row per scheduled interview per source (source, source_id).

    An ATS knows the application; a scheduling tool or calendar often knows only the event
    (external_event_id, the calendar UID) and the candidate's address (candidate_email): those
    rows are joined to applications when the warehouse is built.
    """

    application_id: str = pa.Field(nullable=True)
    external_event_id: str = pa.Field(nullable=True)
    candidate_email: str = pa.Field(nullable=True)
    title: str = pa.Field(nullable=True)
    invite_sent_at: UTC = ts()
    slot_confirmed_at: UTC = ts()
    cancelled_at: UTC = ts()
    start_at: UTC = pa.Field(nullable=True)  # a booked interview may lie in the future
    end_at: UTC = pa.Field(nullable=True)
    status: str = pa.Field(nullable=True)
    reschedule_count: pl.Int32 = pa.Field(nullable=False, ge=0)
    organizer: str = pa.Field(nullable=True)

    @pa.dataframe_check(name="needs_a_join_key")
    def joinable(cls, data: pa.PolarsData) -> pl.LazyFrame:
        """An interview must name its application, its calendar event or its candidate."""
        return data.lazyframe.select(
            pl.any_horizontal(pl.col("application_id").is_not_null(), pl.col("external_event_id").is_not_null(),
                              pl.col("candidate_email").is_not_null())
        )


class Offer(Traced):
    """offer: one row per offer version per source (source, source_id).

    outcome: pending, accepted, declined or superseded. decided_at is set when the outcome is
    accepted or declined. Greenhouse sends sent_at as a date: it is stored as midnight in the
    source's time zone, so a same-day decision can precede it; turnaround clamps at zero.
    """

    application_id: str = pa.Field(nullable=False)
    version: pl.Int32 = pa.Field(nullable=True)
    created_at: UTC = ts()
    sent_at: UTC = ts()
    viewed_at: UTC = ts()
    decided_at: UTC = ts()
    starts_on: pl.Date = pa.Field(nullable=True)
    source_status: str = pa.Field(nullable=True)
    outcome: str = pa.Field(nullable=False, isin=["pending", "accepted", "declined", "superseded", "withdrawn"])
    via: str = pa.Field(nullable=False, isin=["ats", "esign"])

    @pa.dataframe_check(name="decision_has_time")
    def decided_offers_have_time(cls, data: pa.PolarsData) -> pl.LazyFrame:
        """An accepted or declined offer needs a decision time."""
        decided = pl.col("outcome").is_in(["accepted", "declined"])
        return data.lazyframe.select(~decided | pl.col("decided_at").is_not_null())


class Message(Traced):
    """message: one row per email, SMS or note per source (source, source_id).

    direction: outbound (to the candidate), inbound (from the candidate) or internal (notes).
    automated marks messages no person wrote (acknowledgements, sequences). A messaging tool
    knows only addresses and numbers (sender, recipient): candidate_id stays empty and the
    message is joined to a candidate by address when the warehouse is built.
    """

    candidate_id: str = pa.Field(nullable=True)
    application_id: str = pa.Field(nullable=True)
    channel: str = pa.Field(nullable=False, isin=["email", "sms", "note"])
    direction: str = pa.Field(nullable=False, isin=["outbound", "inbound", "internal"])
    sent_at: UTC = ts(nullable=False)
    automated: bool = pa.Field(nullable=False)
    sender: str = pa.Field(nullable=True)
    recipient: str = pa.Field(nullable=True)
    subject: str = pa.Field(nullable=True)


class Check(Traced):
    """check: one row per background check or assessment per source (source, source_id).

    application_id is set when the vendor carries the ATS id (e.g. Checkr's custom_id);
    candidate_email otherwise, for the join at build time.
    """

    application_id: str = pa.Field(nullable=True)
    candidate_email: str = pa.Field(nullable=True)
    kind: str = pa.Field(nullable=False, isin=["background", "assessment"])
    package: str = pa.Field(nullable=True)
    requested_at: UTC = ts()
    completed_at: UTC = ts()
    status: str = pa.Field(nullable=True)
    result: str = pa.Field(nullable=True)
    adjudication: str = pa.Field(nullable=True)


class Handoff(Traced):
    """handoff: one row per new hire handed to payroll or HRIS per source (source, source_id)."""

    application_id: str = pa.Field(nullable=True)
    email: str = pa.Field(nullable=True)
    full_name: str = pa.Field(nullable=True)
    start_on: pl.Date = pa.Field(nullable=True)
    confirmed: bool = pa.Field(nullable=False)
    created_at: UTC = ts()


class SyncError(Traced):
    """sync_error: one row per sync error per source (source, source_id): a connector's issue or a failed load."""

    system: str = pa.Field(nullable=False)
    object: str = pa.Field(nullable=True)
    code: str = pa.Field(nullable=True)
    message: str = pa.Field(nullable=True)
    first_seen_at: UTC = ts(nullable=False)
    resolved_at: UTC = ts()
    status: str = pa.Field(nullable=False, isin=["open", "resolved"])

    @pa.dataframe_check(name="stage_order")
    def resolved_after_seen(cls, data: pa.PolarsData) -> pl.LazyFrame:
        """An error cannot be resolved before it was first seen."""
        return data.lazyframe.select((pl.col("resolved_at") >= pl.col("first_seen_at")).fill_null(True))


CANONICAL_MODELS: dict[str, type[Traced]] = {
    "candidate_record": CandidateRecord,
    "client": Client,
    "job": Job,
    "job_stage": JobStage,
    "application": Application,
    "stage_event": StageEvent,
    "interview": Interview,
    "offer": Offer,
    "message": Message,
    "check": Check,
    "handoff": Handoff,
    "sync_error": SyncError,
}

__all__ = [
    "CANONICAL_MODELS",
    "EXITS",
    "UTC",
    "validation_context",
    "stage_order_ok",
    "stage_order_ok_expr",
]
