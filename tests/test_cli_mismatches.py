"""`stagetruth mismatches`: CSV and JSON of the open (or all) mismatches, clear errors."""

from __future__ import annotations

import csv
import io
import json

from typer.testing import CliRunner

from pipelines.cli import app

runner = CliRunner()


def test_help():
    result = runner.invoke(app, ["mismatches", "--help"])
    assert result.exit_code == 0 and "--all" in result.output and "csv" in result.output


def test_csv_and_json_of_the_open_mismatches(demo_stack, monkeypatch):
    _, manifest, _, wh, tmp = demo_stack
    monkeypatch.setenv("STAGETRUTH_WAREHOUSE", str(wh))
    monkeypatch.setenv("STAGETRUTH_DECISIONS", str(tmp / "decisions.duckdb"))
    as_csv = runner.invoke(app, ["mismatches", "--format", "csv"])
    assert as_csv.exit_code == 0, as_csv.output
    rows = list(csv.DictReader(io.StringIO(as_csv.stdout)))
    assert len(rows) == 10 and {r["status"] for r in rows} == {"open"}
    assert all("|" in r["systems"] and r["mismatch_id"] for r in rows)
    as_json = runner.invoke(app, ["mismatches", "--format", "json", "--all"])
    assert as_json.exit_code == 0, as_json.output
    items = json.loads(as_json.stdout)
    assert {i["mismatch_id"] for i in items} == {r["mismatch_id"] for r in rows}
    first = items[0]
    assert isinstance(first["systems"], list) and {"system", "said", "at", "record"} <= set(first["evidence"][0])


def test_bad_format_and_missing_warehouse_are_clear(monkeypatch, tmp_path):
    bad = runner.invoke(app, ["mismatches", "--format", "xml"])
    assert bad.exit_code == 2 and "csv or json" in bad.output
    monkeypatch.setenv("STAGETRUTH_WAREHOUSE", str(tmp_path / "none.duckdb"))
    missing = runner.invoke(app, ["mismatches"])
    assert missing.exit_code == 2 and "stagetruth demo" in missing.output and "Traceback" not in missing.output
