"""Detection: pure functions from the warehouse tables to disagreements between two systems.

Every detector returns rows with the columns of DETECTION: the rule, the application (source,
application_id; empty when no application is known), the candidate, the systems, the identity
of the evidence record (evidence_key), the evidence itself (a list of {system, record, said, at})
and since_at, when the disagreement began. Grace periods are applied by `detect`, not here.

Tool records reach applications through the `link` table (pipelines.joins); records of an ATS
source carry their own application ids.
"""

from __future__ import annotations

from datetime import datetime
from typing import Callable

import polars as pl

from pipelines.mismatches.rules import MismatchSettings
from pipelines.stages import STAGE_RANK

UTC = pl.Datetime("us", "UTC")
EVIDENCE = pl.List(pl.Struct({"system": pl.String, "record": pl.String, "said": pl.String, "at": UTC}))
DETECTION = {
    "type": pl.String, "source": pl.String, "application_id": pl.String, "candidate_id": pl.String,
    "systems": pl.List(pl.String), "evidence_key": pl.String, "evidence": EVIDENCE, "since_at": UTC,
}
INTERVIEWING = STAGE_RANK["interviewing"]


def _rank(col: str) -> pl.Expr:
    return pl.col(col).replace_strict(STAGE_RANK, default=None, return_dtype=pl.Int32)


def _said(system: str | pl.Expr, record: str | pl.Expr, said: pl.Expr, at: str | pl.Expr) -> pl.Expr:
    lit = lambda v: pl.lit(v) if isinstance(v, str) else v  # noqa: E731
    return pl.struct(system=lit(system).cast(pl.String), record=lit(record).cast(pl.String), said=said.cast(pl.String),
                     at=(pl.col(at) if isinstance(at, str) else at).cast(UTC))


def _ts(col: str) -> pl.Expr:
    return pl.col(col).dt.strftime("%Y-%m-%d %H:%M UTC").fill_null("(no time)")


def applications(tables: dict[str, pl.DataFrame]) -> pl.DataFrame:
    """Each application's current state, and when it entered its current stage."""
    fact = tables["application_fact"].select(
        "source", "application_id", "candidate_id", "recruiter", "current_stage", "outcome", "exited_at", "hired_at",
        "offer_at", "reached_offer", "reached_hired")
    entered = tables["application_stage"].select("source", "application_id", current_stage="stage", stage_at="entered_at")
    latest = tables["stage_event"].group_by("source", "application_id", "stage").agg(last_at=pl.col("entered_at").max()) \
        .rename({"stage": "current_stage"})
    return fact.join(entered, on=["source", "application_id", "current_stage"], how="left") \
        .join(latest, on=["source", "application_id", "current_stage"], how="left") \
        .with_columns(stage_at=pl.coalesce("last_at", "stage_at", "exited_at")).drop("last_at")


def tool_rows(tables: dict[str, pl.DataFrame], table: str) -> pl.DataFrame:
    """Rows of a tool's table with the application the build joined them to (app_source, app_id)."""
    link = tables["link"].filter((pl.col("table") == table) & pl.col("joined") & pl.col("application_id").is_not_null())
    link = link.select("source", "source_id", app_source="target_source", app_id="application_id")
    return tables[table].join(link, on=["source", "source_id"], how="inner")


def _finish(frame: pl.DataFrame, rule: str, systems: pl.Expr, key: pl.Expr, evidence: list[pl.Expr],
            since: pl.Expr, source: str = "app_source", app: str = "app_id") -> pl.DataFrame:
    return frame.select(
        type=pl.lit(rule), source=pl.col(source), application_id=pl.col(app), candidate_id=pl.col("candidate_id"),
        systems=systems, evidence_key=key, evidence=pl.concat_list(evidence), since_at=since.cast(UTC),
    ).cast(DETECTION)


def interview_confirmed_ats_before_interviewing(t, apps, as_of, cfg: MismatchSettings) -> pl.DataFrame:
    iv = tool_rows(t, "interview")
    title = pl.col("title").fill_null("").str.to_lowercase()
    screening = pl.any_horizontal([title.str.contains(p, literal=True) for p in cfg.screening_titles]) \
        if cfg.screening_titles else pl.lit(False)
    iv = iv.filter(pl.col("slot_confirmed_at").is_not_null() & pl.col("cancelled_at").is_null()
                   & (pl.col("status").fill_null("") != "cancelled") & ~screening)
    hits = iv.join(apps, left_on=["app_source", "app_id"], right_on=["source", "application_id"]) \
        .filter((pl.col("outcome") == "active") & (_rank("current_stage") < INTERVIEWING))
    return _finish(hits, "interview_confirmed_ats_before_interviewing", pl.concat_list(pl.col("source"), pl.col("app_source")),
                   pl.lit("interview|") + pl.col("source") + "|" + pl.col("source_id"),
                   [_said(pl.col("source"), pl.col("source_id"),
                          pl.format("interview confirmed, starts {}", _ts("start_at")), "slot_confirmed_at"),
                    _said(pl.col("app_source"), pl.col("app_id"), pl.format("stage {}", pl.col("current_stage")), "stage_at")],
                   pl.col("slot_confirmed_at"))


