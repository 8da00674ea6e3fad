"""The build step: the `mismatch` and `stage_correction` tables, validated against their contracts."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import polars as pl

from pipelines.mismatches.corrections import stage_corrections
from pipelines.mismatches.detect import detect
from pipelines.mismatches.lifecycle import mismatch_table, previous, resolutions
from pipelines.mismatches.model import Mismatch, StageCorrection
from pipelines.mismatches.rules import MismatchSettings, load_mismatch_settings


def derive_stage_truth(tables: dict[str, pl.DataFrame], as_of: datetime, target: Path, *,
                       settings: MismatchSettings | None = None, decisions: Path | None = None) -> dict[str, pl.DataFrame]:
    """Mismatches at as_of (carrying state from the warehouse at `target`) and stage corrections."""
    cfg = settings or load_mismatch_settings()
    found = detect(tables, as_of, cfg)
    table = mismatch_table(found, tables, as_of, cfg, previous(target), resolutions(decisions))
    corrections = stage_corrections(tables["application"], tables["stage_event"], cfg.revert_within_hours)
    table = with_person_ids(table, tables.get("identity_link"))
    Mismatch.validate(table, lazy=True)
    StageCorrection.validate(corrections, lazy=True)
    return {"mismatch": table, "stage_correction": corrections}


def with_person_ids(table: pl.DataFrame, links: pl.DataFrame | None) -> pl.DataFrame:
    """The resolved person of each mismatch's candidate (person_key source:candidate_id), when identity ran."""
    if links is None or table.height == 0 or links.height == 0:
        return table
    ids = links.select(person_key=pl.col("source") + ":" + pl.col("source_id"), _person=pl.col("person_id")).unique("person_key")
    return (table.join(ids, on="person_key", how="left", maintain_order="left")
            .with_columns(person_id=pl.coalesce("person_id", "_person")).drop("_person"))
