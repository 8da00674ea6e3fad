"""Manual stage corrections (the `stage_correction` table), the numerator of stage_reconciliation_rate.

A correction is a stage event, made by a person or by a source that cannot say who (never by
automation), that moves an application to a LOWER canonical stage than its previous move (the
application's own applied_at counts as its first move). Among them, a reverted_move returns to
the stage held before a move made at most `revert_within_hours` earlier: that move was a
mistake undone. Every other backward move is a backward_move (another screen, a stage entered
out of order). Exits (rejected, withdrawn) are not stage moves here, so neither an exit nor a
reopened application counts. Moves at the same instant are ordered by canonical rank, so ties
never read as corrections.
"""

from __future__ import annotations

import polars as pl

from pipelines.mismatches.model import StageCorrection
from pipelines.schema import polars_schema
from pipelines.stages import STAGE_RANK

DEFAULT_REVERT_HOURS = 4.0


def stage_corrections(application: pl.DataFrame, stage_event: pl.DataFrame,
                      revert_within_hours: float = DEFAULT_REVERT_HOURS) -> pl.DataFrame:
    rank = pl.col("stage").replace_strict(STAGE_RANK, default=None, return_dtype=pl.Int32)
    applied = application.select("source", application_id="source_id", event_id=pl.lit(None, pl.String),
                                 stage=pl.lit("applied"), entered_at="applied_at", actor_type=pl.lit("unknown"))
    moves = stage_event.select("source", "application_id", event_id="source_id", stage="stage", entered_at="entered_at",
                               actor_type="actor_type")
    seq = pl.concat([applied, moves], how="vertical").with_columns(rank=rank).drop_nulls("rank") \
        .sort("source", "application_id", "entered_at", "rank")
    by = ["source", "application_id"]
    seq = seq.with_columns(
        prev_stage=pl.col("stage").shift(1).over(by), prev_rank=pl.col("rank").shift(1).over(by),
        prev_at=pl.col("entered_at").shift(1).over(by), before_rank=pl.col("rank").shift(2).over(by),
    )
    hours = (pl.col("entered_at") - pl.col("prev_at")).dt.total_seconds() / 3600
    out = seq.filter((pl.col("rank") < pl.col("prev_rank")) & (pl.col("actor_type") != "automation")
                     & pl.col("event_id").is_not_null()).with_columns(
        hours_since_previous=hours.cast(pl.Float64),
        kind=pl.when((pl.col("rank") == pl.col("before_rank")) & (hours <= revert_within_hours))
        .then(pl.lit("reverted_move")).otherwise(pl.lit("backward_move")),
    )
    return out.select(source="source", event_id="event_id", application_id="application_id", corrected_at="entered_at",
                      from_stage="prev_stage", to_stage="stage", kind="kind",
                      hours_since_previous="hours_since_previous").unique(["source", "event_id"]) \
        .sort("source", "application_id", "corrected_at").select(list(polars_schema(StageCorrection)))