def rejected_interview_booked(t, apps, as_of, cfg) -> pl.DataFrame:
    iv = tool_rows(t, "interview").filter(
        pl.col("cancelled_at").is_null() & (pl.col("status").fill_null("") != "cancelled") & (pl.col("start_at") > as_of))
    hits = iv.join(apps, left_on=["app_source", "app_id"], right_on=["source", "application_id"]) \
        .filter(pl.col("outcome").is_in(["rejected", "withdrawn"]))
    return _finish(hits, "rejected_interview_booked", pl.concat_list(pl.col("app_source"), pl.col("source")),
                   pl.lit("interview|") + pl.col("source") + "|" + pl.col("source_id"),
                   [_said(pl.col("app_source"), pl.col("app_id"), pl.format("{}", pl.col("outcome")),
                          pl.coalesce("exited_at", "stage_at")),
                    _said(pl.col("source"), pl.col("source_id"),
                          pl.format("interview {} for {}", pl.col("status").fill_null("booked"), _ts("start_at")),
                          pl.coalesce("slot_confirmed_at", "invite_sent_at"))],
                   pl.coalesce("exited_at", "stage_at"))


def _ats_offers(t: dict[str, pl.DataFrame]) -> pl.DataFrame:
    """Per application: does its own ATS have any offer, an accepted one."""
    ats = t["application"].select("source").unique()
    offers = t["offer"].join(ats, on="source", how="semi")
    return offers.group_by(app_source="source", app_id="application_id").agg(
        ats_offers=pl.len(), ats_accepted=(pl.col("outcome") == "accepted").any())


def esign_signed_no_ats_acceptance(t, apps, as_of, cfg) -> pl.DataFrame:
    signed = tool_rows(t, "offer").filter((pl.col("via") == "esign") & (pl.col("outcome") == "accepted")
                                          & pl.col("decided_at").is_not_null())
    hits = signed.join(_ats_offers(t), on=["app_source", "app_id"], how="left") \
        .join(apps, left_on=["app_source", "app_id"], right_on=["source", "application_id"]) \
        .filter(~pl.col("ats_accepted").fill_null(False) & (pl.col("outcome") != "hired") & ~pl.col("reached_hired"))
    return _finish(hits, "esign_signed_no_ats_acceptance", pl.concat_list(pl.col("source"), pl.col("app_source")),
                   pl.lit("offer|") + pl.col("source") + "|" + pl.col("source_id"),
                   [_said(pl.col("source"), pl.col("source_id"), pl.lit("envelope completed (signed)"), "decided_at"),
                    _said(pl.col("app_source"), pl.col("app_id"),
                          pl.format("no accepted offer; stage {}", pl.col("current_stage")), "stage_at")],
                   pl.col("decided_at"))


def envelope_sent_no_ats_offer(t, apps, as_of, cfg) -> pl.DataFrame:
    sent = tool_rows(t, "offer").filter((pl.col("via") == "esign") & pl.col("sent_at").is_not_null())
    # An application at offer or beyond whose ATS offer record is missing (e.g. quarantined) is not
    # this disagreement: the ATS itself says an offer was made.
    hits = sent.join(_ats_offers(t), on=["app_source", "app_id"], how="anti") \
        .join(apps, left_on=["app_source", "app_id"], right_on=["source", "application_id"]) \
        .filter(~pl.col("reached_offer"))
    return _finish(hits, "envelope_sent_no_ats_offer", pl.concat_list(pl.col("source"), pl.col("app_source")),
                   pl.lit("offer|") + pl.col("source") + "|" + pl.col("source_id"),
                   [_said(pl.col("source"), pl.col("source_id"), pl.format("envelope {}", pl.col("source_status")), "sent_at"),
                    _said(pl.col("app_source"), pl.col("app_id"),
                          pl.format("no offer; stage {}", pl.col("current_stage")), "stage_at")],
                   pl.col("sent_at"))


