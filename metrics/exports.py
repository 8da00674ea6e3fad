"""Scorecard exports: CSV, XLSX (one sheet per section) and a self-contained HTML with its charts.

Formula guard: no exported text cell may start a spreadsheet formula. Every text value of every
export passes through `safe_cell`, which prefixes an apostrophe to text starting with =, +, -, @,
a tab or a carriage return (the OWASP CSV-injection rule); spreadsheets show the apostrophe-led
text as text. Numbers stay numbers (a negative change is a number, not text). XLSX cells are also
written as strings, never as formulas.
"""

from __future__ import annotations

import csv
import html
import io
from datetime import date, datetime
from typing import Any

import plotly.graph_objects as go
import xlsxwriter

from metrics.catalog import Kpi
from pipelines.access import FORMULA_STARTS, safe_cell as safe_text  # noqa: F401 (FORMULA_STARTS re-exported)
from metrics.scorecard import Scorecard, week_label

FORMATS = ("csv", "xlsx", "html")
MEDIA_TYPES = {"csv": "text/csv", "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
               "html": "text/html"}


def safe_cell(value: Any) -> Any:
    """A value fit for a spreadsheet cell: text that could start a formula is neutralised (the one
    guard every export uses, pipelines.access.safe_cell); dates become ISO text."""
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return safe_text(value)


def display(kpi: Kpi, value: float | None) -> str:
    if value is None:
        return "–"
    if kpi.is_ratio:
        return f"{value:.1%}"
    return f"{value:,.1f} {kpi.unit}"


def change_text(kpi: Kpi, value: float | None) -> str:
    if value is None:
        return "–"
    # Arrows, not a sign: a display cell starting with + or - would need the formula guard.
    arrow = "▲" if value > 0 else "▼" if value < 0 else "±"
    return f"{arrow} {abs(value) * 100:.1f} pts" if kpi.is_ratio else f"{arrow} {abs(value):,.1f} {kpi.unit}"


# --- the sections, as plain rows ----------------------------------------------------------------

def kpi_rows(card: Scorecard) -> list[dict[str, Any]]:
    rows = []
    for line in card.lines:
        kpi = line.kpi
        row = {"week": card.label, "kpi": kpi.name, "title": kpi.title, "unit": kpi.unit, "value": line.value,
               "target": kpi.target, "status": line.status, "previous_week": line.previous, "change": line.change}
        row |= {f"trend {week_label(w)}": v for w, v in zip(card.weeks, line.trend)}
        row |= {"n": line.n, "direction": kpi.direction.replace("_", " "), "owner": kpi.owner}
        rows.append(row)
    return rows


def health_rows(card: Scorecard) -> list[dict[str, Any]]:
    return [{"measure": m.name, "label": m.label, "value": m.value, "limit": m.limit,
             "within_limit": None if m.value is None else m.value <= m.limit, "note": m.note}
            for m in card.health.measures]


def scope_rows(card: Scorecard) -> list[dict[str, Any]]:
    return [{"cut": column, "value": value} for column, values in card.scope.items() for value in values]


def definition_rows(card: Scorecard) -> list[dict[str, Any]]:
    return [{"kpi": k.name, "title": k.title, "unit": k.unit, "direction": k.direction, "owner": k.owner,
             "target": k.target, "cohort": k.cohort, "description": k.description, "numerator": k.numerator,
             "denominator": k.denominator, "sql": k.sql.strip(), "file": f"metrics/kpis/{k.path.name}"}
            for k in (line.kpi for line in card.lines)]


def stamp_rows(card: Scorecard) -> list[tuple[str, Any]]:
    return [("week", card.label), ("week starts", card.week.isoformat()), ("definitions version", card.definitions_version),
            ("warehouse built with definitions", card.build_definitions_version), ("warehouse build", card.build_id),
            ("built at (UTC)", f"{card.built_at:%Y-%m-%d %H:%M}"), ("data as of (UTC)", f"{card.as_of:%Y-%m-%d %H:%M}"),
            ("scope", card.scope_text), ("trust", card.health.trust), ("data health", card.health.footnote)]


