"""The stagetruth command: help everywhere, JSON for scripts, clear errors instead of tracebacks."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from pipelines.cli import app

runner = CliRunner()
COMMANDS = sorted(c.name or c.callback.__name__ for c in app.registered_commands)


def test_the_core_and_topic_commands_are_registered():
    assert {"demo", "ingest", "build", "kpis", "dashboard", "erase", "purge", "impact", "scorecard", "sql"} <= set(COMMANDS)


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help(command):
    result = runner.invoke(app, [command, "--help"])
    assert result.exit_code == 0
    assert "Usage" in result.output and len(result.output.splitlines()) > 5


def test_kpis_json_for_a_week(kpi_warehouse, monkeypatch):
    monkeypatch.setenv("STAGETRUTH_WAREHOUSE", str(kpi_warehouse))
    result = runner.invoke(app, ["kpis", "--week", "2026-W47", "--format", "json"])
    assert result.exit_code == 0, result.output
    rows = {r["kpi"]: r for r in json.loads(result.stdout)}
    assert rows["time_to_first_response"]["value"] == pytest.approx(10.0)  # ed, 10 h
    assert rows["offer_acceptance_rate"]["value"] == pytest.approx(2 / 3)
    assert rows["time_to_hire"]["n"] == 2
    assert {r["start"] for r in rows.values()} == {"2026-11-16"}


def test_kpis_table_with_a_filter(kpi_warehouse, monkeypatch):
    monkeypatch.setenv("STAGETRUTH_WAREHOUSE", str(kpi_warehouse))
    result = runner.invoke(app, ["kpis", "--start", "2026-11-02", "--end", "2026-11-22", "--department", "Sales"])
    assert result.exit_code == 0, result.output
    assert "Time to first response" in result.stdout and "10.0 hours" in result.stdout


def test_bad_week_and_missing_warehouse_are_clear_errors(kpi_warehouse, monkeypatch, tmp_path):
    monkeypatch.setenv("STAGETRUTH_WAREHOUSE", str(kpi_warehouse))
    bad = runner.invoke(app, ["kpis", "--week", "2026-47"])
    assert bad.exit_code == 2 and "ISO week" in bad.output
    monkeypatch.setenv("STAGETRUTH_WAREHOUSE", str(tmp_path / "none.duckdb"))
    missing = runner.invoke(app, ["kpis"])
    assert missing.exit_code == 2
    assert "stagetruth demo" in missing.output and "Traceback" not in missing.output


def test_ingest_of_a_missing_folder_is_a_clear_error(monkeypatch, tmp_path):
    monkeypatch.setenv("STAGETRUTH_WAREHOUSE", str(tmp_path / "wh.duckdb"))
    result = runner.invoke(app, ["ingest", "greenhouse", "--path", str(tmp_path / "nowhere")])
    assert result.exit_code == 2
    assert "does not exist" in result.output


def test_erase_and_purge_say_what_is_wrong(tmp_path, monkeypatch):
    monkeypatch.setenv("STAGETRUTH_WAREHOUSE", str(tmp_path / "none.duckdb"))
    monkeypatch.setenv("STAGETRUTH_DECISIONS", str(tmp_path / "decisions.duckdb"))
    result = runner.invoke(app, ["erase"])
    assert result.exit_code == 2 and "exactly one of --email or --person" in result.output
    result = runner.invoke(app, ["erase", "--email", "ann@mail.example"])
    assert result.exit_code == 2 and "nothing ingested yet" in result.output
    result = runner.invoke(app, ["purge", "--older-than", "soon"])
    assert result.exit_code == 2 and "730d" in result.output


def test_kpis_by_client_job_and_business_days(velocity_warehouse, monkeypatch):
    monkeypatch.setenv("STAGETRUTH_WAREHOUSE", str(velocity_warehouse))
    args = ["kpis", "--start", "2026-11-02", "--end", "2026-11-22", "--format", "json"]
    rows = {r["kpi"]: r for r in json.loads(runner.invoke(app, args + ["--business-days"]).stdout)}
    assert rows["interview_scheduling_cycle"]["value"] == pytest.approx(15.0)  # see tests/metrics/test_velocity_kpis.py
    rows = {r["kpi"]: r for r in json.loads(runner.invoke(app, args + ["--job", "greenhouse:3"]).stdout)}
    assert (rows["time_to_fill"]["value"], rows["time_to_fill"]["n"]) == (pytest.approx(10.0), 1)
    rows = {r["kpi"]: r for r in json.loads(runner.invoke(app, args + ["--client", "Nobody Inc"]).stdout)}
    assert rows["time_to_hire"]["n"] == 0
