"""The mismatch and stage_correction tables (registered in pipelines.schema DERIVED_MODELS)."""

from __future__ import annotations

import pandera.polars as pa
import polars as pl

from pipelines.contracts import UTC

STATUSES = ("open", "resolved_by_agreement", "resolved_by_person")


class Mismatch(pa.DataFrameModel):
    """mismatch: one row per disagreement between two systems (mismatch_id), open or resolved.

    mismatch_id hashes the rule, the application and the identity of the evidence record (e.g. the
    calendar event), so it survives rebuilds; fingerprint hashes what the evidence says, so new
    evidence shows as a changed fingerprint. evidence is JSON: a list of {system, record, said, at}.
    since_at is when the disagreement began; age_hours runs from since_at to the build's as_of.
    first_detected_at is the as_of of the first build that raised it (carried from the previous
    warehouse). person_key is the ATS candidate (source:candidate_id) or the tool record when no
    application is known; person_id is that candidate's resolved person (identity_link).
    """

    mismatch_id: str = pa.Field(unique=True)
    type: str
    title: str
    source: str = pa.Field(nullable=True)
    application_id: str = pa.Field(nullable=True)
    person_key: str = pa.Field(nullable=True)
    person_id: str = pa.Field(nullable=True)
    systems: pl.List(pl.String)
    evidence_key: str
    evidence: str
    fingerprint: str
    since_at: UTC
    first_detected_at: UTC
    last_detected_at: UTC
    age_hours: pl.Float64
    severity: str = pa.Field(isin=["low", "medium", "high"])
    status: str = pa.Field(isin=list(STATUSES))
    resolved_at: UTC = pa.Field(nullable=True)
    resolved_by: str = pa.Field(nullable=True)
    resolution_note: str = pa.Field(nullable=True)
    owner: str = pa.Field(nullable=True)

    class Config:
        strict = True


class StageCorrection(pa.DataFrameModel):
    """stage_correction: one row per stage event that corrected an earlier move (source, event_id).

    kind is backward_move (a move to a lower canonical stage than the application's previous move)
    or reverted_move (a backward move back to the stage held before a move made at most
    `revert_within_hours` earlier: that earlier move was a mistake). Exits and automated moves are
    never corrections.
    """

    source: str
    event_id: str
    application_id: str
    corrected_at: UTC
    from_stage: str
    to_stage: str
    kind: str = pa.Field(isin=["backward_move", "reverted_move"])
    hours_since_previous: pl.Float64

    class Config:
        strict = True
        unique = ["source", "event_id"]
