"""The demo export through the real pipeline: every planted defect is caught by its rule."""

from __future__ import annotations

from pathlib import Path

import duckdb
import polars as pl
import pytest

from pipelines import warehouse
from pipelines.build import build
from pipelines.config import Settings, SourceSettings
from pipelines.demo import generate
from pipelines.load import ingest
from tests.conftest import AS_OF


@pytest.fixture(scope="module")
def loaded(tmp_path_factory):
    root = tmp_path_factory.mktemp("demo")
    manifest = generate(root / "greenhouse", candidates=2000, seed=11, as_of=AS_OF)
    target = root / "wh" / "stagetruth.duckdb"
    result = ingest(SourceSettings("greenhouse", "greenhouse", root / "greenhouse"), Settings(warehouse=target), loaded_at=AS_OF)
    build(target, as_of=AS_OF)
    with duckdb.connect(str(target), read_only=True) as con:
        quarantine = con.sql("SELECT * FROM quarantine").pl()
        log = con.sql("SELECT * FROM load_log").pl()
    return manifest, result, quarantine, log, target


def ids(q: pl.DataFrame, obj: str, rule: str) -> set[str]:
    return set(q.filter((pl.col("object") == obj) & (pl.col("rule") == rule))["record_id"].to_list())


def test_counts_add_up_and_match_the_quarantine_table(loaded):
    _, result, quarantine, log, _ = loaded
    assert (log["rows_in"] == log["loaded"] + log["quarantined"]).all()
    assert log["quarantined"].sum() == quarantine.height == result.totals[2]


def test_unmapped_stage_applications_are_quarantined(loaded):
    manifest, _, q, _, _ = loaded
    planted = {str(i) for i in manifest["defects"]["unmapped_stage"]["application_ids"]}
    assert ids(q, "applications", "unmapped_stage") == planted
    history = q.filter((pl.col("object") == "application_history") & (pl.col("rule") == "unmapped_stage"))
    assert history.height == manifest["defects"]["unmapped_stage"]["history_rows"]


def test_backwards_timestamps_are_quarantined_and_nothing_else_is(loaded):
    manifest, _, q, _, _ = loaded
    planted = {str(i) for i in manifest["defects"]["backwards_timestamps"]["application_ids"]}
    caught = {record_id.split("|")[0] for record_id in ids(q, "application_history", "stage_order")}
    assert caught == planted


def test_missing_ids_future_times_and_the_malformed_file(loaded):
    manifest, _, q, _, _ = loaded
    missing = manifest["defects"]["missing_ids"]
    count = lambda obj, rule: q.filter((pl.col("object") == obj) & (pl.col("rule") == rule)).height  # noqa: E731
    assert count("candidates", "required") == missing["candidates"]
    assert count("applications", "required") == missing["applications"]
    assert count("offers", "required") == missing["offers"]
    future = {f"email:{i}" for i in manifest["defects"]["future_timestamps"]["email_ids"]}
    assert ids(q, "activity_feed", "not_in_future") == future
    bad_file = q.filter(pl.col("rule") == "malformed_file")
    assert bad_file["file"].to_list() == [str(Path(loaded[4]).parent.parent / "greenhouse" / manifest["defects"]["malformed_file"]["path"])]


def test_demo_kpis_look_like_a_real_funnel(loaded):
    from datetime import date

    from metrics.compute import Filters, tiles

    target = loaded[4]
    by_name = {t.kpi.name: t for t in tiles(Filters(date(2026, 6, 1), date(2026, 11, 22)), as_of=AS_OF, path=target)}
    assert 10 < by_name["time_to_first_response"].value < 40  # median hours
    assert 0.6 < by_name["offer_acceptance_rate"].value < 0.95
    assert by_name["time_to_hire"].n > 10
    with warehouse.read_only(target) as con:
        stages = dict(con.sql("SELECT furthest_stage, count(*) FROM application_fact GROUP BY 1").fetchall())
    assert stages["applied"] > stages["screened"] > stages["interviewing"] > stages["hired"] > 0
