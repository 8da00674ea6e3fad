"""Widgets and charts of the Velocity and Conversion pages: drill-down, dimensions, funnel, impact.

A chart's selection (plotly on_select="rerun") is turned into a drill choice kept in session
state, so the table of rows behind a figure survives reruns and can also be picked by hand.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Callable

import plotly.graph_objects as go
import polars as pl
import streamlit as st

import ui
from metrics import compute, drill, impact, kpi_settings
from metrics.catalog import Kpi, load_definitions
from pipelines.warehouse import QueryError

ALL_WEEKS = "whole range"
SHOWN_ROWS = 2_000


def kpis(group: str) -> list[Kpi]:
    return [k for k in load_definitions().values() if k.group == group]


def benchmarks() -> dict[str, kpi_settings.Benchmark]:
    try:
        return kpi_settings.load().benchmarks
    except kpi_settings.KpiSettingsError as exc:
        st.warning(str(exc))
        return {}


@st.cache_data(show_spinner=False)
def _rows(name: str, filters: compute.Filters, as_of, path: str, stamp: float, week: date | None, part: str | None,
          limit: int) -> pl.DataFrame:
    return drill.rows(load_definitions()[name], filters, as_of=as_of, week=week, part=part, path=Path(path), limit=limit)


def cohort_rows(kpi: Kpi, info: compute.WarehouseInfo, filters: compute.Filters, week: date | None = None,
                part: str | None = None, limit: int = drill.ROW_LIMIT) -> pl.DataFrame:
    try:
        return _rows(kpi.name, filters, info.as_of, str(info.path), ui._stamp(info.path), week, part, limit)
    except QueryError as exc:
        st.error(f"The rows behind {kpi.title} could not be read:\n\n{exc}")
        st.stop()


def drill_rows(kpi: Kpi, info: compute.WarehouseInfo, filters: compute.Filters, caption: str, key: str,
               week: date | None = None, part: str | None = None) -> None:
    """The rows behind one figure: the first SHOWN_ROWS on screen, all of them in the CSV (read on click)."""
    preview = cohort_rows(kpi, info, filters, week, part, limit=SHOWN_ROWS + 1)
    drill_table(preview, caption, key, lambda: cohort_rows(kpi, info, filters, week, part))


@st.cache_data(show_spinner=False)
def _aggregate(fn: str, name: str, filters: compute.Filters, as_of, path: str, stamp: float, **kwargs) -> pl.DataFrame:
    return getattr(drill, fn)(load_definitions()[name], filters, as_of=as_of, path=Path(path), **kwargs)


def aggregate(fn: str, kpi: Kpi, info: compute.WarehouseInfo, filters: compute.Filters, **kwargs) -> pl.DataFrame:
    """durations, by_dimension or stale_breakdown of a KPI (metrics.drill), cached per build."""
    try:
        return _aggregate(fn, kpi.name, filters, info.as_of, str(info.path), ui._stamp(info.path), **kwargs)
    except (QueryError, ValueError) as exc:
        st.warning(str(exc))
        return pl.DataFrame()


def picked(event, field: str = "customdata") -> object | None:
    """The value a chart selection points at (its customdata), or None."""
    try:
        points = event["selection"]["points"] if isinstance(event, dict) else event.selection.points
    except (AttributeError, KeyError, TypeError):
        return None
    if not points:
        return None
    value = points[0].get(field)
    return value[0] if isinstance(value, (list, tuple)) else value


def selectable(fig: go.Figure, key: str, state_key: str, clear_on_deselect: bool = False) -> None:
    """Show a chart whose bar or point selection sets st.session_state[state_key] (and, when asked,
    clears it when the selection is cleared)."""
    event = st.plotly_chart(fig, width="stretch", key=key, on_select="rerun", selection_mode=("points",))
    value = picked(event)
    # A selection stays on the chart across reruns: apply it only when it changes, so a choice made
    # afterwards in the drill widgets is not overwritten.
    if value is not None and st.session_state.get(f"{key}_seen") != value:
        st.session_state[state_key] = value
    elif value is None and clear_on_deselect and st.session_state.get(f"{key}_seen") is not None:
        st.session_state[state_key] = None
    st.session_state[f"{key}_seen"] = value


def reference_lines(fig: go.Figure, kpi: Kpi, scale: float = 1.0) -> None:
    fig.add_hline(y=kpi.target * scale, line_dash="dash", annotation_text=f"target {ui.format_value(kpi, kpi.target)}")
    mark = benchmarks().get(kpi.name)
    if mark is not None:
        fig.add_hline(y=mark.value * scale, line_dash="dot", line_color="grey",
                      annotation_text=f"{mark.label}: {ui.format_value(kpi, mark.value)}", annotation_position="bottom right")


def weekly_chart(tile: compute.Tile, filters: compute.Filters) -> go.Figure:
    """The Overview's trend chart, with the week of each bar as its customdata and a benchmark line."""
    fig = ui.trend_chart(tile, filters)
    weeks = [w.isoformat() for w in ui._weeks(filters)]
    fig.data[0].customdata = [[w, *(c[1:] if c is not None else [])] for w, c in zip(weeks, fig.data[0].customdata)]
    fig.data[0].hovertemplate = "week of %{customdata[0]}: %{y:.1f}<extra></extra>"
    mark = benchmarks().get(tile.kpi.name)
    if mark is not None:
        scale = 100.0 if tile.kpi.is_ratio else 1.0
        fig.add_hline(y=mark.value * scale, line_dash="dot", line_color="grey",
                      annotation_text=f"{mark.label}: {ui.format_value(tile.kpi, mark.value)}", annotation_position="bottom right")
    return fig


