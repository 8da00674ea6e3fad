"""The identity tables of the warehouse: persons, every record's link to its person, and scored pairs."""

from __future__ import annotations

import pandera.polars as pa
import polars as pl

from pipelines.contracts import UTC

RECORD_BANDS = ["auto", "decided", "review", "ignore"]
RULES = ["email", "phone_name", "application", "profile_url", "probabilistic", "decision", "none"]
PAIR_STATUS = ["linked", "pending", "kept_apart", "confirmed", "rejected"]


class Person(pa.DataFrameModel):
    """person: one row per resolved person, the golden record of its candidate records.

    Each field comes from the record its survivorship rule picks ([identity.survivorship]: the
    first source in the field's order that has a value, the most recently updated record within
    it); `provenance` names that record (source:source_id) per field.
    """

    person_id: str = pa.Field(unique=True)
    records: pl.Int32 = pa.Field(ge=1)
    sources: pl.List(pl.String)
    first_name: str = pa.Field(nullable=True)
    last_name: str = pa.Field(nullable=True)
    email: str = pa.Field(nullable=True)
    emails: pl.List(pl.String)
    phone: str = pa.Field(nullable=True)
    phones: pl.List(pl.String)
    location: str = pa.Field(nullable=True)
    company: str = pa.Field(nullable=True)
    profile_url: str = pa.Field(nullable=True)
    first_seen_at: UTC = pa.Field(nullable=True)
    last_updated_at: UTC = pa.Field(nullable=True)
    needs_review: bool
    provenance: str

    class Config:
        strict = True


class IdentityLink(pa.DataFrameModel):
    """identity_link: one row per candidate record (source, source_id) and the person it resolved to.

    band: auto (joined by a rule or a score at or above the auto threshold), decided (by a
    person's decision), review (its best open pair waits in the review band), ignore (nothing
    scored at or above the review threshold: a person of its own). rule names the link that
    joined it (none when alone); match_probability, match_weight and levels are the model's
    figures for probabilistic links; reasons says why in words.
    """

    record_ref: str = pa.Field(unique=True)
    source: str
    source_id: str
    person_id: str
    cluster_size: pl.Int32 = pa.Field(ge=1)
    band: str = pa.Field(isin=RECORD_BANDS)
    rule: str = pa.Field(isin=RULES)
    match_probability: pl.Float64 = pa.Field(nullable=True)
    match_weight: pl.Float64 = pa.Field(nullable=True)
    levels: str = pa.Field(nullable=True)
    reasons: str = pa.Field(nullable=True)
    audit_id: str = pa.Field(nullable=True)
    created_at: UTC = pa.Field(nullable=True)

    class Config:
        strict = True
        unique = ["source", "source_id"]


class IdentityPair(pa.DataFrameModel):
    """identity_pair: one row per pair of candidate records a rule or the model put side by side.

    Pairs at or above the review threshold, pairs a rule kept apart (hard negatives) and pairs
    people decided on. status: linked (now one person), pending (review band, waiting for a
    decision), kept_apart (a hard negative or a standing negative), confirmed / rejected (a
    person decided). The review queue is the pending rows.
    """

    left_ref: str
    right_ref: str
    left_source: str
    left_source_id: str
    right_source: str
    right_source_id: str
    left_person_id: str
    right_person_id: str
    rule: str = pa.Field(isin=RULES)
    match_probability: pl.Float64
    match_weight: pl.Float64 = pa.Field(nullable=True)
    band: str = pa.Field(isin=["auto", "review", "ignore"])
    status: str = pa.Field(isin=PAIR_STATUS)
    levels: str = pa.Field(nullable=True)
    reasons: str = pa.Field(nullable=True)
    audit_id: str = pa.Field(nullable=True)

    class Config:
        strict = True
        unique = ["left_ref", "right_ref"]
