"""Split a staged frame into rows that keep the contract and rows for quarantine.

A connector hands over a *staged* frame: the model's columns plus
  _file       the input file the record came from
  _record_no  its position there (0-based)
  _payload    the record as it arrived (JSON text), kept in quarantine
  _problems   rules already broken while reading (bad type, unmapped stage, unknown parent)
Every staged row ends in exactly one of the two outputs, so rows_in = loaded + quarantined.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import pandera.errors
import pandera.polars as pa
import polars as pl

from pipelines.contracts import RULE_EXPLANATIONS

PROBLEM = pl.Struct({"rule": pl.String, "detail": pl.String})
TRACE_COLUMNS = ("_file", "_record_no", "_payload", "_problems")

# pandera's check names -> the rule names users see in quarantine.
_RULE_NAMES = {
    "not_nullable": "required",
    "isin": "allowed_values",
    "str_length": "required",
    "multiple_fields_uniqueness": "duplicate_id",
    "field_uniqueness": "duplicate_id",
    "greater_than_or_equal_to": "out_of_range",
}


class ContractError(Exception):
    """A frame breaks its contract as a whole (wrong dtype or missing column): a connector bug."""


@dataclass
class Split:
    good: pl.DataFrame
    quarantine: pl.DataFrame  # columns: file, record_no, record_id, rule, detail, payload

    @property
    def counts(self) -> tuple[int, int]:
        return self.good.height, self.quarantine.height


def problem(rule: str | pl.Expr, detail: str | pl.Expr) -> pl.Expr:
    """A one-problem list for `_problems`, built from a rule name and a detail expression."""
    detail_expr = pl.lit(detail) if isinstance(detail, str) else detail
    return pl.concat_list(pl.struct(rule=pl.lit(rule) if isinstance(rule, str) else rule, detail=detail_expr))


def add_problem(frame: pl.DataFrame, when: pl.Expr, rule: str | pl.Expr, detail: str | pl.Expr) -> pl.DataFrame:
    """Append a problem to every row where `when` holds.

    Most rules hold for every row, and appending to a list column costs as much as rebuilding it:
    only the rows that break the rule are touched, then put back in their places.
    """
    hits = frame.select(_hit=when.fill_null(False))["_hit"]
    if not hits.any():
        return frame
    frame = frame.with_row_index("_hit_pos")
    fixed = frame.filter(hits).select("_hit_pos", _hit_new=pl.concat_list(pl.col("_problems"), problem(rule, detail)))
    return (
        frame.join(fixed, on="_hit_pos", how="left", maintain_order="left")
        .with_columns(_problems=pl.coalesce("_hit_new", "_problems"))
        .drop("_hit_pos", "_hit_new")
    )


def empty_quarantine() -> pl.DataFrame:
    return pl.DataFrame(
        schema={
            "file": pl.String,
            "record_no": pl.Int64,
            "record_id": pl.String,
            "rule": pl.String,
            "detail": pl.String,
            "payload": pl.String,
        }
    )


def _to_quarantine(rows: pl.DataFrame) -> pl.DataFrame:
    return rows.select(
        file=pl.col("_file"),
        record_no=pl.col("_record_no").cast(pl.Int64),
        record_id=pl.col("source_id"),
        rule=pl.col("_problems").list.first().struct.field("rule"),
        detail=pl.col("_problems")
        .list.eval(pl.element().struct.field("rule") + pl.lit(": ") + pl.element().struct.field("detail"))
        .list.join("; "),
        payload=pl.col("_payload"),
    )


def _rule_name(check: str) -> str:
    base = check.split("(", 1)[0]
    return _RULE_NAMES.get(base, base)


def _pandera_problems(model: type[pa.DataFrameModel], frame: pl.DataFrame) -> pl.DataFrame:
    """Row index -> problems found by the model's checks (empty frame when all pass)."""
    no_problems = pl.DataFrame(schema={"_idx": pl.UInt32, "_new": pl.List(PROBLEM)})
    if frame.height == 0:
        return no_problems  # no row to check (an unchanged source's steps stage nothing): the checks cost ~0.3 s
    columns = list(model.to_schema().columns)
    try:
        model.validate(frame.select(columns), lazy=True)
        return no_problems
    except pandera.errors.SchemaErrors as exc:
        cases = exc.failure_cases
    whole_frame = cases.filter(pl.col("index").is_null())
    if whole_frame.height:
        listing = "; ".join(
            f"{row['column']}: {row['check']} ({row['failure_case']})" for row in whole_frame.iter_rows(named=True)
        )
        raise ContractError(f"{model.__name__}: the frame breaks the contract as a whole: {listing}")
    explain = pl.col("check").replace_strict(RULE_EXPLANATIONS, default=pl.col("check") + pl.lit(" violated"))
    detail = (
        pl.when(pl.col("schema_context") == "Column")
        .then(pl.col("column") + pl.lit(" = ") + pl.col("failure_case").fill_null("null") + pl.lit(" fails ") + pl.col("check"))
        .otherwise(explain + pl.lit(": ") + pl.col("failure_case").str.slice(0, 400))
    )
    return (
        cases.with_columns(
            rule=pl.col("check").map_elements(_rule_name, return_dtype=pl.String),
            detail=detail,
        )
        .group_by(pl.col("index").cast(pl.UInt32).alias("_idx"), maintain_order=True)
        .agg(_new=pl.struct("rule", "detail"))
    )


