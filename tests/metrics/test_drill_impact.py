"""Drill-down, cuts, business time, settings and integration impact."""

from __future__ import annotations

import json
from datetime import date

import numpy as np
import pytest
from typer.testing import CliRunner

from metrics import drill, impact, sql
from metrics.catalog import DefinitionError, load_definitions
from metrics.compute import Filters, run
from pipelines import warehouse
from tests.conftest import AS_OF

RANGE = Filters(date(2026, 11, 2), date(2026, 11, 22))
W46, W47 = date(2026, 11, 9), date(2026, 11, 16)


def test_drill_rows_add_up_to_every_figure(velocity_warehouse):
    """For every KPI and week: the drilled rows are exactly the figure's n, numerator and denominator."""
    kpis = load_definitions().values()
    assert all(drill.drillable(k) for k in kpis if k.group in ("velocity", "conversion"))
    for kpi in filter(drill.drillable, kpis):
        result = run(kpi, RANGE, as_of=AS_OF, path=velocity_warehouse)
        for figure in result.iter_rows(named=True):
            rows = drill.rows(kpi, RANGE, as_of=AS_OF, week=figure["week"], path=velocity_warehouse)
            assert rows.height == figure["n"], (kpi.name, figure)
            for part in ("numerator", "denominator"):
                if part in figure:
                    drilled = drill.rows(kpi, RANGE, as_of=AS_OF, week=figure["week"], part=part, path=velocity_warehouse)
                    assert drilled.height == figure[part], (kpi.name, part, figure)
            if "duration" in rows.columns and figure["value"] is not None and not kpi.is_ratio:
                assert float(np.median(rows["duration"].drop_nulls().to_numpy())) == pytest.approx(figure["value"])


def test_drill_rows_carry_dimensions_not_people(velocity_warehouse):
    rows = drill.rows(load_definitions()["time_to_hire"], RANGE, as_of=AS_OF, path=velocity_warehouse)
    assert {"application_key", "department", "recruiter", "channel", "job_title"} <= set(rows.columns)
    assert not {"first_name", "last_name", "emails", "phones", "full_name"} & set(rows.columns)
    jobs = drill.rows(load_definitions()["time_to_fill"], RANGE, as_of=AS_OF, week=W46, path=velocity_warehouse)
    assert list(jobs["job_key"]) == ["greenhouse:3"] and list(jobs["job_title"]) == ["Recruiter"]


def test_figures_by_dimension_and_stale_by_owner(velocity_warehouse):
    split = drill.by_dimension(load_definitions()["time_in_screened"], RANGE, "department", as_of=AS_OF, path=velocity_warehouse)
    whole = {r["group"]: r for r in drill.totals_by(split).iter_rows(named=True)}
    # Engineering stays: ann 2, di 9, bo 4, cy 6 -> median 5; Sales: ed 2
    assert (whole["Engineering"]["value"], whole["Engineering"]["n"]) == (pytest.approx(5.0), 4)
    assert (whole["Sales"]["value"], whole["Sales"]["n"]) == (pytest.approx(2.0), 1)
    rates = drill.totals_by(drill.by_dimension(load_definitions()["submission_to_interview_rate"], RANGE, "source/channel",
                                               as_of=AS_OF, path=velocity_warehouse))
    assert {r["group"]: (r["numerator"], r["denominator"]) for r in rates.iter_rows(named=True)} == {
        "LinkedIn": (2, 3), "Referral": (1, 1)}
    with pytest.raises(ValueError, match="per job"):
        drill.by_dimension(load_definitions()["time_to_fill"], RANGE, "source/channel", as_of=AS_OF, path=velocity_warehouse)
    stale = drill.stale_breakdown(load_definitions()["stale_applications"], RANGE, as_of=AS_OF, path=velocity_warehouse)
    assert stale.select("current_stage", "recruiter", "open", "stale").rows() == [
        ("applied", "Sam Lee", 2, 1), ("submitted", "Sam Lee", 1, 0), ("interviewing", "Sam Lee", 1, 0)]
    steps = drill.funnel(RANGE, path=velocity_warehouse)
    assert steps["reached"].to_list() == [6, 4, 4, 3, 2, 1]  # 2004 (di) applied before the range
    assert sorted(drill.funnel_rows(RANGE, "offer", path=velocity_warehouse)["application_key"]) == [
        "greenhouse:2001", "greenhouse:2005"]


