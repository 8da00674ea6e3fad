"""The Greenhouse connector against the real public sample payloads and against built exports."""

from __future__ import annotations

import json
import shutil
from datetime import datetime, timezone
from pathlib import Path

import duckdb
import polars as pl
import pytest

from pipelines import warehouse
from pipelines.config import Settings, SourceSettings
from pipelines.greenhouse import connector
from pipelines.steps import SourceFiles as GreenhouseSource, StepContext
from pipelines.load import ingest
from pipelines.stages import load_stage_map
from tests.builders import GreenhouseExport, utc
from tests.conftest import AS_OF, SHARED_FORMATS, kpi_export

GH = SHARED_FORMATS / "greenhouse"
DOCS = GH / "harvest_docs_examples"
needs_samples = pytest.mark.skipif(not DOCS.is_dir(), reason="shared/formats samples not beside the repo")


def context(root: Path, time_zone: str = "UTC") -> StepContext:
    return StepContext(con=warehouse.memory(), source=GreenhouseSource("greenhouse", root, time_zone),
                       stage_map=load_stage_map("greenhouse"))


def docs_export(tmp_path: Path) -> Path:
    """Lay the Harvest docs' list examples out as an export folder (read in place, not vendored)."""
    layout = {
        "candidates": "candidates__get_list_candidates.json",
        "applications": "applications__get_list_applications.json",
        "jobs": "jobs__get_list_jobs.json",
        "job_stages": "job_stages__get_list_job_stages.json",
        "scheduled_interviews": "scheduled_interviews__get_list_scheduled_interviews.json",
        "offers": "offers__get_list_offers.json",
    }
    for folder, name in layout.items():
        (tmp_path / folder).mkdir(parents=True)
        shutil.copy(DOCS / name, tmp_path / folder / "page-0001.json")
    (tmp_path / "activity_feed").mkdir()
    shutil.copy(DOCS / "activity_feed__the_activity_feed_object.json", tmp_path / "activity_feed" / "53883394.json")
    shutil.copy(GH / "fivetran_seed_tables" / "application_history.csv", tmp_path / "application_history.csv")
    return tmp_path


def no_bad_types(frame: pl.DataFrame) -> bool:
    return frame["_problems"].list.eval(pl.element().struct.field("rule") == "bad_type").list.any().not_().all()


@needs_samples
def test_docs_candidate_shape(tmp_path):
    ctx = context(docs_export(tmp_path))
    staged = connector.candidates(ctx)
    assert no_bad_types(staged)
    row = staged.filter(pl.col("source_id") == "53883394").row(0, named=True)
    assert row["full_name"] == "John Locke"
    assert row["emails"] == ["test@work.com"]
    assert row["phones"] == ["555-555-5555"]
    source = json.loads((DOCS / "candidates__get_list_candidates.json").read_text())[0]
    urls = [a["value"] for a in source["social_media_addresses"] + source["website_addresses"]]
    assert row["profile_url"] == urls[0]  # social profile first, else the first website
    assert row["created_at"] == datetime(2017, 8, 15, 3, 31, 46, 591000, tzinfo=timezone.utc)


@needs_samples
def test_docs_job_shape_takes_responsible_recruiter_and_fill_time(tmp_path):
    ctx = context(docs_export(tmp_path))
    row = connector.jobs(ctx).row(0, named=True)
    assert (row["department"], row["office"]) == ("Second-Level department", "New York")
    assert row["recruiter"] == "Stegosaurus Heels"  # the one marked responsible
    assert row["hiring_manager"] == "Kaylee Prime"
    assert row["openings"] == 4
    assert row["filled_at"] is None  # openings are still open, so the job is not filled


