"""Velocity: how fast hiring moves. Every figure's week, bar or point drills down to its rows."""

import streamlit as st

import ui
import ui_kpis

ui.require("aggregates")
info = ui.warehouse_info()
filters = ui.sidebar_filters(info)
st.title("Velocity")
unit_note = "business days (Mon–Fri, UTC)" if filters.business_days else "calendar time"
st.caption(f"{filters.start:%d %b %Y} to {filters.end:%d %b %Y}, durations in {unit_note}. Select a bar or point to see "
           "the applications behind it.")

tiles = ui.kpi_tiles(info, filters, group="velocity")
by_name = {t.kpi.name: t for t in tiles}
main = [t for t in tiles if not t.kpi.name.startswith("time_in_")]

st.subheader("SLA attainment")
st.dataframe(
    [{"KPI": t.kpi.title, "median or rate": ui.format_value(t.kpi, t.value), "p90": ui.format_value(t.kpi, t.total.get("p90")),
      "target": ui.format_value(t.kpi, t.kpi.target), "within target": t.total.get("share_within_target"),
      "n": t.n, "cuts not applicable": ", ".join(t.not_applied)} for t in main],
    hide_index=True, key="sla_table",
    column_config={"within target": st.column_config.ProgressColumn("within target", format="percent", min_value=0, max_value=1)},
)

names = [t.kpi.name for t in main]
name = st.selectbox("KPI", names, format_func=lambda n: by_name[n].kpi.title, key="velocity_kpi")
tile = by_name[name]
kpi = tile.kpi
if tile.not_applied:
    st.info(f"{kpi.title} cannot be cut by {', '.join(tile.not_applied)}: that filter is not applied to it.")

left, right = st.columns(2)
with left:
    ui_kpis.selectable(ui_kpis.weekly_chart(tile, filters), f"v_trend_{name}", "velocity_week")
    ui.definition_card(kpi, filters)
with right:
    if "share_within_target" in tile.weekly.columns:
        ui_kpis.selectable(ui_kpis.sla_chart(tile, filters), f"v_sla_{name}", "velocity_week")
    else:
        st.caption(f"{kpi.title} has no target share.")
    ui.definition_card(kpi, filters)

left, right = st.columns(2)
with left:
    durations = ui_kpis.aggregate("durations", kpi, info, filters)
    st.plotly_chart(ui_kpis.distribution_chart(kpi, durations), width="stretch", key=f"v_dist_{name}")
    ui.definition_card(kpi, filters)
with right:
    dimension = st.selectbox("Weekly trend by", list(ui_kpis.drill.DIMENSIONS), key="velocity_dimension")
    split = ui_kpis.aggregate("by_dimension", kpi, info, filters, dimension=dimension)
    if split.height:
        ui_kpis.selectable(ui_kpis.dimension_chart(kpi, ui_kpis.drill.weekly_by(split), dimension),
                           f"v_dim_{name}_{dimension}", "velocity_week")
    ui.definition_card(kpi, filters)

st.subheader(f"Rows behind {kpi.title}")
week = ui_kpis.week_picker(filters, "velocity_week")
part = st.radio("Rows", ["all", "numerator", "denominator"], horizontal=True, key="velocity_part",
                help="numerator: within target; denominator: the rows the share is taken over.")
ui_kpis.drill_rows(kpi, info, filters, f"{kpi.title}, {'whole range' if week is None else ui.week_label(week)}, {part}",
                   f"velocity_{name}", week, None if part == "all" else part)

st.subheader("Where the pipeline waits")
stays = [t for t in tiles if t.kpi.name.startswith("time_in_")]
ui_kpis.selectable(ui_kpis.stage_chart(stays), "v_stages", "velocity_stage")
stage_kpi = st.session_state.get("velocity_stage")
for t in stays:
    ui.definition_card(t.kpi, filters)
if stage_kpi in by_name:
    ui_kpis.drill_rows(by_name[stage_kpi].kpi, info, filters, by_name[stage_kpi].kpi.title, "velocity_stage_rows")

stale = by_name.get("stale_applications")
if stale is not None:
    st.subheader("Stale applications by stage and owner")
    st.caption(f"{ui.format_value(stale.kpi, stale.value)} of {stale.n:,} open applications have not moved for more than "
               "the stale threshold.")
    st.dataframe(ui_kpis.aggregate("stale_breakdown", stale.kpi, info, filters), hide_index=True, key="stale_breakdown")
    ui.definition_card(stale.kpi, filters)
    ui_kpis.drill_rows(stale.kpi, info, filters, "Stale applications", "stale_rows", part="numerator")

st.subheader("Integration impact")
ui_kpis.impact_section(info, filters)