def test_drill_refuses_what_it_cannot_answer():
    with pytest.raises(ValueError, match="cohort"):
        sql.drill("SELECT 1 AS week, 2 AS value, 3 AS n FROM application_fact")
    with pytest.raises(ValueError, match="part"):
        sql.drill(load_definitions()["time_to_hire"].sql, None, "everything")
    text = sql.drill(load_definitions()["time_to_hire"].sql, date(2026, 11, 16), "numerator")
    assert "CAST('2026-11-16' AS DATE)" in text and "in_numerator" in text


def test_cuts_narrow_each_table_by_the_columns_it_has():
    tables = {"application_fact": {"channel", "client"}, "job_fact": {"client"}}
    text, unapplied = sql.narrow(load_definitions()["time_to_fill"].sql, {"channel": ["Referral"], "client": ["x'y"]}, tables)
    assert unapplied == ["channel"] and "'x''y'" in text
    text, unapplied = sql.narrow(load_definitions()["time_to_hire"].sql, {"channel": ["Referral"]}, tables)
    assert unapplied == [] and "'Referral'" in text


@pytest.mark.parametrize("start, end, hours", [
    ("2026-11-20 12:00", "2026-11-23 12:00", 24.0),   # Friday noon -> Monday noon: 12 + 12
    ("2026-11-21 08:00", "2026-11-22 20:00", 0.0),    # inside one weekend
    ("2026-11-16 00:00", "2026-11-23 00:00", 120.0),  # a whole week: five working days
    ("2026-11-18 10:00", "2026-11-18 12:30", 2.5),    # within one weekday
    ("2026-11-14 12:00", "2026-11-30 09:00", 249.0),  # Saturday -> two weeks later, Monday 09:00: 10 days + 9 h
])
def test_business_time_leaves_out_weekends(start, end, hours):
    query = sql.business_time(f"SELECT (epoch(TIMESTAMPTZ '{end}+00') - epoch(TIMESTAMPTZ '{start}+00')) / 3600.0 AS h")
    with warehouse.memory() as con:
        assert warehouse.query(con, query)["h"][0] == pytest.approx(hours)


def test_configured_targets_win_and_unknown_names_are_errors(tmp_path, monkeypatch):
    settings = tmp_path / "s.toml"
    settings.write_text("[kpis.targets]\ntime_to_fill = 35\n")
    monkeypatch.setenv("STAGETRUTH_SETTINGS", str(settings))
    assert load_definitions()["time_to_fill"].target == 35
    settings.write_text("[kpis.targets]\ntime_to_nothing = 3\n[benchmarks.time_to_fill]\nlabel = 'x'\n")
    with pytest.raises(DefinitionError) as caught:
        load_definitions()
    assert "benchmarks.time_to_fill" in str(caught.value)
    settings.write_text("[kpis.targets]\ntime_to_nothing = 3\n")
    with pytest.raises(DefinitionError, match="time_to_nothing: no KPI of that name"):
        load_definitions()


def test_bootstrap_is_seeded_and_exact_on_constant_samples():
    assert impact.bootstrap_difference(np.array([1.0, 1, 1]), np.array([3.0, 3, 3])) == (2.0, 2.0, 2.0)
    rng = np.random.default_rng(0)
    before, after = rng.exponential(10, 300), rng.exponential(10, 300) + 5
    first = impact.bootstrap_difference(before, after, seed=3)
    assert first == impact.bootstrap_difference(before, after, seed=3)
    diff, low, high = first
    assert low < diff < high and low > 0  # a 5-unit shift on 300 rows is clear