# --- CSV ----------------------------------------------------------------------------------------

def to_csv(card: Scorecard) -> bytes:
    """One table: a row per KPI (section kpi), per health measure (data_health) and per cut (scope).

    Every row carries the week, definitions version and build id, so a row read alone is stamped.
    """
    kpis = kpi_rows(card)
    trend_cols = [c for c in kpis[0] if c.startswith("trend ")] if kpis else []
    columns = ["section", "week", "kpi", "title", "unit", "value", "target", "status", "previous_week", "change",
               *trend_cols, "n", "owner", "note", "definitions_version", "build_id"]
    stamp = {"week": card.label, "definitions_version": card.definitions_version, "build_id": card.build_id}
    rows = [{"section": "kpi", **row, **stamp} for row in kpis]
    rows += [{"section": "data_health", "kpi": h["measure"], "title": h["label"], "value": h["value"], "target": h["limit"],
              "status": {True: "within limit", False: "over limit", None: "not measured"}[h["within_limit"]],
              "note": h["note"], **stamp} for h in health_rows(card)]
    rows.append({"section": "data_health", "kpi": "trust", "title": "Trust", "status": card.health.trust,
                 "note": card.health.footnote, **stamp})
    rows += [{"section": "scope", "kpi": s["cut"], "title": s["value"], **stamp} for s in scope_rows(card)]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow(["" if row.get(c) is None else safe_cell(row.get(c)) for c in columns])
    return buffer.getvalue().encode("utf-8")


# --- XLSX ---------------------------------------------------------------------------------------

