"""The Stage mismatches page and the data-health additions under AppTest, on the demo warehouse."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from pipelines import decisions

ROOT = Path(__file__).resolve().parents[2]
APP = str(ROOT / "app.py")


@pytest.fixture()
def demo_app(demo_stack, monkeypatch, tmp_path) -> AppTest:
    _, _, _, wh, _ = demo_stack
    monkeypatch.setenv("STAGETRUTH_WAREHOUSE", str(wh))
    monkeypatch.setenv("STAGETRUTH_DECISIONS", str(tmp_path / "decisions.duckdb"))
    monkeypatch.setenv("STAGETRUTH_USER", "ops:17")
    at = AppTest.from_file(APP, default_timeout=90)
    at.run()
    assert not at.exception, at.exception
    return at


def metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def test_mismatch_page_lists_explains_and_resolves(demo_app, tmp_path):
    at = demo_app.switch_page("pages/mismatches.py").run()
    assert not at.exception, at.exception
    assert metrics(at)["Open mismatches"] == "10"
    table = at.dataframe[1].value
    assert len(table) == 10 and set(table["severity"]) <= {"high", "medium", "low"}
    assert len(at.get("download_button")) == 1
    assert len(at.get("plotly_chart")) == 1  # the first mismatch's timeline
    picker = at.selectbox(key="mm_pick")
    target = next(i for i, label in enumerate(picker.options) if "Rejected or withdrawn" in label)
    picker.set_value(target).run()
    assert not at.exception, at.exception
    chart = at.get("plotly_chart")[0]
    assert "disagreement" in chart.proto.spec and "calendar" in chart.proto.spec and "greenhouse" in chart.proto.spec
    at.button(key="mm_resolve").click().run()
    assert any("note is required" in e.value for e in at.error)
    assert decisions.entries("mismatch.resolve").height == 0
    at.text_area(key="mm_note").input("candidate told; interview cancelled by phone").run()
    at.button(key="mm_resolve").click().run()
    assert not at.exception, at.exception
    assert metrics(at)["Open mismatches"] == "9"
    entry = decisions.entries("mismatch.resolve").row(0, named=True)
    assert entry["actor"] == "ops:17" and entry["reason"] == "candidate told; interview cancelled by phone"
    at.toggle(key="mm_all").set_value(True).run()
    assert len(at.dataframe[1].value) == 10 and "resolved_by_person" in set(at.dataframe[1].value["status"])


def test_mismatch_filters_narrow_the_table(demo_app):
    at = demo_app.switch_page("pages/mismatches.py").run()
    at.multiselect(key="mm_severity").select("high").run()
    assert not at.exception, at.exception
    assert set(at.dataframe[1].value["severity"]) == {"high"}


def test_data_health_shows_health_kpis_sync_errors_and_freshness(demo_app, demo_stack):
    _, manifest, _, _, _ = demo_stack
    at = demo_app.switch_page("pages/data_health.py").run()
    assert not at.exception, at.exception
    shown = metrics(at)
    for title in ("Stage reconciliation rate", "Sync error resolution time", "Quarantine rate", "Source freshness (worst)",
                  "Open mismatch age"):
        assert title in shown, shown
    assert int(shown["Open sync errors"]) > 0
    subheaders = [h.value for h in at.subheader]
    for part in ("Manual stage corrections", "Open sync errors", "Quarantine rate per source", "Freshness per source"):
        assert part in subheaders
    specs = [c.proto.spec for c in at.get("plotly_chart")]
    assert any("Stage reconciliation rate" in s for s in specs) and any("Sync error resolution time" in s for s in specs)
