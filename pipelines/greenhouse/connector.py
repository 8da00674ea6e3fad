"""Greenhouse Harvest export -> staged canonical frames.

An export is a folder with one entry per Harvest object, each a JSON file or a folder of pages
(JSON arrays as the API returns them, or JSON Lines; Airbyte {stream, data} lines are unwrapped):

    candidates/  applications/  jobs/  job_stages/  scheduled_interviews/  offers/
    activity_feed/        one object per candidate: {"candidate_id", "notes", "emails", ...};
                          a page named <candidate_id>.json may omit candidate_id
    application_history/  CSV: application_id, updated_at, _fivetran_synced, new_stage_id, new_status

Each step below returns a staged frame (see pipelines.validate) for one canonical table. Steps
run in dependency order and see the rows already loaded, so a child whose parent was not
loaded is quarantined (`unknown_application`, `unknown_candidate`) instead of dangling.
"""

from __future__ import annotations

from typing import Callable

import polars as pl

from pipelines.greenhouse import fields as gh
from pipelines.steps import StepContext, known_ids as _ids, staged_frame as _staged
from pipelines.validate import add_problem
from pipelines.warehouse import registered


def candidates(ctx: StepContext) -> pl.DataFrame:
    t = ctx.typed(ctx.records("candidates"), gh.CANDIDATE)
    full_name = pl.concat_str([pl.col("first_name"), pl.col("last_name")], separator=" ", ignore_nulls=True)
    return _staged(
        t,
        ctx.source.name,
        {
            "source_id": pl.col("source_id"),
            "first_name": pl.col("first_name"),
            "last_name": pl.col("last_name"),
            "full_name": pl.when(full_name != "").then(full_name),
            "emails": pl.col("emails"),
            "phones": pl.col("phones"),
            "company": pl.col("company"),
            "location": pl.col("location"),
            "profile_url": pl.coalesce("social_url", "website_url"),
            "created_at": pl.col("created_at"),
            "updated_at": pl.col("updated_at"),
        },
    )


def jobs(ctx: StepContext) -> pl.DataFrame:
    t = ctx.typed(ctx.records("jobs"), gh.JOB)
    openings = pl.col("openings_json").str.json_decode(
        pl.List(pl.Struct({"closed_at": pl.String, "application_id": pl.String, "status": pl.String}))
    )
    t = t.with_columns(_openings=openings)
    filled = pl.col("_openings").list.eval(
        pl.when(pl.element().struct.field("application_id").is_not_null())
        .then(pl.element().struct.field("closed_at"))
    )
    still_open = pl.col("_openings").list.eval(pl.element().struct.field("closed_at").is_null()).list.any()
    last_fill = filled.list.drop_nulls().list.max().str.to_datetime(time_zone="UTC", strict=False)
    responsible = pl.col("recruiter_responsible").list.eval(pl.element() == "true").list.arg_max()
    recruiter = pl.col("recruiter_names").list.get(responsible.fill_null(0), null_on_oob=True)
    return _staged(
        t,
        ctx.source.name,
        {
            "source_id": pl.col("source_id"),
            "title": pl.col("title"),
            "requisition_id": pl.col("requisition_id"),
            "department": pl.col("department"),
            "office": pl.col("office"),
            "client_id": pl.lit(None, dtype=pl.String),
            "client": pl.lit(None, dtype=pl.String),
            "recruiter": recruiter,
            "hiring_manager": pl.col("hiring_manager"),
            "status": pl.col("status"),
            "openings": pl.col("_openings").list.len().cast(pl.Int32),
            "opened_at": pl.col("opened_at"),
            "closed_at": pl.col("closed_at"),
            "filled_at": pl.when(~still_open.fill_null(True)).then(last_fill.dt.cast_time_unit("us")),
        },
    )


def job_stages(ctx: StepContext) -> pl.DataFrame:
    t = ctx.typed(ctx.records("job_stages"), gh.JOB_STAGE)
    ctx.keep_parsed("job_stage", t)
    mapped = pl.col("name").str.strip_chars().replace_strict(ctx.stage_map.stages, default=None)
    t = t.with_columns(_stage=mapped)
    t = add_problem(t, pl.col("name").is_not_null() & pl.col("_stage").is_null(), "unmapped_stage",
                    pl.lit("stage name '") + pl.col("name") + pl.lit("' is not in the stage map"))
    t = add_problem(t, ~pl.col("job_id").is_in(_ids(ctx, "job").implode()), "unknown_job",
                    pl.lit("job ") + pl.col("job_id").fill_null("null") + pl.lit(" was not loaded"))
    return _staged(
        t,
        ctx.source.name,
        {
            "source_id": pl.col("source_id"),
            "job_id": pl.col("job_id"),
            "name": pl.col("name"),
            "stage": pl.col("_stage"),
            "priority": pl.col("priority").cast(pl.Int32),
        },
    )


