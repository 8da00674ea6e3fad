"""Against the demo's ground truth: every planted mismatch found, none on clean applications, and the
manual stage corrections the demo plants are exactly the stage_correction rows."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from metrics.mismatches import mismatches
from pipelines import warehouse
from pipelines.mismatches.quality import DEMO_TYPES, defective, ground_truth, score
from pipelines.mismatches.rules import RULES


def test_every_planted_mismatch_is_found_and_nothing_else(demo_stack):
    root, manifest, _, wh, tmp = demo_stack
    found = mismatches(include_resolved=True, path=wh, decisions=tmp / "decisions.duckdb")
    result = score(found, ground_truth(root), list(RULES), defective(root))
    print("\n" + str(result))
    planted = {DEMO_TYPES[k]: v["count"] for k, v in manifest["defects"].items() if k in DEMO_TYPES}
    assert dict(zip(result["rule"], result["planted"])) == {**{r: planted.get(r, 0) for r in RULES}, "all": sum(planted.values())}
    scored = result.filter(pl.col("planted") > 0)
    assert scored.height == len(DEMO_TYPES) + 1  # every demo defect type a rule covers, and the total
    assert scored["precision"].to_list() == [1.0] * scored.height
    assert scored["recall"].to_list() == [1.0] * scored.height
    assert result["on_clean"].to_list() == [0] * result.height
    assert found.filter(pl.col("status") != "open").height == 0  # a first build resolves nothing


def test_stage_corrections_are_the_planted_ones(demo_stack):
    root, _, _, wh, _ = demo_stack
    with warehouse.read_only(wh) as con:
        got = warehouse.read_table(con, "stage_correction")
    truth = pl.read_csv(Path(root) / "ground_truth" / "corrections.csv", infer_schema_length=0).with_columns(
        at=pl.col("at").str.to_datetime(time_zone="UTC", time_unit="us"))
    mine = got.select("application_id", "kind", at="corrected_at").sort("application_id", "at")
    assert truth.height > 0
    assert mine.rows() == truth.select("application_id", "kind", "at").sort("application_id", "at").rows()


def test_a_mismatch_names_the_resolved_person_of_its_candidate(demo_stack):
    _, _, _, wh, _ = demo_stack
    with warehouse.read_only(wh) as con:
        rows = con.sql("""
            SELECT m.person_key, m.person_id, l.person_id AS linked FROM mismatch m
            LEFT JOIN identity_link l ON m.person_key = l.source || ':' || l.source_id""").pl()
    with_candidate = rows.filter(pl.col("linked").is_not_null())
    assert with_candidate.height > 0
    assert (with_candidate["person_id"] == with_candidate["linked"]).all()
