"""stagetruth dashboard: routes to the pages, nothing else."""

import streamlit as st

st.set_page_config(page_title="stagetruth", page_icon="📊", layout="wide")

navigation = st.navigation(
    {
        "Hiring": [st.Page("pages/overview.py", title="Overview", icon="📈", default=True)],
        "Data": [st.Page("pages/data_health.py", title="Data health", icon="🩺")],
    }
)
navigation.run()