def applications(ctx: StepContext) -> pl.DataFrame:
    t = ctx.typed(ctx.records("applications"), gh.APPLICATION)
    ctx.keep_parsed("application", t)
    sm = ctx.stage_map
    mapped = pl.col("source_stage").str.strip_chars().replace_strict(sm.stages, default=None)
    exit_kind = pl.col("rejection_type").replace_strict(sm.rejection_types, default="rejected")
    status_stage = pl.col("source_status").replace_strict(sm.statuses, default=None)
    outcome = (
        pl.when(pl.col("source_status") == "hired").then(pl.lit("hired"))
        .when(pl.col("source_status") == "rejected").then(exit_kind)
        .otherwise(pl.lit("active"))
    )
    current = pl.when(status_stage == "hired").then(pl.lit("hired")).when(outcome != "active").then(outcome).otherwise(mapped)
    t = t.with_columns(_mapped=mapped, _outcome=outcome, _current=current)
    t = add_problem(t, pl.col("prospect").fill_null(False) & (pl.col("job_id").is_null()), "prospect_without_job",
                    pl.lit("a prospect is not an application until it is attached to a job"))
    t = add_problem(t, pl.col("source_stage").is_not_null() & pl.col("_mapped").is_null()
                    & (pl.col("_outcome") != "hired"), "unmapped_stage",
                    pl.lit("current stage '") + pl.col("source_stage") + pl.lit("' is not in the stage map"))
    t = add_problem(t, pl.col("candidate_id").is_not_null() & ~pl.col("candidate_id").is_in(_ids(ctx, "candidate_record").implode()),
                    "unknown_candidate", pl.lit("candidate ") + pl.col("candidate_id") + pl.lit(" was not loaded"))
    t = add_problem(t, pl.col("job_id").is_not_null() & ~pl.col("job_id").is_in(_ids(ctx, "job").implode()),
                    "unknown_job", pl.lit("job ") + pl.col("job_id") + pl.lit(" was not loaded"))
    return _staged(
        t,
        ctx.source.name,
        {
            "source_id": pl.col("source_id"),
            "candidate_id": pl.col("candidate_id"),
            "job_id": pl.col("job_id"),
            "applied_at": pl.col("applied_at"),
            "channel": pl.col("channel"),
            "recruiter": pl.col("recruiter"),
            "coordinator": pl.col("coordinator"),
            "source_status": pl.col("source_status"),
            "source_stage": pl.col("source_stage"),
            "current_stage": pl.col("_current"),
            "outcome": pl.col("_outcome"),
            "exit_stage": pl.when(pl.col("_outcome").is_in(["rejected", "withdrawn"])).then(pl.col("_mapped")),
            "exited_at": pl.when(pl.col("_outcome").is_in(["rejected", "withdrawn"])).then(pl.col("rejected_at")),
            "rejection_reason": pl.col("rejection_reason"),
        },
    )


