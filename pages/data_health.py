"""Data health: the load log, quarantine by source and rule with the records behind it, the health
KPIs (stage reconciliation, sync errors, quarantine, freshness, open mismatches), open sync errors
and freshness per source."""

import streamlit as st

import ui
import ui_stage_truth as truth

access = ui.require("aggregates")
info = ui.warehouse_info()
filters = ui.sidebar_filters(info)
st.title("Data health")

log = ui.health_table("load_log", info)
st.subheader("Latest load per source")
if log.height:
    rows_in, loaded, quarantined = (int(log[c].sum()) for c in ("rows_in", "loaded", "quarantined"))
    a, b, c = st.columns(3)
    a.metric("Records read", f"{rows_in:,}")
    b.metric("Loaded", f"{loaded:,}")
    c.metric("Quarantined", f"{quarantined:,}", help="Records that broke a rule; nothing is dropped silently.")
    if not log["adds_up"].all():
        st.error("Some load counts do not add up (rows in ≠ loaded + quarantined). Re-run the load.")
st.dataframe(
    log.select("source", "object", "status", "files", "rows_in", "loaded", "quarantined", "quarantine_rate", "adds_up",
               "message", "finished_at"),
    hide_index=True,
    column_config={
        "quarantine_rate": st.column_config.NumberColumn("quarantine rate", format="percent"),
        "adds_up": st.column_config.CheckboxColumn("in = loaded + quarantined"),
        "finished_at": st.column_config.DatetimeColumn("loaded at", format="YYYY-MM-DD HH:mm"),
        "message": st.column_config.TextColumn("message", width="large"),
    },
)

st.subheader("Joins between systems")
joins = ui.health_table("joins", info)
if joins.height == 0:
    st.caption("No tool sources (calendar, messaging, checks, e-signature, payroll) are loaded yet.")
else:
    unjoined = int(joins["unjoined"].sum())
    st.caption(f"{unjoined:,} record(s) of tools could not be joined to an ATS application or candidate; "
               "they stay loaded and are counted here. Rules are configured in data/stagetruth.toml [joins].")
    st.dataframe(joins, hide_index=True,
                 column_config={"unjoined_rate": st.column_config.NumberColumn("unjoined share", format="percent")})

st.subheader("Quarantine by source and rule")
summary = ui.health_table("quarantine_summary", info)
if summary.height == 0:
    st.success("No quarantined records.")
else:
    st.plotly_chart(ui.quarantine_chart(summary), width="stretch", key="quarantine_chart")
    st.dataframe(summary, hide_index=True)

    st.subheader("Quarantined records")
    left, middle, right = st.columns(3)
    source = left.selectbox("Source", ["All"] + summary["source"].unique().sort().to_list(), key="q_source")
    obj = middle.selectbox("Object", ["All"] + summary["object"].unique().sort().to_list(), key="q_object")
    rule = right.selectbox("Rule", ["All"] + summary["rule"].unique().sort().to_list(), key="q_rule")
    records = ui.health_table(
        "quarantine_records", info,
        source=None if source == "All" else source,
        obj=None if obj == "All" else obj,
        rule=None if rule == "All" else rule,
    )
    st.caption(f"{records.height:,} record(s) shown (first 500)."
               + ("" if access.can("people") else " Records as received are shown to recruiting ops and admins only."))
    st.dataframe(ui.for_viewer(records), hide_index=True,
                 column_config={"payload": st.column_config.TextColumn("record as received", width="large")})

st.subheader("Health KPIs")
tiles = truth.health_tiles(info, filters)
for column, tile in zip(st.columns(len(tiles)), tiles):
    column.metric(tile.kpi.title, ui.format_value(tile.kpi, tile.value), help=tile.kpi.description)
    column.caption(f"n={tile.n:,} over the range")
left, right = st.columns(2)
for i, tile in enumerate(t for t in tiles if t.kpi.name in ("stage_reconciliation_rate", "sync_error_resolution_time")):
    with (left if i % 2 == 0 else right):
        st.plotly_chart(ui.trend_chart(tile, filters), width="stretch", key=f"health_trend_{tile.kpi.name}")
        ui.definition_card(tile.kpi)

st.subheader("Manual stage corrections")
corrections = truth.health("stage_corrections", info)
if corrections.height == 0:
    st.caption("No manual stage corrections.")
else:
    st.caption(f"{corrections.height:,} latest correction(s): moves back to a lower stage (see docs/definitions.md).")
    st.dataframe(corrections, hide_index=True,
                 column_config={"corrected_at": st.column_config.DatetimeColumn("corrected at", format="YYYY-MM-DD HH:mm")})

st.subheader("Open sync errors")
errors = truth.health("open_sync_errors", info, as_of=info.as_of)
if errors.height == 0:
    st.success("No open sync errors.")
else:
    st.metric("Open sync errors", f"{errors.height:,}", help="Errors a connector reports as still open.")
    st.caption(f"The oldest has been open {errors['age_hours'].max() / 24:.1f} days at {info.as_of:%Y-%m-%d %H:%M} UTC.")
    st.dataframe(errors, hide_index=True, column_config={
        "age_hours": st.column_config.NumberColumn("open for (h)", format="%.1f"),
        "first_seen_at": st.column_config.DatetimeColumn("first seen", format="YYYY-MM-DD HH:mm"),
        "message": st.column_config.TextColumn("message", width="large")})

st.subheader("Quarantine rate per source")
st.dataframe(truth.health("quarantine_by_source", info), hide_index=True,
             column_config={"quarantine_rate": st.column_config.NumberColumn("quarantine rate", format="percent")})

st.subheader("Freshness per source")
config = ui.settings()
fresh = truth.freshness(config)
stale = fresh.filter(fresh["stale"].fill_null(True))["source"].to_list() if fresh.height else []
if stale:
    st.warning(f"No good load within {config.freshness_warning_hours:g} h for: {', '.join(stale)}.")
st.dataframe(fresh, hide_index=True, column_config={
    "last_load_at": st.column_config.DatetimeColumn("last good load", format="YYYY-MM-DD HH:mm"),
    "hours_since_load": st.column_config.NumberColumn("hours since", format="%.1f"),
    "stale": st.column_config.CheckboxColumn(f"older than {config.freshness_warning_hours:g} h")})
