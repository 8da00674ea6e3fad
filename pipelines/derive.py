"""Derived tables, computed with Polars from the canonical tables (pure functions, no I/O).

- application_stage: first entry wins. The application's own applied_at counts as an entry into
  applied; a stage that was skipped has no row (its time is never invented).
- application_fact: one row per application with its dimensions and milestones; "reached X"
  means the furthest stage is at or beyond X.
- first response (SPEC): the earliest of a human outbound message to the candidate and a
  non-automated stage change out of applied (a rejection counts; a withdrawal, being the
  candidate's own act, does not), at or after applied_at. Sources that cannot say who moved a
  stage (actor_type unknown) count as human moves.
"""

from __future__ import annotations

import polars as pl

from pipelines.schema import ApplicationFact, ApplicationStage, polars_schema
from pipelines.stages import ORDERED_STAGES, STAGE_RANK

UTC = pl.Datetime("us", "UTC")


def application_stage(application: pl.DataFrame, stage_event: pl.DataFrame) -> pl.DataFrame:
    applied = application.select(
        "source", application_id=pl.col("source_id"), stage=pl.lit("applied"), entered_at=pl.col("applied_at")
    )
    events = stage_event.select("source", "application_id", "stage", "entered_at")
    out = (
        pl.concat([applied, events], how="vertical")
        .group_by("source", "application_id", "stage")
        .agg(entered_at=pl.col("entered_at").min(), entries=pl.len().cast(pl.Int32))
        .sort("source", "application_id", "entered_at", "stage")
    )
    return out.select(list(polars_schema(ApplicationStage)))


def _first_response(application: pl.DataFrame, stage_event: pl.DataFrame, message: pl.DataFrame) -> pl.DataFrame:
    apps = application.select("source", application_id=pl.col("source_id"), candidate_id="candidate_id", applied_at="applied_at")
    by_message = (
        apps.join(
            message.filter((pl.col("direction") == "outbound") & ~pl.col("automated"))
            .select("source", "candidate_id", "sent_at"),
            on=["source", "candidate_id"],
        )
        .filter(pl.col("sent_at") >= pl.col("applied_at"))
        .group_by("source", "application_id")
        .agg(at=pl.col("sent_at").min())
        .with_columns(via=pl.lit("message"))
    )
    moves = stage_event.filter(
        (pl.col("stage") != "applied") & (pl.col("stage") != "withdrawn") & (pl.col("actor_type") != "automation")
    ).select("source", "application_id", at="entered_at")
    rejections = application.filter(pl.col("outcome") == "rejected").select(
        "source", application_id=pl.col("source_id"), at=pl.col("exited_at")
    )
    by_move = (
        apps.join(pl.concat([moves, rejections.drop_nulls("at")], how="vertical"), on=["source", "application_id"])
        .filter(pl.col("at") >= pl.col("applied_at"))
        .group_by("source", "application_id")
        .agg(at=pl.col("at").min())
        .with_columns(via=pl.lit("stage_change"))
    )
    both = pl.concat([by_message, by_move], how="vertical")
    return (
        both.sort("at", pl.col("via") == "stage_change")
        .group_by("source", "application_id", maintain_order=True)
        .agg(first_response_at=pl.col("at").first(), first_response_via=pl.col("via").first())
    )


def _latest_offer(offer: pl.DataFrame) -> pl.DataFrame:
    live = offer.filter(pl.col("outcome") != "superseded")
    return (
        live.sort(pl.col("version").fill_null(0), pl.col("created_at"), nulls_last=False)
        .group_by("source", "application_id", maintain_order=True)
        .agg(
            offer_sent_at=pl.col("sent_at").last(),
            offer_decided_at=pl.col("decided_at").last(),
            offer_outcome=pl.col("outcome").last(),
        )
    )