def stage_history(ctx: StepContext) -> pl.DataFrame:
    root = ctx.source.root
    files = [*root.glob("application_history*.csv"), *(root / "application_history").glob("*.csv")]
    t = ctx.typed(ctx.records("application_history", files=files), gh.STAGE_HISTORY)
    # Stage names come from every job stage seen, loaded now or before (quarantined ones too,
    # so an unmapped name is reported as such rather than as an unknown id).
    parsed_stages = ctx.parsed.get("job_stage", pl.DataFrame(schema={"source_id": pl.String, "name": pl.String}))
    loaded_stages = ctx.loaded.get("job_stage", pl.DataFrame(schema={"source_id": pl.String, "name": pl.String}))
    stages = pl.concat([parsed_stages.select("source_id", "name"), loaded_stages.select("source_id", "name")])
    apps = ctx.loaded.get("application", pl.DataFrame(schema={"source_id": pl.String, "outcome": pl.String}))
    t = t.join(stages.select(new_stage_id="source_id", _stage_name="name").unique("new_stage_id"), on="new_stage_id", how="left")
    t = t.join(apps.select(application_id="source_id", _outcome="outcome").unique("application_id"), on="application_id", how="left")
    sm = ctx.stage_map
    # A rejection row exits the way the application did: withdrawn when the candidate withdrew.
    exit_kind = pl.when(pl.col("_outcome") == "withdrawn").then(pl.lit("withdrawn")).otherwise(pl.lit("rejected"))
    by_status = pl.col("new_status").replace_strict(sm.statuses, default=None)
    stage = (
        pl.when(pl.col("new_stage_id").is_not_null()).then(pl.col("_stage_name").str.strip_chars().replace_strict(sm.stages, default=None))
        .when(by_status == "rejected").then(exit_kind)
        .otherwise(by_status)
    )
    t = t.with_columns(_stage=stage)
    has_stage_id = pl.col("new_stage_id").is_not_null()
    t = add_problem(t, has_stage_id & pl.col("_stage_name").is_null(), "unknown_stage_id",
                    pl.lit("job stage ") + pl.col("new_stage_id") + pl.lit(" is not in job_stages"))
    t = add_problem(t, has_stage_id & pl.col("_stage_name").is_not_null() & pl.col("_stage").is_null(), "unmapped_stage",
                    pl.lit("stage name '") + pl.col("_stage_name") + pl.lit("' is not in the stage map"))
    t = add_problem(t, ~has_stage_id & pl.col("_stage").is_null(), "not_a_stage_move",
                    pl.lit("status '") + pl.col("new_status").fill_null("") + pl.lit("' with no stage moves nothing"))
    t = add_problem(t, pl.col("application_id").is_not_null() & ~pl.col("application_id").is_in(_ids(ctx, "application").implode()),
                    "unknown_application", pl.lit("application ") + pl.col("application_id") + pl.lit(" was not loaded"))
    event_id = pl.concat_str(
        [pl.col("application_id"), pl.col("updated_at").dt.strftime("%Y-%m-%dT%H:%M:%S"),
         pl.coalesce("new_stage_id", "new_status")], separator="|", ignore_nulls=False,
    )
    return _staged(
        t,
        ctx.source.name,
        {
            "source_id": event_id,
            "application_id": pl.col("application_id"),
            "source_stage": pl.coalesce("_stage_name", "new_status"),
            "stage": pl.col("_stage"),
            "entered_at": pl.col("updated_at"),
            "actor": pl.lit(None, dtype=pl.String),
            "actor_type": pl.lit("unknown"),
            "system": pl.lit("ats"),
            "derived": pl.lit(False),
        },
    )


def _require_application(ctx: StepContext, t: pl.DataFrame) -> pl.DataFrame:
    return add_problem(t, pl.col("application_id").is_not_null() & ~pl.col("application_id").is_in(_ids(ctx, "application").implode()),
                       "unknown_application", pl.lit("application ") + pl.col("application_id") + pl.lit(" was not loaded"))


def interviews(ctx: StepContext) -> pl.DataFrame:
    t = _require_application(ctx, ctx.typed(ctx.records("scheduled_interviews"), gh.SCHEDULED_INTERVIEW))
    return _staged(
        t,
        ctx.source.name,
        {
            "source_id": pl.col("source_id"),
            "application_id": pl.col("application_id"),
            "external_event_id": pl.col("external_event_id"),
            "title": pl.col("title"),
            "invite_sent_at": pl.col("invite_sent_at"),
            # Greenhouse does not record when the candidate confirmed a slot; scheduling tools do.
            "slot_confirmed_at": pl.lit(None, dtype=pl.Datetime("us", "UTC")),
            "cancelled_at": pl.lit(None, dtype=pl.Datetime("us", "UTC")),
            "candidate_email": pl.lit(None, dtype=pl.String),
            "start_at": pl.coalesce("start_at", "start_date"),
            "end_at": pl.col("end_at"),
            "status": pl.col("status"),
            "reschedule_count": pl.lit(0, dtype=pl.Int32),
            "organizer": pl.col("organizer"),
        },
    )


OFFER_OUTCOMES = {"unresolved": "pending", "accepted": "accepted", "rejected": "declined", "deprecated": "superseded"}


def offers(ctx: StepContext) -> pl.DataFrame:
    t = _require_application(ctx, ctx.typed(ctx.records("offers"), gh.OFFER))
    outcome = pl.col("source_status").replace_strict(OFFER_OUTCOMES, default=None)
    decided = outcome.is_in(["accepted", "declined"])
    return _staged(
        t,
        ctx.source.name,
        {
            "source_id": pl.col("source_id"),
            "application_id": pl.col("application_id"),
            "version": pl.col("version").cast(pl.Int32),
            "created_at": pl.col("created_at"),
            "sent_at": pl.col("sent_at"),
            "viewed_at": pl.lit(None, dtype=pl.Datetime("us", "UTC")),
            "decided_at": pl.when(decided).then(pl.col("resolved_at")),
            "starts_on": pl.col("starts_on"),
            "source_status": pl.col("source_status"),
            "outcome": outcome,
            "via": pl.lit("ats"),
        },
    )


