"""Shared widgets, caching and chart builders for the pages. The only UI module besides pages/.

Pages stay layout plus calls: they get data from here, and this module gets it from metrics.
Cached results are keyed by the warehouse file's modification time, so a new build shows at
once.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import plotly.graph_objects as go
import polars as pl
import streamlit as st

from metrics import compute, health
from metrics.catalog import Kpi
from pipelines.paths import warehouse_path
from pipelines.warehouse import QueryError, WarehouseMissing

FILTER_KEYS = ("range", "departments", "recruiters", "channels", "clients", "jobs", "business_days")


def _stamp(path: Path) -> float:
    return path.stat().st_mtime_ns if path.exists() else 0.0


@st.cache_data(show_spinner=False)
def _info(path: str, stamp: float) -> compute.WarehouseInfo:
    return compute.info(Path(path))


def warehouse_info() -> compute.WarehouseInfo:
    """The served warehouse, or a clear message and a stopped page when there is none."""
    path = warehouse_path()
    try:
        return _info(str(path), _stamp(path))
    except WarehouseMissing as exc:
        st.error(str(exc))
        st.stop()


def format_value(kpi: Kpi, value: float | None) -> str:
    if value is None:
        return "–"
    if kpi.is_ratio:
        return f"{value:.0%}"
    return f"{value:,.1f} {'h' if kpi.unit == 'hours' else 'd'}"


def _remembered(name: str, default):
    """Filter values live under their own keys so they survive page switches."""
    key = f"filter_{name}"
    if key not in st.session_state:
        st.session_state[key] = default
    return key


def sidebar_filters(info: compute.WarehouseInfo) -> compute.Filters:
    """Date range, department, recruiter and source filters shared by every page."""
    last_monday = compute.last_full_week(info.as_of)
    default_end = last_monday + timedelta(days=6)
    default_start = max(info.first_day or default_end, last_monday - timedelta(weeks=15))
    with st.sidebar:
        st.header("Filters")
        bounds = (info.first_day or default_start, max(info.last_day or default_end, default_end))
        key = _remembered("range", (default_start, default_end))
        picked = st.date_input("Date range", value=st.session_state[key], min_value=bounds[0], max_value=bounds[1], key="w_range")
        if isinstance(picked, (tuple, list)) and len(picked) == 2:
            st.session_state[key] = (picked[0], picked[1])
        chosen: dict[str, tuple[str, ...]] = {}
        for attr, label in (("departments", "Department"), ("recruiters", "Recruiter"), ("channels", "Source"),
                            ("clients", "Client"), ("jobs", "Job")):
            key = _remembered(attr, [])
            options = info.options.get(attr, [])
            valid = [v for v in st.session_state[key] if v in options]
            st.session_state[key] = st.multiselect(label, options, default=valid, key=f"w_{attr}", placeholder="All",
                                                   format_func=lambda v: info.job_labels.get(v, v))
            chosen[attr] = tuple(st.session_state[key])
        key = _remembered("business_days", False)
        st.session_state[key] = st.toggle("Business days (Mon–Fri, UTC)", value=st.session_state[key], key="w_business_days",
                                          help="Durations count Monday to Friday only, weekends not at all (no holidays).")
        st.caption(f"Data as of {info.as_of:%Y-%m-%d %H:%M} UTC · definitions {info.definitions_version}")
    start, end = st.session_state["filter_range"]
    return compute.Filters(start=start, end=end, business_days=st.session_state["filter_business_days"], **chosen)


@st.cache_data(show_spinner=False)
def _tiles(filters: compute.Filters, as_of, path: str, stamp: float, headline_only: bool, group: str | None = None) -> list[compute.Tile]:
    return compute.tiles(filters, as_of=as_of, path=Path(path), headline_only=headline_only, group=group)


def kpi_tiles(info: compute.WarehouseInfo, filters: compute.Filters, *, headline_only: bool = False,
              group: str | None = None) -> list[compute.Tile]:
    try:
        return _tiles(filters, info.as_of, str(info.path), _stamp(info.path), headline_only, group)
    except QueryError as exc:
        st.error(f"A KPI query failed:\n\n{exc}")
        st.stop()


def _weeks(filters: compute.Filters) -> list[date]:
    monday = filters.start - timedelta(days=filters.start.weekday())
    weeks = []
    while monday <= filters.end:
        weeks.append(monday)
        monday += timedelta(days=7)
    return weeks


def trend_chart(tile: compute.Tile, filters: compute.Filters) -> go.Figure:
    """One bar per week of the range (empty weeks shown as gaps), p90 as a line, target dashed."""
    kpi = tile.kpi
    scale = 100.0 if kpi.is_ratio else 1.0
    weeks = pl.DataFrame({"week": _weeks(filters)})
    weekly = weeks.join(tile.weekly, on="week", how="left")
    one_year = len({w.isocalendar()[0] for w in weekly["week"].to_list()}) == 1
    labels = [week_label(w)[5:] if one_year else week_label(w) for w in weekly["week"].to_list()]
    values = [None if v is None else v * scale for v in weekly["value"].to_list()]
    hover = [f"week of {w:%d %b}" for w in weekly["week"].to_list()]
    fig = go.Figure()
    fig.add_bar(
        x=labels, y=values, name="rate" if kpi.is_ratio else "median",
        customdata=list(zip(hover, weekly["n"].fill_null(0).to_list())),
        hovertemplate="%{customdata[0]}: %{y:.1f}<br>n = %{customdata[1]}<extra></extra>",
    )
    if "p90" in weekly.columns:
        fig.add_scatter(x=labels, y=weekly["p90"].to_list(), name="p90", mode="lines+markers", connectgaps=False)
    fig.add_hline(y=kpi.target * scale, line_dash="dash", annotation_text=f"target {format_value(kpi, kpi.target)}")
    fig.update_layout(
        height=260, margin=dict(l=10, r=10, t=30, b=10), title=kpi.title, showlegend="p90" in weekly.columns,
        yaxis_title="%" if kpi.is_ratio else kpi.unit, legend=dict(orientation="h", y=-0.3),
        xaxis=dict(type="category", tickangle=-45 if len(labels) > 12 else 0),
    )
    return fig


def definition_card(kpi: Kpi, filters: compute.Filters | None = None) -> None:
    """The definition, cohort rule and SQL of a KPI; with filters, also the SQL as run with the cuts."""
    with st.expander(f"Definition: {kpi.title}"):
        st.markdown(f"**{kpi.description}**")
        st.markdown(f"- Cohort: {kpi.cohort}\n- Unit: {kpi.unit}; {kpi.direction.replace('_', ' ')}; "
                    f"target {format_value(kpi, kpi.target)}\n- Owner: {kpi.owner}")
        if kpi.is_ratio:
            st.markdown(f"- Numerator: {kpi.numerator}\n- Denominator: {kpi.denominator}")
        st.code(kpi.sql, language="sql")
        if filters is not None and (any(filters.columns().values()) or filters.business_days):
            st.caption("As run with the chosen cuts" + (" and business days" if filters.business_days else ""))
            st.code(compute.prepared(kpi, filters)[0], language="sql")


@st.cache_data(show_spinner=False)
def _health(name: str, path: str, stamp: float, **kwargs) -> pl.DataFrame:
    return getattr(health, name)(path=Path(path), **kwargs)


def health_table(name: str, info: compute.WarehouseInfo, **kwargs) -> pl.DataFrame:
    return _health(name, str(info.path), _stamp(info.path), **kwargs)


def quarantine_chart(summary: pl.DataFrame) -> go.Figure:
    fig = go.Figure()
    for source in summary["source"].unique(maintain_order=True).to_list():
        part = summary.filter(pl.col("source") == source)
        fig.add_bar(y=(part["object"] + " · " + part["rule"]).to_list(), x=part["records"].to_list(), orientation="h", name=source)
    fig.update_layout(height=max(220, 28 * summary.height + 80), margin=dict(l=10, r=10, t=30, b=10),
                      title="Quarantined records by object and rule", barmode="stack")
    return fig


def week_label(day: date | None) -> str:
    if day is None:
        return "–"
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def settings():
    """Project settings, or a clear message and a stopped page when the file is wrong."""
    from pipelines.config import SettingsError, load_settings

    try:
        return load_settings()
    except SettingsError as exc:
        st.error(f"The settings file is wrong: {exc}")
        st.stop()


def source_overview(config) -> pl.DataFrame:
    from metrics.sources import overview

    return overview(config)


def run_refresh(config, names: list[str], full: bool) -> None:
    """Ingest the chosen sources and publish, with a progress bar; show what each load did."""
    from pipelines.refresh import refresh

    bar = st.progress(0.0, text="starting")
    try:
        results, published = refresh(config, names, full=full, progress=lambda label, share: bar.progress(min(share, 1.0), text=label))
    except Exception as exc:  # shown to the admin who started it; nothing was published
        bar.empty()
        st.error(f"The load failed and nothing was published: {type(exc).__name__}: {exc}")
        return
    rows = [
        {"source": r.source, "object": o.obj, "files read": o.files, "unchanged": o.files_skipped, "rows in": o.rows_in,
         "loaded": o.loaded, "quarantined": o.quarantined, "status": o.status}
        for r in results for o in r.objects
    ]
    st.success(f"Loaded {', '.join(r.source for r in results)} and published build {published.build_id}.")
    st.dataframe(pl.DataFrame(rows), hide_index=True)


# --- access: every page and export asks pipelines.access ---

def _sign_in_configured() -> bool:
    try:
        return "auth" in st.secrets
    except Exception:  # no secrets file at all: local mode
        return False


@st.cache_data(show_spinner=False)
def _access_settings(path: str, stamp: float):
    from pipelines.access import load_access_settings

    return load_access_settings(Path(path))


def current_access():
    """The viewer's role: from the signed-in email with sign-in configured, else local mode's default role.
    The role map is read once per change of the settings file, not at every call of a run."""
    from pipelines.access import resolve
    from pipelines.config import SettingsError
    from pipelines.paths import settings_path

    try:
        config = _access_settings(str(settings_path()), _stamp(settings_path()))
    except SettingsError as exc:
        st.error(f"The access settings are wrong: {exc}")
        st.stop()
    configured = _sign_in_configured()
    signed_in = bool(configured and getattr(st.user, "is_logged_in", False))
    email = st.user.get("email") if signed_in else None
    return resolve(config, sign_in_configured=configured, signed_in=signed_in, email=email)


def navigation(sections: dict[str, list[tuple[str, str, str]]]) -> dict[str, list]:
    """The pages this viewer may open (page stem, title, icon), by section; a page they may not see is not listed."""
    access = current_access()
    allowed: dict[str, list] = {}
    for section, pages in sections.items():
        shown = [st.Page(f"pages/{stem}.py", title=title, icon=icon) for stem, title, icon in pages if access.may_open(stem)]
        if shown:
            allowed[section] = shown
    with st.sidebar:
        st.caption(access.describe())
        if access.mode in ("signed_in", "unknown_user"):
            st.button("Log out", on_click=st.logout, key="logout")
    if not allowed:
        return {"": [st.Page("pages/no_access.py", title="Sign in" if access.mode == "signed_out" else "No access",
                             icon=":material/lock:")]}
    return allowed


def require(capability: str):
    """Stop a page whose viewer lacks the capability (the navigation hides it; this guards direct runs)."""
    access = current_access()
    if not access.can(capability):
        st.error("Your role may not open this page.")
        st.stop()
    return access


def download_csv(label: str, frame, file_name: str, *, key: str) -> None:
    """A CSV download as this viewer may have it: people columns only for roles allowed them, no formula
    cells; a download that carries people data is written to the audit trail. `frame` may be a
    callable returning the frame, so a large CSV is built only when the button is pressed."""
    from pipelines import decisions
    from pipelines.access import PERSONAL_COLUMNS, redact, safe_frame

    access = current_access()

    def shown() -> pl.DataFrame:
        return safe_frame(redact(frame() if callable(frame) else frame, access))

    def audit(rows: pl.DataFrame) -> None:
        personal = [c for c in rows.columns if c in PERSONAL_COLUMNS]
        if personal:
            decisions.record("export.personal", "download", file_name, actor=access.actor,
                             after={"rows": rows.height, "columns": personal})

    if callable(frame):
        def data() -> bytes:
            rows = shown()
            audit(rows)
            return rows.write_csv().encode()

        st.download_button(label, data, file_name=file_name, mime="text/csv", key=key)
    else:
        rows = shown()
        st.download_button(label, rows.write_csv().encode(), file_name=file_name, mime="text/csv", key=key,
                           on_click=lambda: audit(rows))

def audit_entries(actions: tuple[str, ...] = ()) -> pl.DataFrame:
    from pipelines import decisions

    entries = decisions.entries()
    return entries.filter(pl.col("action").is_in(list(actions))) if actions else entries


def for_viewer(frame: pl.DataFrame) -> pl.DataFrame:
    """The frame as the current viewer's role may see it (pipelines.access.redact)."""
    from pipelines.access import redact

    return redact(frame, current_access())