def to_xlsx(card: Scorecard) -> bytes:
    """Sheets KPIs, Trend, Health, Definitions; bold frozen header row, number formats by unit."""
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False,
                                        "strings_to_numbers": False})
    fmt = {
        "header": book.add_format({"bold": True, "bg_color": "#1f3b57", "font_color": "#ffffff", "border": 1,
                                   "text_wrap": True, "valign": "top"}),
        "ratio": book.add_format({"num_format": "0.0%"}),
        "hours": book.add_format({"num_format": "#,##0.0"}),
        "days": book.add_format({"num_format": "#,##0.0"}),
        "count": book.add_format({"num_format": "#,##0"}),
        "text": book.add_format({"valign": "top"}),
        "wrap": book.add_format({"text_wrap": True, "valign": "top"}),
        "on target": book.add_format({"font_color": "#1a7f37", "bold": True}),
        "off target": book.add_format({"font_color": "#cf222e", "bold": True}),
        "no data": book.add_format({"font_color": "#6e7781"}),
        "note": book.add_format({"italic": True, "font_color": "#444444"}),
    }

    def write(sheet, row: int, col: int, value: Any, cell_format=None) -> None:
        value = safe_cell(value)
        if value is None:
            sheet.write_blank(row, col, None, cell_format)
        elif isinstance(value, bool):
            sheet.write_boolean(row, col, value, cell_format)
        elif isinstance(value, (int, float)):
            sheet.write_number(row, col, value, cell_format)
        else:
            sheet.write_string(row, col, str(value), cell_format or fmt["text"])

    def table(name: str, columns: list[str], rows: list[list[Any]], widths: dict[str, int], formats=None) -> Any:
        sheet = book.add_worksheet(name)
        for c, column in enumerate(columns):
            write(sheet, 0, c, column, fmt["header"])
            sheet.set_column(c, c, widths.get(column, 14))
        for r, row in enumerate(rows, start=1):
            for c, value in enumerate(row):
                write(sheet, r, c, value, formats(r - 1, columns[c], value) if formats else None)
        sheet.freeze_panes(1, 0)
        if rows:
            sheet.autofilter(0, 0, len(rows), len(columns) - 1)
        return sheet

    kpis = kpi_rows(card)
    kpi_columns = list(kpis[0]) if kpis else ["week", "kpi"]
    units = [line.kpi.unit for line in card.lines]
    valued = {"value", "target", "previous_week", "change"} | {c for c in kpi_columns if c.startswith("trend ")}

    def kpi_format(i: int, column: str, value: Any):
        if column in valued:
            return fmt[units[i]]
        if column == "status":
            return fmt[value]
        return fmt["count"] if column == "n" else None

    sheet = table("KPIs", kpi_columns, [list(r.values()) for r in kpis],
                  {"kpi": 28, "title": 30, "status": 11, "owner": 24, "direction": 17}, kpi_format)
    below = len(kpis) + 2
    for i, (label, value) in enumerate(stamp_rows(card)):
        write(sheet, below + i, 0, label, fmt["note"])
        write(sheet, below + i, 1, value, fmt["note"])

    trend_columns = ["kpi", "title", "unit", *(week_label(w) for w in card.weeks)]
    table("Trend", trend_columns, [[line.kpi.name, line.kpi.title, line.kpi.unit, *line.trend] for line in card.lines],
          {"kpi": 28, "title": 30}, lambda i, column, v: fmt[units[i]] if column not in ("kpi", "title", "unit") else None)

    health = health_rows(card)
    health_columns = list(health[0])
    sheet = table("Health", health_columns, [list(h.values()) for h in health], {"label": 24, "note": 90, "measure": 22},
                  lambda i, column, v: fmt["ratio"] if column in ("value", "limit") else fmt["wrap"] if column == "note" else None)
    at = len(health) + 2
    write(sheet, at, 0, "trust", fmt["header"])
    write(sheet, at, 1, card.health.trust)
    write(sheet, at + 1, 0, "footnote", fmt["header"])
    write(sheet, at + 1, 1, card.health.footnote, fmt["note"])
    at += 3
    quarantine = card.health.quarantine
    for c, column in enumerate(quarantine.columns):
        write(sheet, at, c, column, fmt["header"])
    for r, row in enumerate(quarantine.iter_rows(), start=at + 1):
        for c, value in enumerate(row):
            write(sheet, r, c, value)
    at += quarantine.height + 2
    write(sheet, at, 0, "scope", fmt["header"])
    for r, row in enumerate(scope_rows(card) or [{"cut": "all applications", "value": None}], start=at + 1):
        write(sheet, r, 0, row["cut"])
        write(sheet, r, 1, row["value"])

    definitions = definition_rows(card)
    def_columns = list(definitions[0]) if definitions else ["kpi"]
    sheet = table("Definitions", def_columns, [list(d.values()) for d in definitions],
                  {"kpi": 28, "title": 28, "cohort": 50, "description": 70, "numerator": 40, "denominator": 40, "sql": 90},
                  lambda i, column, v: fmt["wrap"] if column in ("cohort", "description", "sql", "numerator", "denominator") else None)
    write(sheet, len(definitions) + 2, 0, "definitions version", fmt["note"])
    write(sheet, len(definitions) + 2, 1, card.definitions_version, fmt["note"])
    book.close()
    return buffer.getvalue()


# --- HTML ---------------------------------------------------------------------------------------

def trend_figure(card: Scorecard, index: int) -> go.Figure:
    """One KPI's four weeks as bars, its target dashed."""
    line = card.lines[index]
    kpi = line.kpi
    scale = 100.0 if kpi.is_ratio else 1.0
    labels = [week_label(w) for w in card.weeks]
    fig = go.Figure()
    fig.add_bar(x=labels, y=[None if v is None else v * scale for v in line.trend], name=kpi.title)
    fig.add_hline(y=kpi.target * scale, line_dash="dash", annotation_text=f"target {display(kpi, kpi.target)}")
    fig.update_layout(height=240, width=380, margin=dict(l=10, r=10, t=36, b=10), title=kpi.title, showlegend=False,
                      yaxis_title="%" if kpi.is_ratio else kpi.unit, xaxis=dict(type="category"))
    return fig


def _cell(value: Any) -> str:
    return html.escape("" if value is None else str(safe_cell(value)))


