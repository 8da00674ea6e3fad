"""From detections to the `mismatch` table: stable ids, first-detected times, and who resolved what.

State between builds is carried from the previous served warehouse (its `mismatch` table):
first_detected_at, and every mismatch that was raised before. People's resolutions live only in
the decisions store (action `mismatch.resolve`, with the evidence fingerprint they saw). So:

- detected now, resolved by a person with the same fingerprint -> resolved_by_person;
- detected now, otherwise (never resolved, resolution undone, or the evidence changed) -> open;
- raised before, no longer detected: an open one becomes resolved_by_agreement at this build's
  as_of; a resolved one stays as it was.
Deleting the served warehouse loses first-detected times (they restart at the next build), never
a resolution.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from pathlib import Path

import polars as pl

from pipelines import decisions, warehouse
from pipelines.mismatches.detect import DETECTION
from pipelines.mismatches.model import Mismatch
from pipelines.mismatches.rules import MismatchSettings
from pipelines.schema import polars_schema

ACTION = "mismatch.resolve"
UTC = pl.Datetime("us", "UTC")
RESOLUTIONS = {"mismatch_id": pl.String, "fingerprint": pl.String, "resolved_at": UTC, "resolved_by": pl.String,
               "resolution_note": pl.String}


def _hash(*parts: str | None) -> str:
    return hashlib.sha256("\x1f".join("" if p is None else p for p in parts).encode()).hexdigest()[:16]


def _evidence_json(items: list[dict]) -> str:
    return json.dumps([{**e, "at": None if e["at"] is None else e["at"].isoformat()} for e in items], sort_keys=True)


def previous(target: Path) -> pl.DataFrame:
    """The mismatch table of the served warehouse this build replaces (empty when there is none)."""
    schema = polars_schema(Mismatch)
    if not target.exists():
        return pl.DataFrame(schema=schema)
    with warehouse.read_only(target) as con:
        if "mismatch" not in warehouse.table_names(con):
            return pl.DataFrame(schema=schema)
        frame = warehouse.read_table(con, "mismatch")
    return frame if set(frame.columns) == set(schema) else pl.DataFrame(schema=schema)


def resolutions(path: Path | None = None) -> pl.DataFrame:
    """Standing `mismatch.resolve` decisions, the latest per mismatch, with the fingerprint each one saw."""
    path = path or decisions.decisions_path()
    if not path.exists():
        return pl.DataFrame(schema=RESOLUTIONS)
    rows = decisions.standing(ACTION, path=path)
    if rows.height == 0:
        return pl.DataFrame(schema=RESOLUTIONS)
    fp = [json.loads(b or "{}").get("fingerprint") for b in rows["before"].to_list()]
    return rows.with_columns(fingerprint=pl.Series(fp, dtype=pl.String)).sort("recorded_at") \
        .group_by("subject_id", maintain_order=True).last() \
        .select(mismatch_id="subject_id", fingerprint="fingerprint", resolved_at="recorded_at", resolved_by="actor",
                resolution_note="reason").cast(RESOLUTIONS)


def resolve(mismatch_id: str, fingerprint: str, note: str, *, actor: str, path: Path | None = None) -> str:
    """Record that a person resolved a mismatch, with why; it stays resolved until its evidence changes."""
    return decisions.record(ACTION, "mismatch", mismatch_id, actor=actor, reason=note, require_reason=True,
                            before={"status": "open", "fingerprint": fingerprint}, after={"status": "resolved_by_person"},
                            path=path)


def apply_resolutions(frame: pl.DataFrame, resolved: pl.DataFrame) -> pl.DataFrame:
    """Open rows a person resolved, on the same evidence, become resolved_by_person."""
    hit = frame.join(resolved.rename({c: f"_{c}" for c in resolved.columns if c != "mismatch_id"}), on="mismatch_id", how="left")
    same = (pl.col("status") == "open") & (pl.col("_fingerprint") == pl.col("fingerprint")).fill_null(False)
    out = hit.with_columns(
        status=pl.when(same).then(pl.lit("resolved_by_person")).otherwise("status"),
        resolved_at=pl.when(same).then("_resolved_at").otherwise("resolved_at"),
        resolved_by=pl.when(same).then("_resolved_by").otherwise("resolved_by"),
        resolution_note=pl.when(same).then("_resolution_note").otherwise("resolution_note"),
    )
    return out.select(frame.columns)


def mismatch_table(found: pl.DataFrame, tables: dict[str, pl.DataFrame], as_of: datetime, cfg: MismatchSettings,
                   before: pl.DataFrame, resolved: pl.DataFrame) -> pl.DataFrame:
    """Detections now + the previous table + standing resolutions -> every mismatch ever raised, with its status."""
    schema = polars_schema(Mismatch)
    found = found.cast(DETECTION)
    owners = tables["application_fact"].select("source", "application_id", owner="recruiter")
    rows = []
    for r in found.join(owners, on=["source", "application_id"], how="left").iter_rows(named=True):
        app = None if r["application_id"] is None else f"{r['source']}:{r['application_id']}"
        evidence = _evidence_json(r["evidence"])
        record = r["evidence_key"].split("|", 1)[1].replace("|", ":")
        rows.append(dict(
            mismatch_id=_hash(r["type"], app, r["evidence_key"]), type=r["type"], title=cfg.rules[r["type"]].title,
            source=r["source"], application_id=r["application_id"],
            person_key=f"{r['source']}:{r['candidate_id']}" if r["candidate_id"] else record, person_id=None,
            systems=r["systems"], evidence_key=r["evidence_key"], evidence=evidence, fingerprint=_hash(evidence),
            since_at=r["since_at"], first_detected_at=as_of, last_detected_at=as_of,
            age_hours=(as_of - r["since_at"]).total_seconds() / 3600, severity=cfg.rules[r["type"]].severity,
            status="open", resolved_at=None, resolved_by=None, resolution_note=None, owner=r["owner"]))
    now = pl.DataFrame(rows, schema=schema).unique("mismatch_id", keep="first", maintain_order=True)
    if before.height:
        carried = before.select("mismatch_id", _first="first_detected_at")
        now = now.join(carried, on="mismatch_id", how="left") \
            .with_columns(first_detected_at=pl.coalesce("_first", "first_detected_at")).drop("_first")
    now = apply_resolutions(now, resolved)
    gone = before.join(now.select("mismatch_id"), on="mismatch_id", how="anti")
    agreed = pl.col("status") == "open"
    gone = gone.with_columns(
        status=pl.when(agreed).then(pl.lit("resolved_by_agreement")).otherwise("status"),
        resolved_at=pl.when(agreed).then(pl.lit(as_of, UTC)).otherwise("resolved_at"),
    ).with_columns(age_hours=(pl.col("resolved_at") - pl.col("since_at")).dt.total_seconds() / 3600)
    out = pl.concat([now, gone.select(list(schema))], how="vertical").sort("status", "since_at", "mismatch_id")
    return out.select([pl.col(c).cast(t) for c, t in schema.items()])