def _feed_items(ctx: StepContext, lines: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(emails, notes): one record per email and per note of each activity-feed line, keeping the
    line's position. Each line is parsed once; its lists are then split into their items."""
    stem_id = pl.col("_file").str.extract(r"/(\d+)\.json[l]?$")
    lines = lines.select("_file", "_record_no", "_payload", _candidate=stem_id)
    con = ctx.con
    with registered(con, "_lines", lines):
        con.execute("CREATE OR REPLACE TEMP TABLE _feed AS SELECT _file, _record_no, _candidate, "
                    "json_extract(_payload, ['$.candidate_id', '$.emails', '$.notes']) AS _parts FROM _lines")
    try:
        items = []
        for index in (2, 3):
            items.append(con.sql(
                "SELECT _file, _record_no, coalesce(_parts[1] ->> '$', _candidate) AS candidate_id, "
                f"unnest(json_extract(_parts[{index}], '$[*]'))::VARCHAR AS _payload FROM _feed"
            ).pl())
    finally:
        con.execute("DROP TABLE IF EXISTS _feed")
    return items[0], items[1]


def messages(ctx: StepContext) -> pl.DataFrame:
    lines = ctx.records("activity_feed")
    emails, notes = _feed_items(ctx, lines)
    e = ctx.typed(emails.drop("candidate_id"), gh.EMAIL).with_columns(candidate_id=emails["candidate_id"])
    n = ctx.typed(notes.drop("candidate_id"), gh.NOTE).with_columns(candidate_id=notes["candidate_id"])
    cands = ctx.loaded.get("candidate_record", pl.DataFrame(schema={"source_id": pl.String, "emails": pl.List(pl.String)}))
    known = cands.select(candidate_id="source_id", _known=pl.col("emails").list.eval(pl.element().str.strip_chars().str.to_lowercase()))
    e = e.join(known, on="candidate_id", how="left", maintain_order="left")
    sender = pl.col("sender").str.strip_chars().str.to_lowercase()
    inbound = pl.col("_known").list.contains(sender).fill_null(False)
    robot = pl.any_horizontal([sender.str.starts_with(p) for p in ctx.source.automated_senders] or [pl.lit(False)])
    automated = ~inbound & (pl.col("user_name").is_null() | robot.fill_null(False))
    email_cols = {
        "source_id": pl.lit("email:") + pl.col("source_id"),
        "candidate_id": pl.col("candidate_id"),
        "application_id": pl.lit(None, dtype=pl.String),
        "channel": pl.lit("email"),
        "direction": pl.when(inbound).then(pl.lit("inbound")).otherwise(pl.lit("outbound")),
        "sent_at": pl.col("sent_at"),
        "automated": automated,
        "sender": pl.col("sender"),
        "recipient": pl.col("recipient"),
        "subject": pl.col("subject"),
    }
    note_cols = {
        "source_id": pl.lit("note:") + pl.col("source_id"),
        "candidate_id": pl.col("candidate_id"),
        "application_id": pl.lit(None, dtype=pl.String),
        "channel": pl.lit("note"),
        "direction": pl.lit("internal"),
        "sent_at": pl.col("sent_at"),
        "automated": pl.lit(False),
        "sender": pl.col("user_name"),
        "recipient": pl.lit(None, dtype=pl.String),
        "subject": pl.lit(None, dtype=pl.String),
    }
    both = pl.concat([_staged(e, ctx.source.name, email_cols), _staged(n, ctx.source.name, note_cols)], how="vertical")
    return add_problem(both, pl.col("candidate_id").is_not_null() & ~pl.col("candidate_id").is_in(_ids(ctx, "candidate_record").implode()),
                       "unknown_candidate", pl.lit("candidate ") + pl.col("candidate_id") + pl.lit(" was not loaded"))


# (canonical table, Harvest object, step) in dependency order.
STEPS: list[tuple[str, str, Callable[[StepContext], pl.DataFrame]]] = [
    ("candidate_record", "candidates", candidates),
    ("job", "jobs", jobs),
    ("job_stage", "job_stages", job_stages),
    ("application", "applications", applications),
    ("stage_event", "application_history", stage_history),
    ("interview", "scheduled_interviews", interviews),
    ("offer", "offers", offers),
    ("message", "activity_feed", messages),
]
