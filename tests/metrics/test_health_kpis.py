"""The data-health KPIs on the demo warehouse, checked against the ground truth and the raw tables."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import polars as pl
import pytest

from metrics.catalog import load_definitions
from metrics.compute import Filters, run
from pipelines import warehouse
from pipelines.build import build
from pipelines.config import Settings, SourceSettings
from pipelines.load import ingest
from tests.conftest import AS_OF, kpi_export

EVERYTHING = Filters(date(2026, 1, 1), date.today() + timedelta(days=1))


def kpi(name: str, wh, filters: Filters = EVERYTHING, as_of: datetime = AS_OF) -> tuple[dict, pl.DataFrame]:
    frame = run(load_definitions()[name], filters, as_of=as_of, path=wh)
    total = frame.filter(pl.col("week").is_null())
    assert total.height == 1, frame
    return total.row(0, named=True), frame.filter(pl.col("week").is_not_null())


def tables(wh, *names):
    with warehouse.read_only(wh) as con:
        return [warehouse.read_table(con, n) for n in names]


def test_health_kpis_are_in_the_health_group():
    health = {k for k, v in load_definitions().items() if v.group == "health"}
    assert health == {"stage_reconciliation_rate", "sync_error_resolution_time", "quarantine_rate", "source_freshness",
                      "open_mismatches", "duplicate_record_rate"}


def test_reconciliation_rate_counts_the_planted_corrections_over_every_stage_change(demo_stack):
    root, _, _, wh, _ = demo_stack
    total, weekly = kpi("stage_reconciliation_rate", wh)
    events, fact = tables(wh, "stage_event", "application_fact")
    truth = pl.read_csv(root / "ground_truth" / "corrections.csv", infer_schema_length=0)
    changes = events.join(fact.select("source", "application_id"), on=["source", "application_id"], how="semi")
    assert total["denominator"] == changes.height and total["numerator"] == truth.height > 0
    assert total["value"] == pytest.approx(truth.height / changes.height)
    assert weekly["numerator"].sum() == truth.height and weekly["denominator"].sum() == changes.height
    engineering = Filters(EVERYTHING.start, EVERYTHING.end, departments=("Engineering",))
    narrowed, _ = kpi("stage_reconciliation_rate", wh, engineering)
    apps = fact.filter(pl.col("department") == "Engineering").select("application_id")
    assert narrowed["numerator"] == truth.join(apps, on="application_id", how="semi").height
    assert narrowed["denominator"] == changes.join(apps, on="application_id", how="semi").height


def test_open_mismatches_count_and_age(demo_stack):
    _, _, _, wh, _ = demo_stack
    total, _ = kpi("open_mismatches", wh)
    (mm,) = tables(wh, "mismatch")
    open_ = mm.filter(pl.col("status") == "open")
    assert total["n"] == open_.height == 10
    assert total["oldest_days"] == pytest.approx(open_["age_hours"].max() / 24)
    assert total["value"] == pytest.approx(open_["age_hours"].median() / 24)
    (fact,) = tables(wh, "application_fact")
    sales = Filters(EVERYTHING.start, EVERYTHING.end, departments=("Sales",))
    narrowed, _ = kpi("open_mismatches", wh, sales)
    in_sales = open_.join(fact.filter(pl.col("department") == "Sales").select("source", "application_id"),
                          on=["source", "application_id"], how="semi").height
    assert narrowed["n"] == in_sales + open_.filter(pl.col("application_id").is_null()).height


def test_quarantine_rate_and_freshness_read_the_load_log(demo_stack):
    _, _, _, wh, _ = demo_stack
    total, _ = kpi("quarantine_rate", wh)
    quarantine, log = tables(wh, "quarantine", "load_log")
    assert total["numerator"] == quarantine.height and total["denominator"] == log["rows_in"].sum()
    later = datetime.now(timezone.utc) + timedelta(hours=30)
    fresh, _ = kpi("source_freshness", wh, Filters(EVERYTHING.start, later.date() + timedelta(days=1)), as_of=later)
    last = log.group_by("source").agg(pl.col("finished_at").max())
    assert fresh["sources"] == last.height
    assert fresh["value"] == pytest.approx((later - last["finished_at"].min()).total_seconds() / 3600, abs=0.01)


def test_sync_error_resolution_time(tmp_path):
    errors = tmp_path / "errors"
    errors.mkdir()
    (errors / "errors.csv").write_text(
        "id,code,first_seen,resolved,state\n"
        "e1,429,2026-11-16T08:00:00Z,2026-11-16T10:00:00Z,resolved\n"   # 2 h
        "e2,500,2026-11-17T08:00:00Z,2026-11-18T08:00:00Z,resolved\n"   # 24 h
        "e3,403,2026-11-18T08:00:00Z,,open\n"                           # open, 5 days at as_of
        "e4,403,2026-11-19T08:00:00Z,,resolved\n")                      # resolved, no time
    mapping = {"objects": {"errors": {"files": ["errors.csv"], "sync_error": {
        "id": "id", "system": {"value": "merge"}, "code": "code", "first_seen_at": "first_seen", "resolved_at": "resolved",
        "status": "state"}}}}
    target = tmp_path / "wh" / "stagetruth.duckdb"
    settings = Settings(warehouse=target)
    ingest(SourceSettings("greenhouse", "greenhouse", kpi_export().write(tmp_path / "gh")), settings, loaded_at=AS_OF)
    ingest(SourceSettings("errors", "mapped", errors, mapping=mapping), settings, loaded_at=AS_OF)
    build(target, as_of=AS_OF)
    total, weekly = kpi("sync_error_resolution_time", target, Filters(date(2026, 11, 16), date(2026, 11, 22)))
    assert total["n"] == 4 and total["resolved"] == 2 and total["open_errors"] == 1 and total["resolved_without_time"] == 1
    assert total["value"] == pytest.approx(13.0) and total["p90"] == pytest.approx(2 + 0.9 * 22)
    assert total["oldest_open_hours"] == pytest.approx(5 * 24 - 8)
    assert weekly["n"].to_list() == [4]