@needs_samples
def test_docs_application_offer_interview_and_feed(tmp_path):
    ctx = context(docs_export(tmp_path))
    ctx.loaded["candidate_record"] = connector.candidates(ctx)
    ctx.loaded["job"] = connector.jobs(ctx)
    apps = connector.applications(ctx)
    assert no_bad_types(apps)
    app = apps.row(0, named=True)
    assert app["channel"] and app["applied_at"].tzinfo is not None
    offers = connector.offers(ctx)
    offer = offers.row(0, named=True)
    assert offer["sent_at"] == datetime(2018, 6, 7, tzinfo=timezone.utc)  # a plain date: midnight in the source zone
    assert offer["outcome"] == "accepted" and offer["decided_at"] is not None
    interview = connector.interviews(ctx).row(0, named=True)
    assert interview["external_event_id"] == "event123"
    assert interview["start_at"] == datetime(2014, 3, 26, 22, 15, tzinfo=timezone.utc)
    messages = connector.messages(ctx)
    email = messages.filter(pl.col("channel") == "email").row(0, named=True)
    # the feed file is named by candidate id; boone.carlyle@ wrote to john.locke@ as a Greenhouse user
    assert (email["candidate_id"], email["direction"], email["automated"]) == ("53883394", "outbound", False)
    assert messages.filter(pl.col("channel") == "note").height == 1


@needs_samples
def test_fivetran_history_naive_times_read_in_source_zone(tmp_path):
    root = docs_export(tmp_path)
    utc_ctx, ny_ctx = context(root), context(root, "America/New_York")
    pick = lambda ctx: connector.stage_history(ctx).filter(pl.col("application_id") == "24063611003")["entered_at"][0]  # noqa: E731
    # the seed row reads "2021-01-30 12:00:00" with no offset
    assert pick(utc_ctx) == datetime(2021, 1, 30, 12, 0, tzinfo=timezone.utc)
    assert pick(ny_ctx) == datetime(2021, 1, 30, 17, 0, tzinfo=timezone.utc)  # EST = UTC-5
    assert set(connector.stage_history(utc_ctx)["stage"].to_list()) == {"hired"}


@needs_samples
def test_airbyte_sandbox_records_are_unwrapped(tmp_path):
    streams: dict[str, list[str]] = {}
    for line in (GH / "airbyte_expected_records_subset.jsonl").read_text().splitlines():
        streams.setdefault(json.loads(line)["stream"], []).append(line)
    for stream in ("applications", "candidates", "jobs", "job_stages", "offers"):
        (tmp_path / f"{stream}.jsonl").write_text("\n".join(streams[stream]) + "\n")
    ctx = context(tmp_path)
    assert connector.candidates(ctx).height == 1
    ctx.loaded["candidate_record"] = connector.candidates(ctx)
    ctx.loaded["job"] = connector.jobs(ctx)
    apps = connector.applications(ctx)
    assert no_bad_types(apps) and apps.height == 2
    rules = apps["_problems"].list.eval(pl.element().struct.field("rule")).explode().drop_nulls().to_list()
    # the sandbox holds a prospect with no job and an application in 'Preliminary Phone Screen'
    assert "prospect_without_job" in rules


@needs_samples
def test_docs_export_loads_end_to_end_and_counts_add_up(tmp_path):
    settings = Settings(warehouse=tmp_path / "wh" / "stagetruth.duckdb")
    result = ingest(SourceSettings("greenhouse", "greenhouse", docs_export(tmp_path / "x")), settings, loaded_at=AS_OF)
    for o in result.objects:
        assert o.rows_in == o.loaded + o.quarantined, o
    with duckdb.connect(str(warehouse.staging_path(settings.warehouse)), read_only=True) as con:
        quarantined = con.sql("SELECT count(*) FROM quarantine").fetchall()[0][0]
        raw = con.sql("SELECT count(*) FROM raw_record").fetchall()[0][0]
    assert quarantined == result.totals[2]
    assert raw > 0


