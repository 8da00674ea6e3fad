"""Pairwise quality of a resolution against a ground truth (precision, recall, F1 over record pairs).

A pair of records counts as predicted when both resolved to one person, as true when the truth
gives both one person_key. Counted from cluster sizes (no pair is materialised), so a 100k-record
demo scores in a second.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import polars as pl


@dataclass(frozen=True)
class PairScore:
    records: int
    predicted_pairs: int
    true_pairs: int
    correct_pairs: int

    @property
    def precision(self) -> float:
        return self.correct_pairs / self.predicted_pairs if self.predicted_pairs else 1.0

    @property
    def recall(self) -> float:
        return self.correct_pairs / self.true_pairs if self.true_pairs else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def line(self, label: str) -> str:
        return (f"{label:<34} precision {self.precision:.4f}  recall {self.recall:.4f}  F1 {self.f1:.4f}  "
                f"(pairs: predicted {self.predicted_pairs:,}, true {self.true_pairs:,}, correct {self.correct_pairs:,}; "
                f"records {self.records:,})")


def read_truth(ground_truth_dir: Path) -> pl.DataFrame:
    """source, source_id, person_key of every candidate record in persons.csv.

    A board keys its records by address, so two people the demo gave one address share a record:
    the truth lists it once per person; the first is kept (one record cannot be two people).
    """
    truth = pl.read_csv(ground_truth_dir / "persons.csv", infer_schema_length=0)
    return (truth.filter(pl.col("object") == "candidate_record").select("source", "source_id", "person_key")
            .unique(["source", "source_id"], keep="first", maintain_order=True))


def _pairs(sizes: pl.Series) -> int:
    return int((sizes.cast(pl.Int64) * (sizes.cast(pl.Int64) - 1) // 2).sum())


def score(assignment: pl.DataFrame, truth: pl.DataFrame) -> PairScore:
    """assignment: source, source_id, person_id (one row per record); truth: source, source_id, person_key.

    Records missing from the truth count as people of their own there.
    """
    both = assignment.select("source", "source_id", "person_id").join(truth, on=["source", "source_id"], how="left")
    both = both.with_columns(person_key=pl.coalesce("person_key", pl.concat_str("source", pl.lit(":"), "source_id")))
    predicted = _pairs(both.group_by("person_id").len()["len"])
    true = _pairs(both.group_by("person_key").len()["len"])
    correct = _pairs(both.group_by("person_id", "person_key").len()["len"])
    return PairScore(both.height, predicted, true, correct)


def score_with_pairs(assignment: pl.DataFrame, pairs: pl.DataFrame, truth: pl.DataFrame) -> tuple[int, int]:
    """Of the pending review pairs, how many join records of one true person: (true matches, pairs)."""
    key = truth.with_columns(ref=pl.concat_str("source", pl.lit(":"), "source_id")).select("source", "source_id", "person_key")
    pending = pairs.filter(pl.col("status") == "pending")
    j = (pending.join(key, left_on=["left_source", "left_source_id"], right_on=["source", "source_id"], how="left")
         .join(key, left_on=["right_source", "right_source_id"], right_on=["source", "source_id"], how="left", suffix="_r"))
    return int((j["person_key"] == j["person_key_r"]).fill_null(False).sum()), pending.height


def load_demo_records(demo: Path, work: Path, loaded_at: datetime) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Load a demo's greenhouse and job_boards through the real ingest into a staging store under
    `work`: the candidate records, and their applications keyed for the `application` rule."""
    from pipelines import warehouse
    from pipelines.config import Settings, SourceSettings, _preset
    from pipelines.identity.rules import applications_by_record
    from pipelines.load import ingest

    settings = Settings(warehouse=work / "stagetruth.duckdb")
    ingest(SourceSettings("greenhouse", "greenhouse", demo / "greenhouse"), settings, loaded_at=loaded_at, full=True)
    ingest(SourceSettings("job_boards", "job_board", demo / "job_boards", mapping=_preset("job_board")), settings,
           loaded_at=loaded_at, full=True)
    with warehouse.staging(warehouse.staging_path(settings.warehouse)) as con:
        tables = {t: warehouse.read_table(con, t) for t in ("candidate_record", "application", "job")}
    return tables["candidate_record"], applications_by_record(tables["application"], tables["job"])
