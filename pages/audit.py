"""Audit trail: every decision people made (merges, splits, resolutions, erasures, exports), append-only."""

import streamlit as st

import ui

ui.require("audit")
st.title("Audit trail")
st.caption("Every decision is appended here with who, when, what and why; nothing is ever edited or removed. "
           "Entries carry ids and keyed hashes, never names, emails or phones.")
entries = ui.audit_entries()
if entries.height == 0:
    st.info("No decisions recorded yet.")
else:
    actions = sorted(set(entries["action"].to_list()))
    picked = st.multiselect("Actions", actions, default=[], placeholder="All", key="audit_actions")
    shown = ui.audit_entries(tuple(picked))
    st.caption(f"{shown.height:,} of {entries.height:,} entries.")
    st.dataframe(shown, hide_index=True,
                 column_config={"recorded_at": st.column_config.DatetimeColumn("when", format="YYYY-MM-DD HH:mm:ss")})
    ui.download_csv("Download CSV", shown, "audit.csv", key="audit_csv")