def dimension_chart(kpi: Kpi, frame: pl.DataFrame, dimension: str) -> go.Figure:
    scale = 100.0 if kpi.is_ratio else 1.0
    fig = go.Figure()
    for group in frame["group"].unique(maintain_order=True).to_list()[:12]:
        part = frame.filter(pl.col("group") == group)
        fig.add_scatter(x=[ui.week_label(w) for w in part["week"].to_list()], y=[None if v is None else v * scale for v in part["value"].to_list()],
                        name=str(group), mode="lines+markers", customdata=[[w.isoformat(), group] for w in part["week"].to_list()],
                        hovertemplate=f"{group}: " + "%{y:.1f} (week of %{customdata[0]})<extra></extra>")
    reference_lines(fig, kpi, scale)
    fig.update_layout(height=300, margin=dict(l=10, r=10, t=30, b=10), title=f"{kpi.title} by {dimension}, weekly",
                      yaxis_title="%" if kpi.is_ratio else kpi.unit, xaxis=dict(type="category"))
    return fig


def distribution_chart(kpi: Kpi, rows: pl.DataFrame) -> go.Figure:
    """A histogram of the cohort's durations (metrics.drill.durations) with the target and benchmark."""
    values = rows["duration"].drop_nulls().to_list() if "duration" in rows.columns else []
    fig = go.Figure(go.Histogram(x=values, nbinsx=30, name=kpi.unit))
    reference_lines_vertical = kpi.target
    fig.add_vline(x=reference_lines_vertical, line_dash="dash", annotation_text=f"target {ui.format_value(kpi, kpi.target)}")
    mark = benchmarks().get(kpi.name)
    if mark is not None:
        fig.add_vline(x=mark.value, line_dash="dot", line_color="grey", annotation_text=mark.label)
    fig.update_layout(height=280, margin=dict(l=10, r=10, t=30, b=10), title=f"{kpi.title}: distribution (n = {len(values):,})",
                      xaxis_title=kpi.unit, yaxis_title="count")
    return fig