def test_impact_compares_each_kpis_own_cohort_rows(velocity_warehouse):
    found = {c.kpi: c for c in impact.compare(W46, as_of=AS_OF, path=velocity_warehouse, weeks=1, resamples=500)}
    assert "stale_applications" not in found and "offer_acceptance_rate" not in found  # ratios are not durations
    screened = found["time_in_screened"]
    # before = W45 stays [2, 2, 9] -> median 2; after = W46 stays [4, 6] -> median 5
    assert (screened.n_before, screened.n_after) == (3, 2)
    assert (screened.median_before, screened.median_after, screened.difference) == (2.0, 5.0, 3.0)
    first = found["time_to_first_response"]
    # W45 applications: ann 4 h (email), ed 24 h, bo 48 h, cy 48 h (stage changes), fay never -> median 36; none in W46
    assert (first.n_before, first.median_before, first.n_after, first.difference) == (4, 36.0, 0, None)
    with pytest.raises(ValueError, match="after the data's last day"):
        impact.compare(date(2026, 12, 1), as_of=AS_OF, path=velocity_warehouse)


def test_impact_command(velocity_warehouse, monkeypatch, tmp_path):
    from pipelines.cli import app

    settings = tmp_path / "s.toml"
    settings.write_text('[sources.calendar]\nkind = "calendar"\npath = "x"\n[kpis.go_live]\ncalendar = "2026-11-09"\n')
    monkeypatch.setenv("STAGETRUTH_SETTINGS", str(settings))
    monkeypatch.setenv("STAGETRUTH_WAREHOUSE", str(velocity_warehouse))
    runner = CliRunner()
    result = runner.invoke(app, ["impact", "--source", "calendar", "--weeks", "1", "--resamples", "200", "--format", "json"])
    assert result.exit_code == 0, result.output
    rows = {r["kpi"]: r for r in json.loads(result.stdout)}
    assert rows["time_in_screened"]["difference"] == 3.0 and rows["time_in_screened"]["go_live"] == "2026-11-09"
    table = runner.invoke(app, ["impact", "--source", "calendar", "--go-live", "2026-11-09", "--weeks", "1", "--resamples", "200"])
    assert table.exit_code == 0 and "Time in screened" in table.stdout
    for args, message in ((["--source", "nope", "--go-live", "2026-11-09"], "no source named 'nope'"),
                          (["--source", "calendar", "--go-live", "9 Nov"], "not a date"),
                          (["--source", "calendar", "--go-live", "2027-01-01"], "after the data's last day")):
        bad = runner.invoke(app, ["impact", *args])
        assert bad.exit_code == 2 and message in bad.output and "Traceback" not in bad.output, bad.output


def test_target_overrides_change_the_definitions_version(tmp_path, monkeypatch):
    from metrics.catalog import definitions_version

    settings = tmp_path / "s.toml"
    settings.write_text("[kpis]\nstale_after_days = 14\n")
    monkeypatch.setenv("STAGETRUTH_SETTINGS", str(settings))
    before = definitions_version()
    settings.write_text("[kpis.targets]\ntime_to_fill = 35\n")
    assert definitions_version() != before


def test_kpi_settings_errors_name_the_entry(tmp_path):
    from metrics.kpi_settings import KpiSettingsError, load

    bad = tmp_path / "s.toml"
    bad.write_text('[kpis]\nstale_after_days = "two weeks"\n[kpis.go_live]\ncalendar = "last spring"\n')
    with pytest.raises(KpiSettingsError) as caught:
        load(bad)
    assert "stale_after_days" in str(caught.value) and "[kpis.go_live] calendar" in str(caught.value)
    good = tmp_path / "g.toml"
    good.write_text('[kpis]\nstale_after_days = 7\n[kpis.go_live]\ncalendar = 2026-08-03\n')
    loaded = load(good)
    assert (loaded.stale_after_days, loaded.go_live["calendar"]) == (7.0, date(2026, 8, 3))