def check_complete_stuck_at_offer(t, apps, as_of, cfg) -> pl.DataFrame:
    done = tool_rows(t, "check").filter((pl.col("kind") == "background") & pl.col("completed_at").is_not_null())
    # A check requested before the application reached offer belongs to something else (an earlier
    # hire of the same person, joined here by address): it says nothing about this offer.
    hits = done.join(apps, left_on=["app_source", "app_id"], right_on=["source", "application_id"]) \
        .filter((pl.col("outcome") == "active") & (pl.col("current_stage") == "offer")
                & (pl.coalesce("requested_at", "completed_at") >= pl.col("offer_at")).fill_null(True))
    return _finish(hits, "check_complete_stuck_at_offer", pl.concat_list(pl.col("source"), pl.col("app_source")),
                   pl.lit("check|") + pl.col("source") + "|" + pl.col("source_id"),
                   [_said(pl.col("source"), pl.col("source_id"),
                          pl.format("check {} ({})", pl.col("status").fill_null("complete"), pl.col("result").fill_null("no result")),
                          "completed_at"),
                    _said(pl.col("app_source"), pl.col("app_id"), pl.lit("stage offer"), "stage_at")],
                   pl.max_horizontal("completed_at", "stage_at"))


def handoffs(t: dict[str, pl.DataFrame], apps: pl.DataFrame) -> pl.DataFrame:
    """Payroll rows with their application. A row joined by address alone (no application id) picks the
    latest application of the person, which is wrong for someone hired twice or who applied again
    after being hired; so it goes to the person's hired application that no payroll row names by id,
    hired at or before the row was created (the latest such), when there is one."""
    link = t["link"].filter(pl.col("table") == "handoff").select(
        "source", "source_id", "rule", "candidate_source", "candidate_id", app_source="target_source", app_id="application_id")
    rows = t["handoff"].join(link, on=["source", "source_id"], how="left")
    named = rows.filter(pl.col("rule") == "application_id").select("app_source", "app_id").unique()
    hired = apps.filter(pl.col("outcome") == "hired").select(
        candidate_source="source", candidate_id="candidate_id", _app="application_id", _hired_at="hired_at") \
        .join(named, left_on=["candidate_source", "_app"], right_on=["app_source", "app_id"], how="anti")
    by_address = rows.filter((pl.col("rule") != "application_id") & pl.col("candidate_id").is_not_null()) \
        .select("source", "source_id", "candidate_source", "candidate_id", "created_at") \
        .join(hired, on=["candidate_source", "candidate_id"]) \
        .with_columns(_late=(pl.col("_hired_at") > pl.col("created_at")).fill_null(False)) \
        .sort("_late", pl.col("_hired_at"), descending=[False, True], nulls_last=True) \
        .unique(["source", "source_id"], keep="first").select("source", "source_id", "_app")
    return rows.join(by_address, on=["source", "source_id"], how="left") \
        .with_columns(app_id=pl.coalesce("_app", "app_id")).drop("_app", "candidate_id", "candidate_source")


def hired_no_payroll_handoff(t, apps, as_of, cfg) -> pl.DataFrame:
    handed = handoffs(t, apps).select("app_source", "app_id").drop_nulls().unique()
    starts = t["offer"].filter(pl.col("outcome") == "accepted").group_by(app_source="source", app_id="application_id") \
        .agg(starts_on=pl.col("starts_on").max())
    hired = apps.filter(pl.col("outcome") == "hired").rename({"source": "app_source", "application_id": "app_id"}) \
        .join(handed, on=["app_source", "app_id"], how="anti").join(starts, on=["app_source", "app_id"], how="left") \
        .with_columns(start_at=pl.coalesce(pl.col("starts_on").cast(pl.Datetime("us")).dt.replace_time_zone("UTC"),
                                           pl.col("hired_at").dt.truncate("1d")),
                      payroll=pl.lit("payroll"))
    return _finish(hired, "hired_no_payroll_handoff", pl.concat_list(pl.col("app_source"), pl.col("payroll")),
                   pl.lit("hire|") + pl.col("app_source") + "|" + pl.col("app_id"),
                   [_said(pl.col("app_source"), pl.col("app_id"), pl.format("hired; first day {}", pl.col("start_at").dt.date()),
                          pl.coalesce("hired_at", "stage_at")),
                    _said(pl.col("payroll"), pl.lit(None), pl.lit("no new hire"), pl.lit(None))],
                   pl.col("start_at"))