def sla_chart(tile: compute.Tile, filters: compute.Filters) -> go.Figure:
    weeks = pl.DataFrame({"week": ui._weeks(filters)}).join(tile.weekly, on="week", how="left")
    shares = weeks["share_within_target"].to_list() if "share_within_target" in weeks.columns else [None] * weeks.height
    fig = go.Figure(go.Bar(x=[ui.week_label(w) for w in weeks["week"].to_list()], y=[None if s is None else s * 100 for s in shares],
                           customdata=[w.isoformat() for w in weeks["week"].to_list()],
                           hovertemplate="%{y:.0f}% within target<extra></extra>"))
    fig.update_layout(height=260, margin=dict(l=10, r=10, t=30, b=10), yaxis=dict(range=[0, 100], title="% within target"),
                      title=f"SLA attainment: {tile.kpi.title} within {ui.format_value(tile.kpi, tile.kpi.target)}",
                      xaxis=dict(type="category"))
    return fig


def stage_chart(tiles: list[compute.Tile]) -> go.Figure:
    stays = [t for t in tiles if t.kpi.name.startswith("time_in_")]
    fig = go.Figure()
    fig.add_bar(x=[t.kpi.name.removeprefix("time_in_") for t in stays], y=[t.value for t in stays], name="median",
                customdata=[t.kpi.name for t in stays], hovertemplate="%{x}: median %{y:.1f} d<extra></extra>")
    fig.add_scatter(x=[t.kpi.name.removeprefix("time_in_") for t in stays],
                    y=[t.total.get("p90") for t in stays], name="p90", mode="markers")
    fig.update_layout(height=280, margin=dict(l=10, r=10, t=30, b=10), title="Time in stage (days, median and p90 over the range)",
                      yaxis_title="days")
    return fig


def funnel_chart(frame: pl.DataFrame) -> go.Figure:
    """The funnel as horizontal bars (bars take a click selection everywhere plotly runs)."""
    shares = [None if v is None else f"{v:.0%}" for v in frame["of_applied"].to_list()]
    fig = go.Figure(go.Bar(y=frame["stage"].to_list(), x=frame["reached"].to_list(), orientation="h",
                           customdata=frame["stage"].to_list(), text=[f"{n:,} ({s or '–'} of applied)" for n, s in
                                                                     zip(frame["reached"].to_list(), shares)],
                           textposition="auto", hovertemplate="%{y}: %{x:,}<extra></extra>"))
    fig.update_layout(height=320, margin=dict(l=10, r=10, t=30, b=10), yaxis=dict(autorange="reversed"),
                      title="Applications applied in the range, by furthest stage reached")
    return fig


def bars_by(kpi: Kpi, frame: pl.DataFrame, dimension: str) -> go.Figure:
    scale = 100.0 if kpi.is_ratio else 1.0
    fig = go.Figure(go.Bar(x=frame["group"].to_list(), y=[None if v is None else v * scale for v in frame["value"].to_list()],
                           customdata=frame["group"].to_list(), text=[f"n={n}" for n in frame["n"].to_list()],
                           hovertemplate="%{x}: %{y:.1f}<extra></extra>"))
    reference_lines(fig, kpi, scale)
    fig.update_layout(height=280, margin=dict(l=10, r=10, t=30, b=10), title=f"{kpi.title} by {dimension}",
                      yaxis_title="%" if kpi.is_ratio else kpi.unit)
    return fig


def drill_table(rows: pl.DataFrame, caption: str, key: str, rows_for_csv: Callable[[], pl.DataFrame] | None = None) -> None:
    """Rows behind a figure (the first SHOWN_ROWS on screen) and a CSV of them all (built when clicked).

    Both go through the access module: ids pseudonymous and no people columns for aggregate-only roles."""
    if rows.height > SHOWN_ROWS:
        st.caption(f"{caption}: more than {SHOWN_ROWS:,} rows; the first {SHOWN_ROWS:,} shown, all (up to "
                   f"{drill.ROW_LIMIT:,}) in the CSV")
    else:
        st.caption(f"{caption}: {rows.height:,} row(s)")
    st.dataframe(ui.for_viewer(rows.head(SHOWN_ROWS)), hide_index=True, key=f"{key}_table")
    ui.download_csv("Download these rows (CSV)", rows_for_csv or rows, f"{key}.csv", key=f"{key}_csv")


