"""Shown instead of every page to a viewer without a role: signed out, or signed in but not in [access.users]."""

import streamlit as st

import ui

access = ui.current_access()
st.title("stagetruth")
if access.mode == "signed_out":
    st.info("Sign in to see recruiting data.")
    st.button("Log in", on_click=st.login, type="primary", key="login")
else:
    st.warning(f"{access.describe()} No data is shown until an admin adds you to [access.users].")
