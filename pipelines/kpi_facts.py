"""Derived tables the velocity KPIs read beside application_fact (pure Polars, no I/O).

- job_fact: one row per job, with the key application_fact carries (job_key) so the job cut
  reaches both tables.
- interview_fact: one row per interview of an application. The ATS and a calendar or
  scheduling tool often hold the same interview (joined by the calendar event id): their records
  are merged, taking the earliest invite and the earliest confirmation any system saw.
- stage_span: one row per application per ordered stage it entered (hired excepted, it is
  final): entered_at is the stage's first entry; left_at the earliest later event that moved the
  application on (the first entry of any higher stage, or its exit), empty while it is still there.
"""

from __future__ import annotations

import pandera.polars as pa
import polars as pl

from pipelines.contracts import UTC
from pipelines.stages import ORDERED_STAGES, STAGE_RANK


class JobFact(pa.DataFrameModel):
    """job_fact: one row per job (requisition) per source, keyed job_key = source:job_id.

    filled_at is set once no opening is still open (see docs/definitions.md, Jobs).
    """

    job_key: str = pa.Field(unique=True)
    source: str
    job_id: str
    job_title: str = pa.Field(nullable=True)
    department: str = pa.Field(nullable=True)
    office: str = pa.Field(nullable=True)
    client: str = pa.Field(nullable=True)
    recruiter: str = pa.Field(nullable=True)
    status: str = pa.Field(nullable=True)
    openings: pl.Int32 = pa.Field(nullable=True)
    opened_at: UTC = pa.Field(nullable=True)
    filled_at: UTC = pa.Field(nullable=True)

    class Config:
        strict = True


class InterviewFact(pa.DataFrameModel):
    """interview_fact: one row per interview of an application (records of one calendar event merged).

    invite_sent_at and slot_confirmed_at are the earliest any system recorded; either may be empty
    when no system knows it (Greenhouse has no confirmation, Calendly no invite time).
    """

    interview_key: str
    application_key: str
    systems: str
    invite_sent_at: UTC = pa.Field(nullable=True)
    slot_confirmed_at: UTC = pa.Field(nullable=True)
    start_at: UTC = pa.Field(nullable=True)
    reschedules: pl.Int32 = pa.Field(ge=0)

    class Config:
        strict = True
        unique = ["application_key", "interview_key"]


class StageSpan(pa.DataFrameModel):
    """stage_span: one row per application per ordered stage it entered, except hired (final).

    left_at is the earliest first entry of a higher stage or the exit, at or after entered_at;
    empty while the application is still in the stage. left_to names where it went.
    """

    application_key: str
    stage: str = pa.Field(isin=list(ORDERED_STAGES[:-1]))
    entered_at: UTC
    left_at: UTC = pa.Field(nullable=True)
    left_to: str = pa.Field(nullable=True)

    class Config:
        strict = True
        unique = ["application_key", "stage"]


KPI_FACT_MODELS: dict[str, type[pa.DataFrameModel]] = {"job_fact": JobFact, "interview_fact": InterviewFact,
                                                      "stage_span": StageSpan}


def _select(frame: pl.DataFrame, model: type[pa.DataFrameModel]) -> pl.DataFrame:
    from pipelines.schema import polars_schema

    return frame.select([pl.col(n).cast(t) for n, t in polars_schema(model).items()])


def job_fact(job: pl.DataFrame) -> pl.DataFrame:
    out = job.with_columns(job_key=pl.col("source") + pl.lit(":") + pl.col("source_id"), job_id=pl.col("source_id"),
                           job_title=pl.col("title"))
    return _select(out, JobFact).sort("job_key")


def interview_fact(interview: pl.DataFrame, link: pl.DataFrame, ats_sources: set[str]) -> pl.DataFrame:
    own = interview.filter(pl.col("source").is_in(list(ats_sources)) & pl.col("application_id").is_not_null()) \
        .with_columns(_app_source=pl.col("source"), _app_id=pl.col("application_id"))
    joined = link.filter((pl.col("table") == "interview") & pl.col("joined") & pl.col("application_id").is_not_null()) \
        .select("source", "source_id", _app_source="target_source", _app_id="application_id")
    tools = interview.filter(~pl.col("source").is_in(list(ats_sources))).join(joined, on=["source", "source_id"], how="inner")
    rows = pl.concat([own, tools], how="diagonal_relaxed")
    if rows.height == 0:
        return _select(pl.DataFrame(schema={"interview_key": pl.String, "application_key": pl.String, "systems": pl.String,
                                            "invite_sent_at": UTC, "slot_confirmed_at": UTC, "start_at": UTC,
                                            "reschedules": pl.Int32}), InterviewFact)
    rows = rows.with_columns(
        application_key=pl.col("_app_source") + pl.lit(":") + pl.col("_app_id"),
        interview_key=pl.coalesce(pl.col("external_event_id"), pl.col("source") + pl.lit(":") + pl.col("source_id")),
    )
    out = rows.group_by("application_key", "interview_key").agg(
        systems=pl.col("source").unique().sort().str.join(","),
        invite_sent_at=pl.col("invite_sent_at").min(),
        slot_confirmed_at=pl.col("slot_confirmed_at").min(),
        start_at=pl.col("start_at").min(),
        reschedules=pl.col("reschedule_count").max().fill_null(0),
    )
    return _select(out, InterviewFact).sort("application_key", "interview_key")


def stage_span(application: pl.DataFrame, stages: pl.DataFrame) -> pl.DataFrame:
    key = pl.col("source") + pl.lit(":") + pl.col("application_id")
    entered = stages.filter(pl.col("stage").is_in(ORDERED_STAGES)).with_columns(
        application_key=key, rank=pl.col("stage").replace_strict(STAGE_RANK, return_dtype=pl.Int32))
    exits = application.filter(pl.col("outcome").is_in(["rejected", "withdrawn"]) & pl.col("exited_at").is_not_null()) \
        .select(application_key=pl.col("source") + pl.lit(":") + pl.col("source_id"), at=pl.col("exited_at"),
                to=pl.col("outcome"), to_rank=pl.lit(99, dtype=pl.Int32))
    moves = pl.concat([entered.select("application_key", at=pl.col("entered_at"), to=pl.col("stage"), to_rank=pl.col("rank")),
                       exits], how="vertical")
    spans = entered.filter(pl.col("stage") != "hired").select("application_key", "stage", "entered_at", "rank")
    later = spans.join(moves, on="application_key", how="inner").filter(
        (pl.col("to_rank") > pl.col("rank")) & (pl.col("at") >= pl.col("entered_at")))
    first_out = later.sort("at", "to_rank").group_by("application_key", "stage", maintain_order=True) \
        .agg(left_at=pl.col("at").first(), left_to=pl.col("to").first())
    out = spans.join(first_out, on=["application_key", "stage"], how="left")
    return _select(out, StageSpan).sort("application_key", "entered_at")


def derive(tables: dict[str, pl.DataFrame], link: pl.DataFrame, stages: pl.DataFrame) -> dict[str, pl.DataFrame]:
    """job_fact, interview_fact and stage_span, validated against their contracts."""
    ats = set(tables["application"]["source"].unique().to_list())
    out = {
        "job_fact": job_fact(tables["job"]),
        "interview_fact": interview_fact(tables["interview"], link, ats),
        "stage_span": stage_span(tables["application"], stages),
    }
    for name, model in KPI_FACT_MODELS.items():
        model.validate(out[name], lazy=True)
    return out
