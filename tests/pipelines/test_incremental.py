"""Loads are incremental and idempotent: unchanged files are skipped, records upsert by id."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import polars as pl
import pytest

from pipelines import warehouse
from pipelines.config import Settings, SourceSettings
from pipelines.load import ingest
from tests.builders import GreenhouseExport, iso, utc
from tests.conftest import AS_OF, kpi_export

TABLES = ("candidate_record", "job", "job_stage", "application", "stage_event", "interview", "offer", "message", "quarantine")


@pytest.fixture()
def setup(tmp_path: Path):
    root = kpi_export().write(tmp_path / "gh")
    settings = Settings(warehouse=tmp_path / "wh" / "stagetruth.duckdb")
    source = SourceSettings("greenhouse", "greenhouse", root)
    return root, settings, source


def snapshot(settings: Settings) -> dict[str, pl.DataFrame]:
    with duckdb.connect(str(warehouse.staging_path(settings.warehouse)), read_only=True) as con:
        return {t: con.sql(f'SELECT * EXCLUDE (load_id) FROM "{t}" ORDER BY ALL').pl() for t in TABLES if t != "quarantine"} | {
            "quarantine": con.sql("SELECT source, object, file, record_id, rule FROM quarantine ORDER BY ALL").pl()
        }


def test_loading_the_same_input_twice_changes_nothing(setup):
    root, settings, source = setup
    first = ingest(source, settings, loaded_at=AS_OF)
    before = snapshot(settings)
    second = ingest(source, settings, loaded_at=AS_OF)
    assert first.full and not second.full
    assert all(o.files == 0 and o.rows_in == 0 and o.files_skipped >= 1 for o in second.objects)
    after = snapshot(settings)
    for table in TABLES:
        assert before[table].equals(after[table]), table


def test_a_new_page_is_read_alone_and_added(setup):
    root, settings, source = setup
    ingest(source, settings, loaded_at=AS_OF)
    extra = GreenhouseExport()
    extra.candidate(150, "Lou", "New", "lou@mail.example")
    extra.application(1050, 150, 1, utc(2026, 11, 18, 9), (11, "Application Review"))
    extra.move(1050, utc(2026, 11, 18, 9), 11)
    (root / "candidates" / "page-0002.json").write_text(json.dumps(extra.candidates))
    (root / "applications" / "page-0002.json").write_text(json.dumps(extra.applications))
    (root / "application_history" / "application_history-2.csv").write_text(
        "application_id,updated_at,_fivetran_synced,new_stage_id,new_status\n" + ",".join(map(str, extra.history[0])) + "\n"
    )
    result = {o.obj: o for o in ingest(source, settings, loaded_at=AS_OF).objects}
    assert (result["candidates"].files, result["candidates"].files_skipped, result["candidates"].loaded) == (1, 1, 1)
    assert (result["applications"].loaded, result["application_history"].loaded) == (1, 1)
    assert result["jobs"].files == 0
    staged = snapshot(settings)
    assert staged["application"].height == 12 and staged["candidate_record"].height == 12


def test_a_changed_record_replaces_the_stored_one_unless_it_is_older(setup):
    root, settings, source = setup
    ingest(source, settings, loaded_at=AS_OF)
    page = root / "candidates" / "page-0001.json"
    people = json.loads(page.read_text())
    people[0]["email_addresses"][0]["value"] = "ann.new@mail.example"
    people[0]["updated_at"] = iso(utc(2026, 11, 20))
    people[1]["email_addresses"][0]["value"] = "stale@mail.example"
    people[1]["updated_at"] = iso(utc(2026, 1, 1))  # older than the stored copy (1 Sep): must not win
    page.write_text(json.dumps(people))
    ingest(source, settings, loaded_at=AS_OF)
    emails = dict(snapshot(settings)["candidate_record"].select("source_id", "emails").iter_rows())
    assert emails["101"] == ["ann.new@mail.example"]
    assert emails["102"] == ["bo@mail.example"]


def test_fixing_a_file_clears_its_quarantine(setup):
    root, settings, source = setup
    page = root / "applications" / "page-0001.json"
    apps = json.loads(page.read_text())
    good = apps[0]["applied_at"]
    apps[0]["applied_at"] = "not a date"
    page.write_text(json.dumps(apps))
    ingest(source, settings, loaded_at=AS_OF)
    assert snapshot(settings)["quarantine"].filter(pl.col("record_id") == "1001")["rule"].to_list() == ["bad_type"]
    apps[0]["applied_at"] = good
    page.write_text(json.dumps(apps))
    ingest(source, settings, loaded_at=AS_OF)
    staged = snapshot(settings)
    assert staged["quarantine"].filter(pl.col("record_id") == "1001").height == 0
    assert "1001" in staged["application"]["source_id"].to_list()


def test_a_changed_mapping_reloads_the_source_whole(setup, monkeypatch, tmp_path):
    root, settings, source = setup
    ingest(source, settings, loaded_at=AS_OF)
    again = ingest(SourceSettings("greenhouse", "greenhouse", root, time_zone="Europe/Berlin"), settings, loaded_at=AS_OF)
    assert again.full
    assert all(o.files_skipped == 0 for o in again.objects)
    # naive history times are now read in Berlin: 09:00 there is 08:00 UTC in November
    events = snapshot(settings)["stage_event"]
    assert events.filter(pl.col("application_id") == "1001")["entered_at"].min() == utc(2026, 11, 9, 8)


def test_every_load_is_logged_and_adds_up(setup):
    root, settings, source = setup
    ingest(source, settings, loaded_at=AS_OF)
    ingest(source, settings, loaded_at=AS_OF)
    with duckdb.connect(str(warehouse.staging_path(settings.warehouse)), read_only=True) as con:
        log = con.sql("SELECT * FROM load_log").pl()
    assert log["load_id"].n_unique() == 2
    assert (log["rows_in"] == log["loaded"] + log["quarantined"]).all()


def test_a_load_read_in_batches_stages_what_a_whole_read_stages(tmp_path, monkeypatch):
    """Objects read a few pages at a time end as when read at once, and the counts still add up."""
    from pipelines import load as load_module
    from pipelines.demo import generate

    root = tmp_path / "demo"
    generate(root, candidates=1200, seed=5, as_of=AS_OF)
    source = SourceSettings("greenhouse", "greenhouse", root)
    whole_settings = Settings(warehouse=tmp_path / "whole" / "stagetruth.duckdb")
    whole = ingest(source, whole_settings, loaded_at=AS_OF)
    monkeypatch.setattr(load_module, "BATCH_BYTES", 1)  # one file per batch
    batched_settings = Settings(warehouse=tmp_path / "batched" / "stagetruth.duckdb")
    batched = ingest(source, batched_settings, loaded_at=AS_OF)
    pages = {o.obj: o.files for o in whole.objects}
    assert pages["candidates"] >= 3 and pages["activity_feed"] >= 3  # several batches were read
    counts = lambda result: [(o.obj, o.files, o.rows_in, o.loaded, o.quarantined) for o in result.objects]  # noqa: E731
    assert counts(batched) == counts(whole)
    expected, got = snapshot(whole_settings), snapshot(batched_settings)
    for table in TABLES:
        assert got[table].equals(expected[table]), table
    with duckdb.connect(str(warehouse.staging_path(batched_settings.warehouse)), read_only=True) as con:
        raw = con.sql("SELECT count(*), count(DISTINCT (file, record_no)) FROM raw_record").fetchall()[0]
    assert raw[0] == raw[1] > 0
