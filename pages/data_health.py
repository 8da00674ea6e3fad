"""Data health: the load log, and quarantine by source and rule with the records behind it."""

import streamlit as st

import ui

access = ui.require("aggregates")
info = ui.warehouse_info()
ui.sidebar_filters(info)
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