def _table(columns: list[str], rows: list[list[Any]]) -> str:
    head = "".join(f"<th>{_cell(c)}</th>" for c in columns)
    body = "".join("<tr>" + "".join(f"<td>{_cell(v)}</td>" for v in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


_STYLE = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:24px;color:#1f2328}
table{border-collapse:collapse;margin:8px 0 20px}th,td{border:1px solid #d0d7de;padding:4px 8px;text-align:left;
vertical-align:top}th{background:#1f3b57;color:#fff}.charts{display:flex;flex-wrap:wrap;gap:8px}
.stamp,.foot{color:#57606a;font-size:.9em}pre{white-space:pre-wrap;font-size:.85em;margin:0}
"""


def to_html(card: Scorecard) -> bytes:
    """One file that opens offline: tables, the footnote, and plotly charts with plotly.js inline."""
    kpi_table = _table(
        ["KPI", "value", "target", "status", "previous week", "change", *(week_label(w) for w in card.weeks), "n", "owner"],
        [[line.kpi.title, display(line.kpi, line.value), display(line.kpi, line.kpi.target), line.status,
          display(line.kpi, line.previous), change_text(line.kpi, line.change),
          *(display(line.kpi, v) for v in line.trend), f"{line.n:,}", line.kpi.owner] for line in card.lines],
    )
    # plotly.js goes inline once, before the first chart; fixed div ids keep the file reproducible
    charts = "".join(
        '<div class="chart">' + trend_figure(card, i).to_html(
            full_html=False, include_plotlyjs=(i == 0), div_id=f"chart-{i}", config={"displayModeBar": False}) + "</div>"
        for i in range(len(card.lines))
    )
    health = _table(["measure", "value", "limit", "note"],
                    [[h["label"], "not measured yet" if h["value"] is None else f"{h['value']:.1%}", f"{h['limit']:.0%}",
                      h["note"]] for h in health_rows(card)])
    quarantine = card.health.quarantine
    quarantine_table = _table(quarantine.columns, [list(r) for r in quarantine.iter_rows()]) if quarantine.height else \
        "<p>No quarantined records.</p>"
    definitions = "".join(
        f"<h3>{_cell(d['title'])} <code>{_cell(d['kpi'])}</code></h3><p>{_cell(d['description'])}</p>"
        f"<p>Cohort: {_cell(d['cohort'])}. Owner: {_cell(d['owner'])}.</p><pre>{_cell(d['sql'])}</pre>"
        for d in definition_rows(card)
    )
    stamp = _table(["", ""], [[label, value] for label, value in stamp_rows(card)])
    scope = _table(["cut", "value"], [[s["cut"], s["value"]] for s in scope_rows(card)]) if card.scope else \
        "<p>All applications.</p>"
    page = (
        f"<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Scorecard {_cell(card.label)}</title>"
        f"<style>{_STYLE}</style></head><body>"
        f"<h1>Weekly scorecard {_cell(card.label)}</h1><p class=\"stamp\">{_cell(card.stamp)}</p>"
        f"<p class=\"stamp\">Scope: {_cell(card.scope_text)}</p>"
        f"<h2>KPIs</h2>{kpi_table}<p class=\"foot\">{_cell(card.health.footnote)}</p>"
        f"<h2>Four-week trend</h2><div class=\"charts\">{charts}</div>"
        f"<h2>Data health</h2>{health}<h3>Quarantine by source and rule</h3>{quarantine_table}"
        f"<h2>Scope</h2>{scope}<h2>Definitions</h2>{definitions}<h2>Stamp</h2>{stamp}</body></html>"
    )
    return page.encode("utf-8")


def export(card: Scorecard, fmt: str) -> bytes:
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r} (use {', '.join(FORMATS)})")
    return {"csv": to_csv, "xlsx": to_xlsx, "html": to_html}[fmt](card)


def file_name(card: Scorecard, fmt: str) -> str:
    return f"scorecard-{card.label}.{fmt}"
