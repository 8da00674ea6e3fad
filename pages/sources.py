"""Sources: every configured source, its last load, rows, quarantine and freshness; run a load."""

import streamlit as st

import ui

access = ui.require("load")
config = ui.settings()
st.title("Sources")
st.caption(f"Configured in data/stagetruth.toml · sources older than {config.freshness_warning_hours:g} h show as stale")

overview = ui.source_overview(config)
if overview.height == 0:
    st.info("No sources are configured. Add a [sources.NAME] table to data/stagetruth.toml.")
else:
    st.dataframe(
        overview,
        hide_index=True,
        column_config={
            "folder_exists": st.column_config.CheckboxColumn("folder found"),
            "last_load_at": st.column_config.DatetimeColumn("last good load", format="YYYY-MM-DD HH:mm"),
            "hours_since_load": st.column_config.NumberColumn("hours since", format="%.1f"),
            "stale": st.column_config.CheckboxColumn("stale"),
            "files": st.column_config.NumberColumn("files loaded"),
            "records": st.column_config.NumberColumn("records"),
        },
    )
    missing = overview.filter(~overview["folder_exists"])["source"].to_list()
    if missing:
        st.warning(f"Folder not found for: {', '.join(missing)}. Check their path in data/stagetruth.toml.")

    st.subheader("Run a load")
    st.caption("Reads new or changed files of the chosen sources, then publishes a new warehouse. "
               "The dashboard keeps showing the current one until the new one is complete.")
    names = st.multiselect("Sources", overview["source"].to_list(), default=overview["source"].to_list(), key="load_sources")
    full = st.checkbox("Re-read every file (full reload)", key="load_full")
    if st.button("Run load", type="primary", disabled=not names, key="load_run"):
        ui.run_refresh(config, names, full)