def payroll_hire_no_ats_hire(t, apps, as_of, cfg) -> pl.DataFrame:
    ats = sorted(set(t["application"]["source"].unique().to_list()) - set(cfg.crm_sources)) or ["ATS"]
    rows = handoffs(t, apps).join(apps, left_on=["app_source", "app_id"], right_on=["source", "application_id"], how="left") \
        .filter(pl.col("app_id").is_null() | ((pl.col("outcome") != "hired") & ~pl.col("reached_hired").fill_null(False)))
    if "quarantine" in t:  # it names an application the ATS sent but the load quarantined: the quarantine shows it
        held = t["quarantine"].filter(pl.col("source").is_in(ats)).select(application_id="record_id").drop_nulls().unique()
        rows = rows.join(held, on="application_id", how="anti")
    rows = rows.with_columns(ats=pl.coalesce("app_source", pl.lit(ats[0])),
                             candidate_id=pl.coalesce("candidate_id", pl.lit(None, pl.String)))
    return _finish(rows, "payroll_hire_no_ats_hire", pl.concat_list(pl.col("source"), pl.col("ats")),
                   pl.lit("handoff|") + pl.col("source") + "|" + pl.col("source_id"),
                   [_said(pl.col("source"), pl.col("source_id"), pl.format("new hire, first day {}", pl.col("start_on")),
                          "created_at"),
                    _said(pl.col("ats"), pl.col("app_id"),
                          pl.when(pl.col("app_id").is_null()).then(pl.lit("no application"))
                          .otherwise(pl.format("{} at {}", pl.col("outcome"), pl.col("current_stage"))), "stage_at")],
                   pl.coalesce("created_at", pl.col("start_on").cast(pl.Datetime("us")).dt.replace_time_zone("UTC")))


def crm_stage_disagrees_with_ats(t, apps, as_of, cfg) -> pl.DataFrame:
    """A CRM submission and an ATS application of the same person (an email in common) for the same
    requisition (job requisition_id), in different canonical stages."""
    crm = list(cfg.crm_sources)
    if not crm or not t["application"]["source"].is_in(crm).any():
        return pl.DataFrame(schema=DETECTION)
    emails = t["candidate_record"].select("source", candidate_id="source_id", email=pl.col("emails")).explode("email") \
        .with_columns(email=pl.col("email").str.strip_chars().str.to_lowercase()).drop_nulls("email").unique()
    jobs = t["job"].select("source", job_id="source_id", req="requisition_id").drop_nulls("req")
    subs = t["application"].select("source", application_id="source_id", candidate_id="candidate_id", job_id="job_id") \
        .join(emails, on=["source", "candidate_id"]).join(jobs, on=["source", "job_id"])
    side = subs.join(apps.drop("candidate_id"), on=["source", "application_id"])
    left, right = side.filter(pl.col("source").is_in(crm)), side.filter(~pl.col("source").is_in(crm))
    pairs = left.join(right, on=["email", "req"], suffix="_ats").unique(["source", "application_id", "source_ats", "application_id_ats"])
    pairs = pairs.filter(pl.col("current_stage") != pl.col("current_stage_ats")).with_columns(candidate_id=pl.col("candidate_id_ats"))
    return _finish(pairs, "crm_stage_disagrees_with_ats", pl.concat_list(pl.col("source"), pl.col("source_ats")),
                   pl.lit("submission|") + pl.col("source") + "|" + pl.col("application_id"),
                   [_said(pl.col("source"), pl.col("application_id"), pl.format("stage {}", pl.col("current_stage")), "stage_at"),
                    _said(pl.col("source_ats"), pl.col("application_id_ats"),
                          pl.format("stage {}", pl.col("current_stage_ats")), "stage_at_ats")],
                   pl.max_horizontal("stage_at", "stage_at_ats"), source="source_ats", app="application_id_ats")


DETECTORS: dict[str, Callable[..., pl.DataFrame]] = {f.__name__: f for f in (
    interview_confirmed_ats_before_interviewing, rejected_interview_booked, esign_signed_no_ats_acceptance,
    envelope_sent_no_ats_offer, check_complete_stuck_at_offer, hired_no_payroll_handoff, payroll_hire_no_ats_hire,
    crm_stage_disagrees_with_ats)}


def detect(tables: dict[str, pl.DataFrame], as_of: datetime, cfg: MismatchSettings) -> pl.DataFrame:
    """Every disagreement that has lasted at least its rule's grace period at as_of."""
    apps = applications(tables)
    found = []
    for name, rule in cfg.rules.items():
        rows = DETECTORS[name](tables, apps, as_of, cfg)
        found.append(rows.filter(pl.col("since_at").is_not_null() & (pl.col("since_at") + rule.grace <= as_of)))
    return pl.concat(found, how="vertical") if found else pl.DataFrame(schema=DETECTION)
