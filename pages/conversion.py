"""Conversion: the funnel, cohort conversion over time, and by source and client, with drill-down."""

from dataclasses import replace

import streamlit as st

import ui
import ui_kpis

ui.require("aggregates")
info = ui.warehouse_info()
filters = ui.sidebar_filters(info)
st.title("Conversion")
st.caption(f"{filters.start:%d %b %Y} to {filters.end:%d %b %Y}. Select a funnel step, bar or point to see the "
           "applications behind it.")

st.subheader("Funnel")
funnel = ui_kpis.funnel(info, filters)
ui_kpis.selectable(ui_kpis.funnel_chart(funnel), "c_funnel", "funnel_stage")
with st.expander("Definition: Funnel"):
    st.markdown("Applications applied in the range (by applied date), counted at every stage they reached: the furthest "
                "stage is at or beyond it, so a skipped stage still counts. Share of the step before and of all applied.")
    st.code(ui_kpis.drill.FUNNEL_SQL, language="sql")
st.dataframe(funnel, hide_index=True, key="funnel_table",
             column_config={c: st.column_config.NumberColumn(c.replace("_", " "), format="percent") for c in ("of_previous", "of_applied")})
stage = st.selectbox("Applications that reached", funnel["stage"].to_list(), key="funnel_stage", index=None,
                     placeholder="select a funnel step (or pick one here)")
if stage is not None:
    ui_kpis.funnel_rows(info, filters, stage)

tiles = ui.kpi_tiles(info, filters, group="conversion")
by_name = {t.kpi.name: t for t in tiles}
for column, tile in zip(st.columns(max(len(tiles), 1)), tiles):
    column.metric(tile.kpi.title, ui.format_value(tile.kpi, tile.value), help=tile.kpi.description)
    column.caption(f"{tile.total.get('numerator', 0):,} / {tile.total.get('denominator', 0):,} · target "
                   f"{ui.format_value(tile.kpi, tile.kpi.target)}")
    with column:
        ui.definition_card(tile.kpi, filters)

st.subheader("Cohort conversion over time")
name = st.selectbox("Conversion", list(by_name), format_func=lambda n: by_name[n].kpi.title, key="conversion_kpi")
tile = by_name[name]
kpi = tile.kpi
ui_kpis.selectable(ui_kpis.weekly_chart(tile, filters), f"c_trend_{name}", "conversion_week")
ui.definition_card(kpi, filters)

left, right = st.columns(2)
for column, dimension in ((left, "source/channel"), (right, "client")):
    with column:
        split = ui_kpis.aggregate("by_dimension", kpi, info, filters, dimension=dimension)
        if split.height:
            ui_kpis.selectable(ui_kpis.bars_by(kpi, ui_kpis.drill.totals_by(split), dimension),
                               f"c_by_{dimension}_{name}", f"conversion_{dimension}", clear_on_deselect=True)
        ui.definition_card(kpi, filters)

st.subheader(f"Rows behind {kpi.title}")
week = ui_kpis.week_picker(filters, "conversion_week")
part = st.radio("Rows", ["all", "numerator", "denominator"], horizontal=True, key="conversion_part")
narrowed, only = filters, []
for dimension, attr in (("source/channel", "channels"), ("client", "clients")):
    value = st.session_state.get(f"conversion_{dimension}")
    if value is not None and value != "(none)":
        narrowed = replace(narrowed, **{attr: (value,)})
        only.append(f"{dimension} {value}")
        if st.button(f"All {dimension} values", key=f"clear_{attr}"):
            st.session_state[f"conversion_{dimension}"] = None
            st.rerun()
if only:
    st.caption(f"only {', '.join(only)} (selected in the charts)")
ui_kpis.drill_rows(kpi, info, narrowed, f"{kpi.title}, {'whole range' if week is None else ui.week_label(week)}, {part}",
                   f"conversion_{name}", week, None if part == "all" else part)
