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
    Mismatch.validate(table, lazy=True)
    StageCorrection.validate(corrections, lazy=True)
    return {"mismatch": table, "stage_correction": corrections}