def application_fact(
    application: pl.DataFrame,
    job: pl.DataFrame,
    stages: pl.DataFrame,
    stage_event: pl.DataFrame,
    message: pl.DataFrame,
    offer: pl.DataFrame,
) -> pl.DataFrame:
    wide = (
        stages.filter(pl.col("stage").is_in(ORDERED_STAGES))
        .pivot(on="stage", index=["source", "application_id"], values="entered_at", on_columns=list(ORDERED_STAGES))
    )
    for name in ORDERED_STAGES:
        if name not in wide.columns:
            wide = wide.with_columns(pl.lit(None, dtype=UTC).alias(name))
    wide = wide.rename({name: f"{name}_at" for name in ORDERED_STAGES}).drop("applied_at")
    reached_rank = (
        stages.filter(pl.col("stage").is_in(ORDERED_STAGES))
        .with_columns(rank=pl.col("stage").replace_strict(STAGE_RANK, return_dtype=pl.Int32))
        .group_by("source", "application_id")
        .agg(event_rank=pl.col("rank").max())
    )
    rank = lambda col: pl.col(col).replace_strict(STAGE_RANK, default=None, return_dtype=pl.Int32)  # noqa: E731
    base = application.rename({"source_id": "application_id"}).join(
        job.select("source", job_id="source_id", job_title="title", department="department", office="office",
                   client="client", job_recruiter="recruiter"),
        on=["source", "job_id"], how="left",
    )
    out = (
        base.join(wide, on=["source", "application_id"], how="left")
        .join(reached_rank, on=["source", "application_id"], how="left")
        .join(_first_response(application, stage_event, message), on=["source", "application_id"], how="left")
        .join(_latest_offer(offer), on=["source", "application_id"], how="left")
        .join(stage_event.group_by("source", "application_id").agg(_last_event=pl.col("entered_at").max()),
              on=["source", "application_id"], how="left")
        .with_columns(
            furthest_rank=pl.max_horizontal(rank("current_stage"), rank("exit_stage"), pl.col("event_rank"), pl.lit(0))
        )
    )
    names = {rank_: name for name, rank_ in STAGE_RANK.items()}
    out = out.with_columns(
        application_key=pl.col("source") + pl.lit(":") + pl.col("application_id"),
        recruiter=pl.coalesce("recruiter", "job_recruiter"),
        furthest_stage=pl.col("furthest_rank").replace_strict(names, return_dtype=pl.String),
        reached_interviewing=pl.col("furthest_rank") >= STAGE_RANK["interviewing"],
        reached_offer=pl.col("furthest_rank") >= STAGE_RANK["offer"],
        reached_hired=pl.col("furthest_rank") >= STAGE_RANK["hired"],
        job_key=pl.col("source") + pl.lit(":") + pl.col("job_id"),
        last_moved_at=pl.max_horizontal("applied_at", "_last_event", "exited_at"),
        offer_outcome=pl.when(pl.col("offer_outcome").is_in(["pending", "accepted", "declined"])).then(pl.col("offer_outcome")),
    )
    return out.select(list(polars_schema(ApplicationFact))).sort("application_key")


def _messages_with_candidates(message: pl.DataFrame, link: pl.DataFrame) -> pl.DataFrame:
    """ATS messages as they are, plus tool messages (SMS, mailboxes) joined to a candidate by address."""
    own = message.filter(pl.col("candidate_id").is_not_null())
    joined = link.filter((pl.col("table") == "message") & pl.col("joined")).select(
        "source", "source_id", _cs="candidate_source", _cid="candidate_id")
    tools = message.filter(pl.col("candidate_id").is_null()).join(joined, on=["source", "source_id"], how="inner")
    tools = tools.with_columns(source=pl.col("_cs"), candidate_id=pl.col("_cid")).drop("_cs", "_cid")
    return pl.concat([own, tools.select(own.columns)], how="vertical")


def derive_all(tables: dict[str, pl.DataFrame], join_rules: dict[str, tuple[str, ...]] | None = None) -> dict[str, pl.DataFrame]:
    """link, application_stage and application_fact, validated against their contracts."""
    from pipelines.joins import link as join_tools
    from pipelines.schema import Link

    links = join_tools(tables, join_rules)
    Link.validate(links, lazy=True)
    stages = application_stage(tables["application"], tables["stage_event"])
    messages = _messages_with_candidates(tables["message"], links)
    fact = application_fact(tables["application"], tables["job"], stages, tables["stage_event"], messages, tables["offer"])
    ApplicationStage.validate(stages, lazy=True)
    ApplicationFact.validate(fact, lazy=True)
    from pipelines.kpi_facts import derive as derive_kpi_facts

    return {"link": links, "application_stage": stages, "application_fact": fact,
            **derive_kpi_facts(tables, links, stages)}
