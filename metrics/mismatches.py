"""Stage mismatches as the pages and the CLI read them, and an application's cross-system timeline.

The served warehouse says what the last build saw; resolutions recorded since then (decisions
store) are applied on read, so a mismatch resolved on the page shows resolved at once.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from pipelines import warehouse
from pipelines.mismatches.lifecycle import apply_resolutions, resolutions
from pipelines.paths import warehouse_path

COLUMNS = ("mismatch_id", "type", "title", "severity", "status", "source", "application_id", "person_key", "person_id",
           "systems", "owner", "since_at", "age_hours", "first_detected_at", "last_detected_at", "resolved_at",
           "resolved_by", "resolution_note", "evidence", "fingerprint")
SEVERITY_ORDER = {"high": 0, "medium": 1, "low": 2}


def _path(path: Path | None) -> Path:
    return path or warehouse_path()


def mismatches(*, include_resolved: bool = False, path: Path | None = None, decisions: Path | None = None) -> pl.DataFrame:
    """Open mismatches (or all), most severe and oldest first."""
    with warehouse.read_only(_path(path)) as con:
        frame = warehouse.read_table(con, "mismatch")
    frame = apply_resolutions(frame, resolutions(decisions))
    if not include_resolved:
        frame = frame.filter(pl.col("status") == "open")
    return frame.sort(pl.col("severity").replace_strict(SEVERITY_ORDER, default=3), -pl.col("age_hours"), "mismatch_id") \
        .select(COLUMNS)


def summary(frame: pl.DataFrame) -> pl.DataFrame:
    """Open mismatches by type: how many, how old (median and oldest, hours)."""
    return frame.group_by("type", "title", "severity").agg(
        open=pl.len(), median_age_hours=pl.col("age_hours").median(), oldest_hours=pl.col("age_hours").max()
    ).sort("open", "type", descending=[True, False])


def for_export(frame: pl.DataFrame) -> pl.DataFrame:
    """Flat columns for CSV: systems joined by '|', times as ISO text."""
    return frame.with_columns(systems=pl.col("systems").list.join("|")).with_columns(
        [pl.col(c).dt.strftime("%Y-%m-%dT%H:%M:%SZ") for c in ("since_at", "first_detected_at", "last_detected_at", "resolved_at")])


TIMELINE_SQL = """
WITH app AS (SELECT $source AS src, $application AS aid),
tools AS (
  SELECT l."table", l.source, l.source_id FROM link l, app
  WHERE l.joined AND l.target_source = app.src AND l.application_id = app.aid
),
cand AS (
  SELECT a.source, a.candidate_id FROM application a, app WHERE a.source = app.src AND a.source_id = app.aid
),
ivs AS (
  SELECT i.* FROM interview i, app WHERE i.source = app.src AND i.application_id = app.aid
  UNION ALL BY NAME
  SELECT i.* FROM interview i JOIN tools t ON t."table" = 'interview' AND t.source = i.source AND t.source_id = i.source_id
),
ofs AS (
  SELECT o.* FROM offer o, app WHERE o.source = app.src AND o.application_id = app.aid
  UNION ALL BY NAME
  SELECT o.* FROM offer o JOIN tools t ON t."table" = 'offer' AND t.source = o.source AND t.source_id = o.source_id
),
cks AS (SELECT c.* FROM "check" c JOIN tools t ON t."table" = 'check' AND t.source = c.source AND t.source_id = c.source_id),
hos AS (SELECT h.* FROM handoff h JOIN tools t ON t."table" = 'handoff' AND t.source = h.source AND t.source_id = h.source_id),
msgs AS (
  SELECT m.* FROM message m JOIN cand c ON m.source = c.source AND m.candidate_id = c.candidate_id
  UNION ALL BY NAME
  SELECT m.* FROM message m JOIN link l ON l."table" = 'message' AND l.joined AND l.source = m.source AND l.source_id = m.source_id
  JOIN cand c ON l.candidate_source = c.source AND l.candidate_id = c.candidate_id
)
SELECT a.source AS system, 'applied' AS event, a.applied_at AS at, a.source_id AS record FROM application a, app
  WHERE a.source = app.src AND a.source_id = app.aid
UNION ALL SELECT e.source, 'stage ' || e.stage || coalesce(' (' || e.source_stage || ')', ''), e.entered_at, e.source_id
  FROM stage_event e, app WHERE e.source = app.src AND e.application_id = app.aid
UNION ALL SELECT source, 'interview invite sent', invite_sent_at, source_id FROM ivs WHERE invite_sent_at IS NOT NULL
UNION ALL SELECT source, 'interview confirmed', slot_confirmed_at, source_id FROM ivs WHERE slot_confirmed_at IS NOT NULL
UNION ALL SELECT source, 'interview starts (' || coalesce(status, '?') || ')', start_at, source_id FROM ivs WHERE start_at IS NOT NULL
UNION ALL SELECT source, 'interview cancelled', cancelled_at, source_id FROM ivs WHERE cancelled_at IS NOT NULL
UNION ALL SELECT source, 'offer sent', sent_at, source_id FROM ofs WHERE sent_at IS NOT NULL
UNION ALL SELECT source, 'offer ' || outcome, decided_at, source_id FROM ofs WHERE decided_at IS NOT NULL
UNION ALL SELECT source, 'check requested', requested_at, source_id FROM cks WHERE requested_at IS NOT NULL
UNION ALL SELECT source, 'check ' || coalesce(status, 'completed'), completed_at, source_id FROM cks WHERE completed_at IS NOT NULL
UNION ALL SELECT source, 'new hire created', created_at, source_id FROM hos WHERE created_at IS NOT NULL
UNION ALL SELECT source, 'first day', CAST(start_on AS TIMESTAMPTZ), source_id FROM hos WHERE start_on IS NOT NULL
UNION ALL SELECT source, channel || ' ' || direction || CASE WHEN automated THEN ' (automated)' ELSE '' END, sent_at, source_id
  FROM msgs
ORDER BY 3, 1, 2
"""


def timeline(source: str, application_id: str, *, path: Path | None = None) -> pl.DataFrame:
    """Every event any system holds for one application: system, event, at, record."""
    with warehouse.read_only(_path(path)) as con:
        return warehouse.query(con, TIMELINE_SQL, {"source": source, "application": application_id})


def safe_csv(frame: pl.DataFrame) -> str:
    """CSV in which no text cell can run as a spreadsheet formula (a leading = + - @ gets a quote)."""
    from pipelines.access import safe_frame  # the one formula guard every export uses

    return safe_frame(frame).write_csv()


def narrow(frame: pl.DataFrame, columns: dict[str, list[str]], *, path: Path | None = None) -> pl.DataFrame:
    """Mismatches of applications matching the sidebar's filters (department, recruiter, channel).

    With any filter active, a mismatch with no known application is left out."""
    active = {c: v for c, v in columns.items() if v}
    if not active:
        return frame
    with warehouse.read_only(_path(path)) as con:
        fact = warehouse.query(con, "SELECT source, application_id, department, recruiter, channel FROM application_fact")
    for column, values in active.items():
        fact = fact.filter(pl.col(column).is_in(values))
    return frame.join(fact.select("source", "application_id"), on=["source", "application_id"], how="semi")
