"""Retention: remove what is older than the retention period from every layer.

The rule (docs/privacy.md):
- an application expires when nothing about it happened since the cutoff: its applied time, its
  exit and every stage event are all before it;
- its stage events, interviews, offers, messages, checks and handoffs go with it, in its own
  source and (through the join table) in every tool;
- a candidate record expires when it was last updated before the cutoff and has no application
  left; a tool row joined to no application expires by its own time; a sync error by its
  resolution; a quarantine row by when it was quarantined;
- raw records carrying an expired row's id go too. Jobs and clients are kept (no personal data).
Purging is not erasure: nothing is suppressed, so re-reading old export files brings their rows
back until the next purge; run `stagetruth purge` after loads, or trim the exports themselves.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import polars as pl

from pipelines import decisions, warehouse
from pipelines.config import Settings
from pipelines.privacy.erase import ErasureError, _linked, link_rows, rebuild_warehouse, remove, rewrite

OWN_TIME = {
    "interview": "coalesce(start_at, slot_confirmed_at, invite_sent_at)",
    "message": "sent_at",
    "check": "coalesce(completed_at, requested_at)",
    "offer": "coalesce(decided_at, sent_at, created_at)",
    "handoff": "coalesce(created_at, CAST(start_on AS TIMESTAMPTZ))",
    "stage_event": "entered_at",
}


@dataclass
class PurgeReport:
    audit_id: str
    cutoff: datetime
    rows: dict[str, int] = field(default_factory=dict)
    raw_records: int = 0
    quarantine_rows: int = 0
    removed_files: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(self.rows.values()) + self.quarantine_rows


def expired(con, settings: Settings, cutoff: datetime) -> pl.DataFrame:
    """(table, source, source_id) of every row past retention."""
    p = {"cutoff": cutoff}
    apps = warehouse.query(con, """
        SELECT a.source, a.source_id FROM application a
        LEFT JOIN (SELECT source, application_id, max(entered_at) AS last_move FROM stage_event GROUP BY ALL) e
          ON e.source = a.source AND e.application_id = a.source_id
        WHERE greatest(a.applied_at, coalesce(a.exited_at, a.applied_at), coalesce(e.last_move, a.applied_at)) < $cutoff""", p)
    rows = [apps.with_columns(table=pl.lit("application"))]
    with warehouse.registered(con, "_apps", apps):
        for table, when in OWN_TIME.items():
            own = ("EXISTS (SELECT 1 FROM _apps a WHERE a.source = t.source AND a.source_id = t.application_id)"
                   f" OR ({when} < $cutoff AND NOT EXISTS (SELECT 1 FROM application a WHERE a.source = t.source "
                   "AND a.source_id = t.application_id))")
            found = warehouse.query(con, f'SELECT source, source_id FROM "{table}" t WHERE {own}', p)
            rows.append(found.with_columns(table=pl.lit(table)))
        candidates = warehouse.query(con, """
            SELECT source, source_id FROM candidate_record c
            WHERE coalesce(updated_at, created_at) < $cutoff
              AND NOT EXISTS (SELECT 1 FROM application a WHERE a.source = c.source AND a.candidate_id = c.source_id
                              AND NOT EXISTS (SELECT 1 FROM _apps x WHERE x.source = a.source AND x.source_id = a.source_id))""", p)
    rows.append(candidates.with_columns(table=pl.lit("candidate_record")))
    rows.append(warehouse.query(con, "SELECT 'sync_error' AS \"table\", source, source_id FROM sync_error "
                                     "WHERE resolved_at < $cutoff", p))
    linked = _linked(settings, apps, candidates)
    out = pl.concat([r.select("table", "source", "source_id") for r in (*rows, linked)]).unique()
    # A tool row joined to an application that is still alive stays, whatever its own time.
    return out.join(_alive_links(settings, apps), on=["table", "source", "source_id"], how="anti")


def _alive_links(settings: Settings, expired_apps: pl.DataFrame) -> pl.DataFrame:
    return link_rows(settings, """
        l.joined AND l.application_id IS NOT NULL AND NOT EXISTS (
            SELECT 1 FROM _apps a WHERE a.source = l.target_source AND a.source_id = l.application_id)""", _apps=expired_apps)


def purge(settings: Settings, cutoff: datetime, *, actor: str, reason: str | None = None, rebuild_after: bool = True) -> PurgeReport:
    store = warehouse.staging_path(settings.warehouse)
    if not store.exists():
        raise ErasureError(f"nothing ingested yet ({store} is missing)")
    with warehouse.staging(store) as con:
        gone = expired(con, settings, cutoff)
        rows, raw, _ = remove(con, gone, set(), set())
        before = con.execute("SELECT count(*) FROM quarantine").fetchall()[0][0]
        con.execute("DELETE FROM quarantine WHERE quarantined_at < ?", [cutoff])
        quarantined = before - con.execute("SELECT count(*) FROM quarantine").fetchall()[0][0]
    removed = rewrite(store)
    audit_id = decisions.record("privacy.purge", "retention", cutoff.isoformat(), actor=actor, reason=reason,
                                after={"rows": rows, "raw_records": raw, "quarantine_rows": quarantined})
    if rebuild_after:
        rebuild_warehouse(settings)
    return PurgeReport(audit_id, cutoff, rows, raw, quarantined, removed)
