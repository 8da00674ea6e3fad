"""Precision and recall of the mismatch rules against the demo's ground truth (ground_truth/mismatches.csv).

The demo plants defects under its own names (pipelines.demo.stack DEFECTS); DEMO_TYPES says which
rule should find each. Defects no rule is meant to find (a first response only in a mailbox, a
job-board application that never reached the ATS, a calendar interview the ATS never recorded,
an ATS move recorded late but now in agreement) are not stage mismatches between two current
states and are left out of the score.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

DEMO_TYPES = {
    "calendar_confirmed_before_ats_interviewing": "interview_confirmed_ats_before_interviewing",
    "ats_rejected_interview_booked": "rejected_interview_booked",
    "esign_signed_ats_not_accepted": "esign_signed_no_ats_acceptance",
    "envelope_without_ats_offer": "envelope_sent_no_ats_offer",
    "check_complete_app_at_offer": "check_complete_stuck_at_offer",
    "hired_without_payroll_handoff": "hired_no_payroll_handoff",
    "payroll_hire_without_ats_hire": "payroll_hire_no_ats_hire",
}
SCORE = {"rule": pl.String, "planted": pl.Int64, "detected": pl.Int64, "true_positive": pl.Int64,
         "precision": pl.Float64, "recall": pl.Float64, "on_clean": pl.Int64}


def ground_truth(demo_dir: Path) -> pl.DataFrame:
    """The planted mismatches a rule should find: rule and application_id ('record:<id>' for a record
    no application is known for)."""
    truth = pl.read_csv(demo_dir / "ground_truth" / "mismatches.csv", infer_schema_length=0)
    # a planted record with no application is keyed by the record its detail names ("new hire W...")
    record = pl.col("detail").str.extract(r"new hire (\S+)")
    return truth.filter(pl.col("type").is_in(list(DEMO_TYPES))).select(
        rule=pl.col("type").replace_strict(DEMO_TYPES),
        application_id=pl.coalesce("application_id", pl.lit("record:") + record, pl.lit(""))).unique()


def defective(demo_dir: Path) -> pl.DataFrame:
    """Every application the demo planted any defect on, scored by a rule or not."""
    truth = pl.read_csv(demo_dir / "ground_truth" / "mismatches.csv", infer_schema_length=0)
    return truth.select("application_id").drop_nulls().unique()


def score(mismatches: pl.DataFrame, truth: pl.DataFrame, rules: list[str], defects: pl.DataFrame | None = None) -> pl.DataFrame:
    """Per rule: planted, detected (applications with an open mismatch of the rule), precision, recall, and
    on_clean: detections on applications the demo planted no defect of any kind on (needs `defects`)."""
    found = mismatches.filter(pl.col("status") == "open").select(
        rule="type", application_id=pl.coalesce("application_id", pl.lit("record:") + pl.col("person_key").str.split(":").list.last(),
                                                pl.lit(""))).unique()
    rows = []
    for rule in rules:
        want, got = truth.filter(pl.col("rule") == rule), found.filter(pl.col("rule") == rule)
        tp = got.join(want, on=["rule", "application_id"], how="semi").height
        clean = None if defects is None else got.join(want, on=["rule", "application_id"], how="anti") \
            .join(defects, on="application_id", how="anti").height
        rows.append(dict(rule=rule, planted=want.height, detected=got.height, true_positive=tp, on_clean=clean,
                         precision=tp / got.height if got.height else None, recall=tp / want.height if want.height else None))
    total_tp, total_got, total_want = (sum(r[k] for r in rows) for k in ("true_positive", "detected", "planted"))
    clean = None if defects is None else sum(r["on_clean"] for r in rows)
    rows.append(dict(rule="all", planted=total_want, detected=total_got, true_positive=total_tp, on_clean=clean,
                     precision=total_tp / total_got if total_got else None, recall=total_tp / total_want if total_want else None))
    return pl.DataFrame(rows, schema=SCORE)
