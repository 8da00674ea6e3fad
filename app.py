"""stagetruth dashboard: routes to the pages, nothing else."""

import streamlit as st

st.set_page_config(page_title="stagetruth", layout="wide")

navigation = st.navigation(
    {
        "Hiring": [st.Page("pages/overview.py", title="Overview", icon=":material/insights:", default=True)],
        "Data": [
            st.Page("pages/data_health.py", title="Data health", icon=":material/health_and_safety:"),
            st.Page("pages/mismatches.py", title="Stage mismatches", icon=":material/compare_arrows:"),
            st.Page("pages/sources.py", title="Sources", icon=":material/database:"),
        ],
    }
)
navigation.run()