def test_built_export_loads_clean(tmp_path):
    settings = Settings(warehouse=tmp_path / "wh" / "stagetruth.duckdb")
    result = ingest(SourceSettings("greenhouse", "greenhouse", kpi_export().write(tmp_path / "gh")), settings, loaded_at=AS_OF)
    assert [o.quarantined for o in result.objects] == [0] * len(result.objects)
    assert {o.obj: o.loaded for o in result.objects}["applications"] == 11


def _load(tmp_path: Path, gh: GreenhouseExport, mutate=None):
    root = gh.write(tmp_path / "gh")
    if mutate:
        mutate(root)
    settings = Settings(warehouse=tmp_path / "wh" / "stagetruth.duckdb")
    result = ingest(SourceSettings("greenhouse", "greenhouse", root), settings, loaded_at=AS_OF)
    with duckdb.connect(str(warehouse.staging_path(settings.warehouse)), read_only=True) as con:
        q = con.sql("SELECT object, file, record_id, rule, detail FROM quarantine ORDER BY object, record_id").pl()
    return result, q


def test_truncated_and_empty_files_are_quarantined_by_name(tmp_path):
    def damage(root: Path) -> None:
        page = root / "offers" / "page-0001.json"
        page.write_text(page.read_text()[:150])
        (root / "candidates" / "page-0002.json").write_text("")

    result, q = _load(tmp_path, kpi_export(), damage)
    bad = q.filter(pl.col("rule") == "malformed_file")
    assert set(bad["file"].map_elements(lambda f: Path(f).name, return_dtype=pl.String)) == {"page-0001.json", "page-0002.json"}
    assert any("empty" in d for d in bad["detail"])
    offers = {o.obj: o for o in result.objects}["offers"]
    assert (offers.rows_in, offers.loaded, offers.quarantined, offers.status) == (1, 0, 1, "error")
    assert "could not be read" in offers.message


def test_bad_values_unmapped_stages_and_orphans(tmp_path):
    gh = kpi_export()
    gh.applications[0]["applied_at"] = "2026-02-30T10:00:00Z"  # impossible date
    gh.applications[1]["current_stage"] = {"id": 99, "name": "Culture Add Chat"}
    gh.candidate(None, "No", "Id", "noid@mail.example")
    gh.application(1999, 424242, 1, utc(2026, 11, 10), (11, "Application Review"))
    gh.move(1999, utc(2026, 11, 10), 11)
    gh.move(1002, utc(2026, 11, 11), 777)  # a stage id no job has
    result, q = _load(tmp_path, gh)
    rules = {(r["object"], r["record_id"]): r["rule"] for r in q.iter_rows(named=True)}
    assert rules[("applications", "1001")] == "bad_type"
    assert "applied_at = '2026-02-30T10:00:00Z' is not a valid timestamp" in q.filter(pl.col("record_id") == "1001")["detail"][0]
    assert rules[("applications", "1002")] == "unmapped_stage"
    assert rules[("applications", "1999")] == "unknown_candidate"
    assert ("candidates", None) in rules and rules[("candidates", None)] == "required"
    history_rules = set(q.filter(pl.col("object") == "application_history")["rule"])
    assert {"unknown_application", "unknown_stage_id"} <= history_rules
    for o in result.objects:
        assert o.rows_in == o.loaded + o.quarantined


def test_future_and_backwards_times_are_quarantined(tmp_path):
    gh = kpi_export()
    gh.email(104, 9999, utc(2026, 11, 26), "sam.lee@acme.example", "di@mail.example", "Sam Lee")  # after as_of + skew
    gh.move(1007, utc(2026, 11, 1), None, "hired")  # hired before gus reached interviewing (2 Nov)
    _, q = _load(tmp_path, gh)
    assert q.filter(pl.col("record_id") == "email:9999")["rule"].to_list() == ["not_in_future"]
    backwards = q.filter((pl.col("object") == "application_history") & (pl.col("rule") == "stage_order"))
    assert backwards["record_id"].to_list() == ["1007|2026-11-01T00:00:00|hired"]