def split(model: type[pa.DataFrameModel], staged: pl.DataFrame) -> Split:
    """Validate a staged frame against `model`; return kept rows (model columns) and quarantine."""
    missing = [c for c in TRACE_COLUMNS if c not in staged.columns]
    if missing:
        raise ContractError(f"{model.__name__}: staged frame lacks {missing}")
    columns = list(model.to_schema().columns)
    frame = staged.with_columns(_problems=pl.col("_problems").fill_null(pl.lit([], dtype=pl.List(PROBLEM))))

    # A record without an id can be neither traced nor deduplicated: say so before anything else.
    frame = frame.with_row_index("_pos")
    frame = add_problem(frame, pl.col("source_id").is_null() | (pl.col("source_id") == ""), "required",
                        pl.lit("the record has no id (source_id is empty)"))
    # A later copy of the same record supersedes an earlier one (pages overlap in real pulls).
    last_pos = pl.col("_pos").max().over("source", "source_id")
    frame = add_problem(
        frame,
        (pl.col("_pos") != last_pos) & pl.col("source_id").is_not_null(),
        "duplicate_id",
        pl.lit("a later copy of this record in the same load supersedes it"),
    )

    clean = frame.filter(pl.col("_problems").list.len() == 0)
    found = _pandera_problems(model, clean)
    clean = clean.with_row_index("_idx").join(found, on="_idx", how="left").drop("_idx")
    clean = clean.with_columns(_problems=pl.col("_new").fill_null(pl.lit([], dtype=pl.List(PROBLEM)))).drop("_new")

    flagged = pl.concat([frame.filter(pl.col("_problems").list.len() > 0), clean], how="vertical_relaxed")
    bad = flagged.filter(pl.col("_problems").list.len() > 0).sort("_pos")
    good = flagged.filter(pl.col("_problems").list.len() == 0).sort("_pos").select(columns)
    return Split(good=good, quarantine=_to_quarantine(bad))


def stamp(quarantine: pl.DataFrame, *, load_id: str, source: str, obj: str, at: datetime) -> pl.DataFrame:
    """Complete quarantine rows with the load they belong to."""
    return quarantine.select(
        load_id=pl.lit(load_id),
        source=pl.lit(source),
        object=pl.lit(obj),
        file=pl.col("file"),
        record_no=pl.col("record_no"),
        record_id=pl.col("record_id"),
        rule=pl.col("rule"),
        detail=pl.col("detail"),
        payload=pl.col("payload"),
        quarantined_at=pl.lit(at).cast(pl.Datetime("us", "UTC")),
    )
