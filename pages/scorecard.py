"""Scorecard: one ISO week of every KPI against target, with its data-health footnote and exports."""

import streamlit as st

import ui
import ui_scorecard

ui.require("aggregates")
info = ui.warehouse_info()
filters = ui.sidebar_filters(info)
st.title("Weekly scorecard")
st.caption("Every KPI for one week against its target and the week before, with a four-week trend. "
           "The sidebar's department, recruiter and source filters apply; its date range does not.")
week = ui_scorecard.week_picker(info)
card = ui_scorecard.scorecard(info, week, filters) if week else None
if card is not None:
    st.caption(card.stamp)
    if card.scope:
        st.caption(f"Scope: {card.scope_text}")
    st.dataframe(ui_scorecard.preview(card), hide_index=True, key="scorecard_preview")
    trust = card.health.trust
    (st.success if trust == "high" else st.warning if trust == "limited" else st.error)(card.health.footnote)
    ui_scorecard.download_buttons(info, card, filters)
    with st.expander("Four-week trend charts"):
        left, right = st.columns(2)
        for i in range(len(card.lines)):
            (left if i % 2 == 0 else right).plotly_chart(ui_scorecard.trend_figure(card, i), key=f"scorecard_chart_{i}")
    st.subheader("Data health")
    st.dataframe(ui_scorecard.health_table(card), hide_index=True)