def selected_week_rows(kpi: Kpi, info: compute.WarehouseInfo, filters: compute.Filters, state_key: str) -> None:
    """Under a chart: the rows behind the week selected in it, until cleared."""
    chosen = st.session_state.get(state_key)
    if not chosen:
        return
    week = date.fromisoformat(chosen)
    drill_rows(kpi, info, filters, f"{kpi.title}, {ui.week_label(week)}", f"{state_key}_rows", week)
    if st.button("Clear selection", key=f"{state_key}_clear"):
        st.session_state[state_key] = None
        st.rerun()


def week_picker(filters: compute.Filters, state_key: str, label: str = "Drill into week") -> date | None:
    """A week choice a chart selection can set; the whole range when none is chosen."""
    options = [ALL_WEEKS] + [w.isoformat() for w in ui._weeks(filters)]
    if st.session_state.get(state_key) not in options:
        # the last week of the range: a week's rows are what a selected bar shows, and far fewer
        st.session_state[state_key] = options[-1]
    choice = st.selectbox(label, options, key=state_key, format_func=lambda v: v if v == ALL_WEEKS else ui.week_label(date.fromisoformat(v)))
    return None if choice == ALL_WEEKS else date.fromisoformat(choice)


@st.cache_data(show_spinner=False)
def _funnel(filters: compute.Filters, path: str, stamp: float) -> pl.DataFrame:
    return drill.funnel(filters, path=Path(path))


def funnel(info: compute.WarehouseInfo, filters: compute.Filters) -> pl.DataFrame:
    return _funnel(filters, str(info.path), ui._stamp(info.path))


def funnel_rows(info: compute.WarehouseInfo, filters: compute.Filters, stage: str) -> None:
    """The applications behind one funnel step, as a drill table."""
    preview = drill.funnel_rows(filters, stage, path=info.path, limit=SHOWN_ROWS + 1)
    drill_table(preview, f"Applied in the range and reached {stage}", f"funnel_{stage}",
                lambda: drill.funnel_rows(filters, stage, path=info.path))


@st.cache_data(show_spinner=False)
def _impact(go_live: date, filters: compute.Filters, as_of, path: str, stamp: float, weeks: int) -> pl.DataFrame:
    return impact.as_frame(impact.compare(go_live, as_of=as_of, path=Path(path), filters=filters, weeks=weeks))


def impact_section(info: compute.WarehouseInfo, filters: compute.Filters) -> None:
    """Integration impact: pick a source and its go-live day; each velocity KPI before and after."""
    from pipelines.config import load_settings

    configured = kpi_settings.load().go_live
    sources = [s.name for s in load_settings().sources] or sorted(configured)
    if not sources:
        st.info("No sources are configured.")
        return
    left, middle, right = st.columns(3)
    source = left.selectbox("Connector", sources, key="impact_source")
    default = configured.get(source) or (info.last_day or date.today()) - timedelta(weeks=8)
    day = middle.date_input("Went live on", value=default, key=f"impact_day_{source}")
    weeks = right.number_input("Weeks on each side", min_value=1, max_value=52, value=8, key="impact_weeks")
    if not st.toggle("Compare before and after", key="impact_run",
                     help="Runs every velocity KPI on both sides and a 2,000-resample bootstrap: a few seconds."):
        return
    try:
        frame = _impact(day, filters, info.as_of, str(info.path), ui._stamp(info.path), int(weeks))
    except ValueError as exc:
        st.warning(str(exc))
        return
    st.caption(f"{source} live from {day}: each KPI's own cohort rows in the {int(weeks)} weeks before against the weeks from "
               "that day. Difference = after − before of the medians, with a 95% bootstrap interval (2,000 resamples, "
               "seeded). An interval that excludes 0 is a change beyond resampling noise, not proof of its cause.")
    st.dataframe(frame.drop("kpi"), hide_index=True, key="impact_table",
                 column_config={c: st.column_config.NumberColumn(c.replace("_", " "), format="%.1f")
                                for c in ("median_before", "median_after", "difference", "ci_low", "ci_high")})
