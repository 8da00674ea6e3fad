"""stagetruth dashboard: routes to the pages this viewer's role may open, nothing else."""

import streamlit as st

import ui

st.set_page_config(page_title="stagetruth", layout="wide")

PAGES = {  # section -> (page file stem, title, icon); pipelines/access.py says which role opens which
    "Hiring": [
        ("overview", "Overview", ":material/insights:"),
        ("velocity", "Velocity", ":material/speed:"),
        ("conversion", "Conversion", ":material/filter_alt:"),
    ],
    "Data": [
        ("data_health", "Data health", ":material/health_and_safety:"),
        ("mismatches", "Stage mismatches", ":material/compare_arrows:"),
        ("duplicates", "Duplicates", ":material/group:"),
        ("sources", "Sources", ":material/database:"),
        ("audit", "Audit trail", ":material/history:"),
    ],
    "Reports": [("scorecard", "Scorecard", ":material/table_chart:")],
}
st.navigation(ui.navigation(PAGES)).run()
