"""Velocity and Conversion under AppTest, on the hand-built velocity warehouse (tests/velocity_data.py)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[2]
APP = str(ROOT / "app.py")


@pytest.fixture()
def app(velocity_warehouse, monkeypatch, tmp_path) -> AppTest:
    monkeypatch.setenv("STAGETRUTH_WAREHOUSE", str(velocity_warehouse))
    settings = tmp_path / "stagetruth.toml"
    settings.write_text('[sources.calendar]\nkind = "calendar"\npath = "nowhere"\n'
                        '[kpis.go_live]\ncalendar = "2026-11-09"\n'
                        '[benchmarks.time_to_fill]\nvalue = 42\nlabel = "widely quoted average"\n')
    monkeypatch.setenv("STAGETRUTH_SETTINGS", str(settings))
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    assert not at.exception, at.exception
    at.sidebar.date_input(key="w_range").set_value((date(2026, 11, 2), date(2026, 11, 22))).run()
    return at


def test_velocity_page_drills_into_a_week(app):
    app.switch_page("pages/velocity.py").run()
    assert not app.exception, app.exception
    assert len(app.get("plotly_chart")) == 5  # trend, SLA, distribution, by dimension, time in stage
    assert len(app.expander) >= 5 + 5  # a definition card under every chart, one per stage KPI
    app.selectbox(key="velocity_kpi").set_value("interview_scheduling_cycle").run()
    app.selectbox(key="velocity_week").set_value("2026-11-09").run()  # as a bar selection would set it
    assert not app.exception, app.exception
    rows = app.dataframe[1].value
    # W46: ann's and bo's interviews (6 h and 72 h)
    assert sorted(rows["application_key"]) == ["greenhouse:2001", "greenhouse:2002"]
    assert sorted(rows["duration"]) == pytest.approx([6.0, 72.0])
    app.radio(key="velocity_part").set_value("numerator").run()
    assert list(app.dataframe[1].value["application_key"]) == ["greenhouse:2001"]
    assert any(b.label.startswith("Download") for b in app.get("download_button"))


def test_velocity_page_shows_stale_by_owner_and_integration_impact(app):
    app.switch_page("pages/velocity.py").run()
    stale = next(d.value for d in app.dataframe if "longest_wait_days" in d.value.columns)
    assert stale["stale"].sum() == 1 and stale["open"].sum() == 4  # fay, out of bo, cy, fay, gus
    assert not any("n_before" in d.value.columns for d in app.dataframe)  # computed only when asked
    app.toggle(key="impact_run").set_value(True).run()
    impact = next(d.value for d in app.dataframe if "n_before" in d.value.columns)
    assert set(impact["title"]) >= {"Time to first response", "Time to fill", "Interview scheduling cycle"}
    assert not app.exception, app.exception


def test_conversion_page_funnel_step_shows_its_applications(app):
    app.switch_page("pages/conversion.py").run()
    assert not app.exception, app.exception
    funnel = app.dataframe[0].value
    assert list(funnel["reached"]) == [6, 4, 4, 3, 2, 1]
    app.selectbox(key="funnel_stage").set_value("interviewing").run()  # as a funnel-step selection would set it
    rows = app.dataframe[1].value
    assert sorted(rows["application_key"]) == ["greenhouse:2001", "greenhouse:2002", "greenhouse:2005"]
    labels = {m.label: m.value for m in app.metric}
    assert labels["Submission to interview rate"] == "75%"  # 3 of 4, see tests/metrics/test_velocity_kpis.py


def test_a_chart_selection_becomes_the_drill_choice():
    import ui_kpis

    event = {"selection": {"points": [{"x": "2026-W46", "customdata": ["2026-11-09", 2]}]}}
    assert ui_kpis.picked(event) == "2026-11-09"
    assert ui_kpis.picked({"selection": {"points": [{"customdata": "offer"}]}}) == "offer"
    assert ui_kpis.picked({"selection": {"points": []}}) is None


def test_overview_chart_selection_shows_the_rows_of_that_week(app):
    app.session_state["overview_week_time_to_hire"] = "2026-11-16"  # what selecting the W47 bar stores
    app.run()
    assert not app.exception, app.exception
    rows = app.dataframe[0].value
    assert list(rows["application_key"]) == ["greenhouse:2001"]  # ann, hired 18 Nov
    assert rows["duration"][0] == pytest.approx(16.125)  # 2 Nov 09:00 -> 18 Nov 12:00


def test_conversion_rows_narrow_to_the_source_selected_in_its_chart(app):
    app.switch_page("pages/conversion.py").run()
    app.selectbox(key="conversion_kpi").set_value("submission_to_interview_rate").run()
    app.selectbox(key="conversion_week").set_value("whole range").run()
    app.session_state["conversion_source/channel"] = "Referral"  # what selecting the Referral bar stores
    app.run()
    assert not app.exception, app.exception
    rows = app.dataframe[-1].value
    assert list(rows["application_key"]) == ["greenhouse:2005"]  # ed, the one referral
    app.button(key="clear_channels").click().run()
    assert len(app.dataframe[-1].value) == 4  # ann, ed, bo, cy


def test_business_days_switch_reaches_every_velocity_figure(app):
    app.switch_page("pages/velocity.py").run()
    sla = app.dataframe[0].value.set_index("KPI")
    assert sla.loc["Interview scheduling cycle", "median or rate"] == "39.0 h"  # 6 h and 72 h
    app.sidebar.toggle(key="w_business_days").set_value(True).run()
    assert not app.exception, app.exception
    sla = app.dataframe[0].value.set_index("KPI")
    assert sla.loc["Interview scheduling cycle", "median or rate"] == "15.0 h"  # 6 h and 24 business hours (a weekend between)
    assert any("business days" in c.value for c in app.caption)


def test_definition_cards_show_the_sql_as_run_with_the_cuts(app):
    app.sidebar.multiselect(key="w_departments").select("Sales").run()
    app.switch_page("pages/velocity.py").run()
    assert not app.exception, app.exception
    code = [c.value for c in app.code]
    assert any("department IN ('Sales')" in c for c in code)  # the SQL as run
    assert any("WITH cohort AS" in c and "'Sales'" not in c for c in code)  # the definition as written
