"""Overview: every KPI this week against last and against target, with weekly trends."""

import streamlit as st

import ui
import ui_kpis

access = ui.require("aggregates")
info = ui.warehouse_info()
filters = ui.sidebar_filters(info)
st.title("Overview")
tiles = ui.kpi_tiles(info, filters, headline_only=True)
if tiles:
    st.caption(
        f"Tiles show the last full week ({ui.week_label(tiles[0].week)}) against the week before; "
        f"charts cover {filters.start:%d %b %Y} to {filters.end:%d %b %Y}."
    )

for column, tile in zip(st.columns(len(tiles)), tiles):
    kpi = tile.kpi
    delta = None
    if tile.week_value is not None and tile.previous_week_value is not None:
        change = tile.week_value - tile.previous_week_value
        delta = f"{change:+.0%} pts" if kpi.is_ratio else f"{change:+.1f} {kpi.unit}"
    column.metric(
        kpi.title,
        ui.format_value(kpi, tile.week_value),
        delta=delta,
        delta_color="inverse" if kpi.direction == "lower_is_better" else "normal",
        help=f"{kpi.description} Target: {ui.format_value(kpi, kpi.target)}.",
    )
    status = {True: "on target", False: "off target", None: "no data"}[tile.meets_target]
    column.caption(f"Range: {ui.format_value(kpi, tile.value)} (n={tile.n:,}) · {status}")

left, right = st.columns(2)
for i, tile in enumerate(tiles):
    with (left if i % 2 == 0 else right):
        ui_kpis.selectable(ui_kpis.weekly_chart(tile, filters), f"trend_{tile.kpi.name}", f"overview_week_{tile.kpi.name}")
        ui.definition_card(tile.kpi, filters)
        ui_kpis.selected_week_rows(tile.kpi, info, filters, f"overview_week_{tile.kpi.name}")
