"""The golden record: one row per person, each field chosen by its survivorship rule.

For every field, the records of the person that have a value are ordered by the field's source
priority ([identity.survivorship] <field>, else default; sources not listed come after the
listed ones), then by most recent update (updated_at, else created_at); the first wins. Lists
(emails, phones, sources) are the union over the person's records, in the same order.
"""

from __future__ import annotations

import polars as pl

from pipelines.identity.settings import FIELDS, IdentitySettings
from pipelines.identity.tables import Person
from pipelines.schema import polars_schema

EMPTY = pl.lit([], dtype=pl.List(pl.String))


def _values(records: pl.DataFrame) -> pl.DataFrame:
    """Each field's display value per record (trimmed; empty text counts as missing)."""
    def text(col: str) -> pl.Expr:
        v = pl.col(col).str.strip_chars()
        return pl.when(v != "").then(v)

    full = text("full_name")
    nonempty = pl.element().str.strip_chars()
    return records.with_columns(
        first_name=pl.coalesce(text("first_name"), full.str.extract(r"^(.*\S)\s+\S+$")),
        last_name=pl.coalesce(text("last_name"), full.str.extract(r"\s(\S+)$")),
        email=pl.col("emails").list.eval(nonempty.str.to_lowercase().filter(nonempty != "")).list.first(),
        phone=pl.coalesce(pl.col("phones_e164").list.first(),
                          pl.col("phones").list.eval(nonempty.filter(nonempty.str.count_matches(r"\d") >= 7)).list.first()),
        location=text("location"), company=text("company"), profile_url=text("profile_url"),
        _recent=pl.coalesce("updated_at", "created_at"),
    )


def _rank(settings: IdentitySettings, column: str) -> pl.Expr:
    order = {s: i for i, s in enumerate(settings.priority(column))}
    return pl.col("source").replace_strict(order, default=len(order), return_dtype=pl.Int32)


def golden_records(records: pl.DataFrame, assignment: pl.DataFrame, pending: set[str],
                   settings: IdentitySettings) -> pl.DataFrame:
    """records: normalised candidate records; assignment: record_key -> person_id, cluster_size."""
    data = _values(records.join(assignment, on="record_key"))
    out = data.group_by("person_id").agg(
        records=pl.len().cast(pl.Int32),
        sources=pl.col("source").unique().sort(),
        first_seen_at=pl.col("created_at").min(),
        last_updated_at=pl.col("_recent").max(),
    )
    provenance = out.select("person_id")
    for column in FIELDS:
        chosen = (data.filter(pl.col(column).is_not_null())
                  .sort(_rank(settings, column), pl.col("_recent"), descending=[False, True], nulls_last=True)
                  .group_by("person_id", maintain_order=True)
                  .agg(pl.col(column).first(), pl.col("record_key").first().alias(f"_from_{column}")))
        out = out.join(chosen.select("person_id", column), on="person_id", how="left")
        provenance = provenance.join(chosen.select("person_id", f"_from_{column}"), on="person_id", how="left")
    ranked = data.sort(_rank(settings, "email"), pl.col("_recent"), descending=[False, True], nulls_last=True)
    lists = ranked.group_by("person_id", maintain_order=True).agg(
        emails=pl.col("emails").list.eval(pl.element().str.strip_chars().str.to_lowercase()
                                          .filter(pl.element().str.strip_chars() != ""))
        .list.explode(keep_nulls=False, empty_as_null=False).drop_nulls().unique(maintain_order=True),
        phones=pl.col("phones_e164").list.explode(keep_nulls=False, empty_as_null=False).drop_nulls().unique(maintain_order=True),
    )
    out = out.join(lists, on="person_id", how="left").with_columns(
        emails=pl.col("emails").fill_null(EMPTY), phones=pl.col("phones").fill_null(EMPTY),
        needs_review=pl.col("person_id").is_in(sorted(pending)),
    )
    # {"field": "source:source_id", ...}; a field no record has is null
    prov = provenance.select("person_id", provenance=pl.struct(
        [pl.col(f"_from_{c}").alias(c) for c in FIELDS]).struct.json_encode())
    out = out.join(prov, on="person_id", how="left")
    return out.select(list(polars_schema(Person))).sort("person_id")
