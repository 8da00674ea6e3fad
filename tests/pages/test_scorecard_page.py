"""The Scorecard page under AppTest: week picker, preview, footnote, and the bytes of each download."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import openpyxl
import pytest
from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage
from streamlit.testing.v1 import AppTest

from metrics import exports
from metrics.scorecard import build_scorecard

ROOT = Path(__file__).resolve().parents[2]
APP = str(ROOT / "app.py")


class Recording(MemoryMediaFileStorage):
    """The media storage AppTest creates per run, remembered so a test can read a download's bytes."""

    made: list["Recording"] = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        Recording.made.append(self)


@pytest.fixture()
def page(kpi_warehouse, monkeypatch) -> AppTest:
    monkeypatch.setenv("STAGETRUTH_WAREHOUSE", str(kpi_warehouse))
    monkeypatch.setattr("streamlit.testing.v1.app_test.MemoryMediaFileStorage", Recording)
    Recording.made.clear()
    at = AppTest.from_file(APP, default_timeout=90)
    at.switch_page("pages/scorecard.py").run()
    assert not at.exception, at.exception
    return at


def download(at: AppTest, key: str) -> bytes:
    url = at.get("download_button")
    button = next(b for b in url if b.proto.id.endswith(key) or key in b.proto.id)
    filename = button.proto.url.rsplit("/", 1)[-1]
    return Recording.made[-1].get_file(filename).content


def test_scorecard_page_previews_the_last_full_week(page):
    assert page.selectbox(key="scorecard_week").value.isoformat() == "2026-11-16"  # W47, the last full week
    table = page.dataframe[0].value
    first = table[table["KPI"] == "Time to first response"].iloc[0]
    assert (first["value"], first["target"], first["status"], first["2026-W46"]) == ("10.0 hours", "24.0 hours", "on target",
                                                                                   "24.0 hours")
    assert first["vs previous week"] == "▼ 14.0 hours"
    captions = " ".join(c.value for c in page.caption)
    assert "2026-W47" in captions and "definitions" in captions and "warehouse build" in captions
    alerts = [a.value for a in (*page.success, *page.warning, *page.error)]
    assert any(a.startswith("Trust: ") and "quarantined row(s)" in a for a in alerts)  # the data-health footnote
    assert len(page.get("download_button")) == 3


def test_downloads_carry_the_exports_bytes(page, kpi_warehouse):
    card = build_scorecard("2026-W47", path=kpi_warehouse)
    csv_bytes = download(page, "scorecard_csv")
    assert csv_bytes == exports.to_csv(card)
    rows = {r["kpi"]: r for r in csv.DictReader(io.StringIO(csv_bytes.decode())) if r["section"] == "kpi"}
    assert rows["time_to_first_response"]["value"] == "10.0"
    book = openpyxl.load_workbook(io.BytesIO(download(page, "scorecard_xlsx")))
    assert book.sheetnames == ["KPIs", "Trend", "Health", "Definitions"] and book["KPIs"].freeze_panes == "A2"
    html_bytes = download(page, "scorecard_html")
    assert html_bytes == exports.to_html(card) and b"<script src" not in html_bytes


def test_picking_an_earlier_week_and_a_filter(page):
    page.selectbox(key="scorecard_week").select_index(1).run()  # W46
    assert not page.exception, page.exception
    table = page.dataframe[0].value
    assert table[table["KPI"] == "Time to first response"].iloc[0]["value"] == "24.0 hours"
    page.sidebar.multiselect(key="w_departments").select("Sales").run()
    assert not page.exception, page.exception
    # Sales: nobody applied in W46, so no KPI has a figure: said plainly, nothing to download
    assert any("no data for 2026-W46" in w.value for w in page.warning)
    assert len(page.get("download_button")) == 0
