"""Identity through the real pipeline: decisions win over rebuilds, undo restores, the CLI and the page read it."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import polars as pl
import pytest
from streamlit.testing.v1 import AppTest
from typer.testing import CliRunner

from pipelines import warehouse
from pipelines.build import build
from pipelines.decisions import entries, undo
from pipelines.identity import decisions as idd
from tests.builders import GreenhouseExport
from tests.conftest import AS_OF, build_warehouse

APP = str(Path(__file__).resolve().parents[2] / "app.py")


def export() -> GreenhouseExport:
    gh = GreenhouseExport()
    gh.candidate(201, "Sara", "Kim", "sara.kim@mail.example", "+1 212 555 0101")
    gh.candidate(202, "SARA", "Kim", " Sara.Kim@Mail.Example ", "(212) 555-0101")     # same email: one person
    gh.candidate(203, "Maria", "Lopez", "maria@mail.example", "+1 212 555 0105")
    gh.candidate(204, "Carlos", "Lopez", "carlos@mail.example", "(212) 555-0105")     # relative on the same phone
    gh.candidate(205, "Jim", "Brown", "jim@mail.example", "212.555.0107")
    gh.candidate(206, "James", "Brown", "james.b@work.example", "+12125550107")       # nickname + same phone
    return gh


@pytest.fixture()
def wh(tmp_path, monkeypatch) -> Path:
    monkeypatch.setenv("STAGETRUTH_DECISIONS", str(tmp_path / "decisions.duckdb"))
    return build_warehouse(export().write(tmp_path / "export"), tmp_path / "wh")


def links(path: Path) -> dict[str, dict]:
    with warehouse.read_only(path) as con:
        rows = warehouse.query(con, "SELECT * FROM identity_link").to_dicts()
    return {r["source_id"]: r for r in rows}


def ref(source_id: str) -> str:
    return idd.record_ref(f"greenhouse:{source_id}")


def test_rules_resolve_the_built_warehouse(wh):
    got = links(wh)
    assert got["201"]["person_id"] == got["202"]["person_id"] and got["201"]["rule"] == "email"
    assert got["205"]["person_id"] == got["206"]["person_id"] and got["205"]["rule"] == "phone_name"
    assert got["203"]["person_id"] != got["204"]["person_id"]
    with warehouse.read_only(wh) as con:
        person = warehouse.query(con, "SELECT count(*) AS n FROM person").item()
        rate = warehouse.query(con, "SELECT (count(*) - count(DISTINCT person_id)) / count(*) AS r FROM identity_link").item()
    assert person == 4 and rate == pytest.approx(2 / 6)


def test_decisions_win_over_rebuilds_and_undo_restores(wh):
    no = idd.not_same_person(ref("201"), ref("202"), actor="ops:1", reason="different birth dates on the CVs")
    yes = idd.same_person(ref("203"), ref("204"), actor="ops:1", reason="checked by phone")
    build(wh, as_of=AS_OF)
    got = links(wh)
    assert got["201"]["person_id"] != got["202"]["person_id"]
    assert got["203"]["person_id"] == got["204"]["person_id"] and got["203"]["band"] == "decided"
    build(wh, as_of=AS_OF)  # and again: decisions stand until undone
    assert links(wh)["203"]["person_id"] == links(wh)["204"]["person_id"]
    undo(no, actor="ops:2", reason="mistake")
    undo(yes, actor="ops:2")
    build(wh, as_of=AS_OF)
    got = links(wh)
    assert got["201"]["person_id"] == got["202"]["person_id"]
    assert got["203"]["person_id"] != got["204"]["person_id"]
    trail = entries("identity.")
    assert trail.height == 4 and not trail["subject_id"].str.contains("@").any()  # ids only, no addresses


def test_a_split_keeps_records_apart(wh):
    person = links(wh)["205"]["person_id"]
    idd.split(person, [ref("206")], [ref("205")], actor="ops:1", reason="two people")
    build(wh, as_of=AS_OF)
    got = links(wh)
    assert got["205"]["person_id"] != got["206"]["person_id"]
    with warehouse.read_only(wh) as con:
        pairs = warehouse.query(con, "SELECT status FROM identity_pair WHERE rule = 'phone_name' AND band = 'auto'")
    assert pairs["status"].to_list() == ["rejected"]


def test_cli_prints_every_record(wh, monkeypatch):
    from pipelines.cli import app

    monkeypatch.setenv("STAGETRUTH_WAREHOUSE", str(wh))
    result = CliRunner().invoke(app, ["duplicates", "--format", "csv"])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert len(rows) == 6 and {"person_id", "source", "source_id", "band", "rule", "match_probability"} <= set(rows[0])
    as_json = json.loads(CliRunner().invoke(app, ["duplicates", "--format", "json", "--only-duplicates"]).stdout)
    assert sorted(r["source_id"] for r in as_json) == ["201", "202", "205", "206"]
    bad = CliRunner().invoke(app, ["duplicates", "--format", "xml"])
    assert bad.exit_code == 2 and "csv or json" in bad.output


def test_duplicates_page_shows_clusters_and_writes_decisions(wh, monkeypatch):
    monkeypatch.setenv("STAGETRUTH_WAREHOUSE", str(wh))
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    at.switch_page("pages/duplicates.py").run()
    assert not at.exception, at.exception
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Candidate records"] == "6" and metrics["Persons"] == "4" and metrics["Duplicate record rate"] == "33.3%"
    people = at.selectbox(key="dup_person").options
    assert len(people) == 2
    at.selectbox(key="dup_person").select(links(wh)["201"]["person_id"]).run()
    assert not at.exception, at.exception
    at.multiselect(key="dup_refs").select(ref("201")).select(ref("202")).run()
    at.text_input(key="dup_reason").input("two people, one inbox").run()
    at.button(key="dup_reject").click().run()
    assert not at.exception, at.exception
    assert any("not the same person" in s.value for s in at.success)
    decided = entries("identity.not_same_person")
    assert decided.height == 1 and decided["reason"][0] == "two people, one inbox"
    at.multiselect(key="dup_refs").set_value([ref("201")]).run()
    at.button(key="dup_confirm").click().run()
    assert any("exactly two" in e.value for e in at.error)
    at.radio(key="dup_order").set_value("score").run()
    at.multiselect(key="dup_sources").select("greenhouse").run()
    assert not at.exception, at.exception
    assert len(at.get("download_button")) == 1
    assert pl.DataFrame(at.dataframe[0].value).height >= 1


def test_a_wrong_identity_setting_stops_the_build_with_one_clear_message(wh, tmp_path, monkeypatch):
    from pipelines.cli import app

    settings = tmp_path / "stagetruth.toml"
    settings.write_text('[identity]\nauto_threshold = 0.4\nreview_threshold = 0.8\nrules = ["email", "birthday"]\n')
    monkeypatch.setenv("STAGETRUTH_WAREHOUSE", str(wh))
    monkeypatch.setenv("STAGETRUTH_SETTINGS", str(settings))
    before = wh.stat().st_mtime_ns
    result = CliRunner().invoke(app, ["build", "--as-of", "2026-11-23"])
    assert result.exit_code == 2, result.output
    assert "review_threshold" in result.output and "birthday" in result.output and "Traceback" not in result.output
    assert wh.stat().st_mtime_ns == before  # nothing published
