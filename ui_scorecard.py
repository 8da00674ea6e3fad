"""Scorecard page helpers: the week picker, the cached scorecard, its preview and its exports."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import polars as pl
import streamlit as st

import ui
from metrics import compute, exports
from metrics.scorecard import Scorecard, ScorecardError, available_weeks, build_scorecard, week_label
from pipelines.warehouse import QueryError


def week_picker(info: compute.WarehouseInfo) -> date | None:
    weeks = available_weeks(info)
    if not weeks:
        st.warning("The warehouse has no complete week yet.")
        return None
    return st.selectbox("ISO week", weeks, index=0, format_func=week_label, key="scorecard_week",
                        help="Weeks run Monday to Sunday (UTC); the newest is the last full week of the data.")


@st.cache_data(show_spinner=False)
def _scorecard(week: date, filters: compute.Filters, path: str, stamp: float) -> Scorecard:
    return build_scorecard(week, path=Path(path), scope=filters)


def scorecard(info: compute.WarehouseInfo, week: date, filters: compute.Filters) -> Scorecard | None:
    try:
        return _scorecard(week, filters, str(info.path), ui._stamp(info.path))
    except ScorecardError as exc:
        st.warning(str(exc))
    except QueryError as exc:
        st.error(f"A KPI query failed:\n\n{exc}")
    return None


def preview(card: Scorecard) -> pl.DataFrame:
    """The KPI table as shown on the page: values formatted by unit."""
    rows = []
    for line in card.lines:
        kpi = line.kpi
        row = {"KPI": kpi.title, "value": exports.display(kpi, line.value), "target": exports.display(kpi, kpi.target),
               "status": line.status, "vs previous week": exports.change_text(kpi, line.change)}
        row |= {week_label(w): exports.display(kpi, v) for w, v in zip(card.weeks, line.trend)}
        row |= {"n": line.n, "owner": kpi.owner}
        rows.append(row)
    return pl.DataFrame(rows)


def health_table(card: Scorecard) -> pl.DataFrame:
    return pl.DataFrame([
        {"measure": m.label, "value": "not measured yet" if m.value is None else f"{m.value:.1%}",
         "limit": f"{m.limit:.0%}", "note": m.note}
        for m in card.health.measures
    ])


@st.cache_data(show_spinner=False)
def _export(week: date, filters: compute.Filters, path: str, stamp: float, fmt: str) -> bytes:
    return exports.export(_scorecard(week, filters, path, stamp), fmt)


def download_buttons(info: compute.WarehouseInfo, card: Scorecard, filters: compute.Filters) -> None:
    labels = {"csv": "Download CSV", "xlsx": "Download XLSX", "html": "Download HTML (with charts)"}
    for column, fmt in zip(st.columns(len(exports.FORMATS)), exports.FORMATS):
        data = _export(card.week, filters, str(info.path), ui._stamp(info.path), fmt)
        column.download_button(labels[fmt], data, file_name=exports.file_name(card, fmt), mime=exports.MEDIA_TYPES[fmt],
                               key=f"scorecard_{fmt}", on_click="ignore")


def trend_figure(card: Scorecard, index: int):
    return exports.trend_figure(card, index)
