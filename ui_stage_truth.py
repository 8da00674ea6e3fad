"""UI helpers for stage truth: the mismatch list, an application's cross-system timeline, resolving,
and the data-health sections built on it. Pages call these; these call metrics.
"""

from __future__ import annotations

import json
from pathlib import Path

import plotly.graph_objects as go
import polars as pl
import streamlit as st

from metrics import compute, mismatches as mm, stage_health
from pipelines.decisions import DecisionError
from pipelines.paths import decisions_path

SEVERITY_COLOURS = {"high": "#c62828", "medium": "#ef6c00", "low": "#9e9e9e"}


def _stamp(path: Path) -> float:
    return path.stat().st_mtime_ns if path.exists() else 0.0


@st.cache_data(show_spinner=False)
def _mismatches(path: str, stamp: float, decisions: str, decided: float, include_resolved: bool) -> pl.DataFrame:
    return mm.mismatches(include_resolved=include_resolved, path=Path(path), decisions=Path(decisions))


def mismatches(info: compute.WarehouseInfo, filters: compute.Filters, *, include_resolved: bool) -> pl.DataFrame:
    """Mismatches of the served warehouse with every resolution recorded so far, narrowed by the sidebar."""
    store = decisions_path()
    frame = _mismatches(str(info.path), _stamp(info.path), str(store), _stamp(store), include_resolved)
    return mm.narrow(frame, filters.columns(), path=info.path)


def label(row: dict) -> str:
    app = row["application_id"] or "no application"
    return f"{row['title']} · {app} · {row['age_hours'] / 24:.1f} d · {row['severity']}"


def table(frame: pl.DataFrame) -> pl.DataFrame:
    """The columns the page's table shows, one row per mismatch."""
    return frame.select(
        "severity", "title", "status", application=pl.col("application_id"), systems=pl.col("systems").list.join(" ↔ "),
        owner="owner", age_days=(pl.col("age_hours") / 24).round(1), since=pl.col("since_at"), mismatch_id="mismatch_id")


def evidence(row: dict) -> pl.DataFrame:
    items = json.loads(row["evidence"])
    return pl.DataFrame(items, schema={"system": pl.String, "record": pl.String, "said": pl.String, "at": pl.String},
                        orient="row") if items else pl.DataFrame()


@st.cache_data(show_spinner=False)
def _timeline(path: str, stamp: float, source: str, application_id: str) -> pl.DataFrame:
    return mm.timeline(source, application_id, path=Path(path))


def timeline_chart(info: compute.WarehouseInfo, row: dict) -> go.Figure:
    """One lane per system, every event it holds for the application; the disagreement shaded from
    when it began, and the evidence each system gave marked with a red cross."""
    events = _timeline(str(info.path), _stamp(info.path), row["source"], row["application_id"])
    fig = go.Figure()
    for system in events["system"].unique(maintain_order=True).to_list():
        part = events.filter(pl.col("system") == system)
        fig.add_scatter(x=part["at"].to_list(), y=[system] * part.height, mode="markers", name=system,
                        text=part["event"].to_list(), customdata=part["record"].to_list(),
                        hovertemplate="%{y}: %{text}<br>%{x|%Y-%m-%d %H:%M} UTC<br>record %{customdata}<extra></extra>",
                        marker=dict(size=10))
    marks = [e for e in json.loads(row["evidence"]) if e["at"]]
    if marks:
        fig.add_scatter(x=[e["at"] for e in marks], y=[e["system"] for e in marks], mode="markers", name="disagreement",
                        text=[e["said"] for e in marks], hovertemplate="%{y} said: %{text}<extra></extra>",
                        marker=dict(symbol="x", size=16, color="#c62828", line=dict(width=2)))
    end = row["resolved_at"] or info.as_of
    fig.add_vrect(x0=row["since_at"], x1=end, fillcolor="#c62828", opacity=0.12, line_width=0,
                  annotation_text=f"{row['title']} ({row['status'].replace('_', ' ')})", annotation_position="top left")
    fig.update_layout(height=140 + 50 * max(1, events["system"].n_unique()), margin=dict(l=10, r=10, t=40, b=10),
                      title=f"Application {row['application_id']}: every system's events", yaxis=dict(type="category"),
                      legend=dict(orientation="h", y=-0.25))
    return fig


def resolve(row: dict, note: str) -> bool:
    """Record the resolution (who, when, why) and say what happened."""
    import ui
    from pipelines.mismatches.lifecycle import resolve as record

    try:
        audit_id = record(row["mismatch_id"], row["fingerprint"], note, actor=ui.current_access().actor)
    except DecisionError as exc:
        st.error(str(exc))
        return False
    st.success(f"Resolved by {ui.current_access().actor} (audit entry {audit_id[:8]}). It stays resolved until a system "
               "says something new about it.")
    return True


def export_frame(frame: pl.DataFrame) -> pl.DataFrame:
    """Flat columns for the CSV download (ui.download_csv guards formulas and audits people data)."""
    return mm.for_export(frame)


def summary(frame: pl.DataFrame) -> pl.DataFrame:
    return mm.summary(frame.filter(pl.col("status") == "open"))


# -- data health --------------------------------------------------------------------------------

@st.cache_data(show_spinner=False)
def _health(name: str, path: str, stamp: float, **kwargs) -> pl.DataFrame:
    return getattr(stage_health, name)(path=Path(path), **kwargs)


def health(name: str, info: compute.WarehouseInfo, **kwargs) -> pl.DataFrame:
    return _health(name, str(info.path), _stamp(info.path), **kwargs)


def health_tiles(info: compute.WarehouseInfo, filters: compute.Filters) -> list[compute.Tile]:
    import ui

    return [t for t in ui.kpi_tiles(info, filters) if t.kpi.group == "health"]


def freshness(config) -> pl.DataFrame:
    """Each configured source's hours since its last good load, against the warning threshold."""
    import ui

    overview = ui.source_overview(config)
    if overview.height == 0:
        return overview
    return overview.select("source", "kind", "last_load_at", "hours_since_load", "stale")
