"""Stage mismatches: where two systems disagree about a candidate, how old and how serious; the
application's cross-system timeline; resolve with a note; export."""

import streamlit as st

import ui
import ui_stage_truth as truth

ui.require("people")
info = ui.warehouse_info()
filters = ui.sidebar_filters(info)
st.title("Stage mismatches")
st.caption("Pairs of facts from two systems that cannot both be true for long (rules, grace periods and "
           "severities in docs/definitions.md and data/stagetruth.toml [mismatches]). Department, recruiter and "
           "source filters narrow to mismatches of matching applications.")

show_all = st.toggle("Include resolved mismatches", key="mm_all")
frame = truth.mismatches(info, filters, include_resolved=show_all)
open_ = frame.filter(frame["status"] == "open")
a, b, c = st.columns(3)
a.metric("Open mismatches", f"{open_.height:,}")
b.metric("High severity", f"{open_.filter(open_['severity'] == 'high').height:,}")
c.metric("Oldest open", f"{open_['age_hours'].max() / 24:.1f} d" if open_.height else "–")

if frame.height == 0:
    st.success("No mismatches: every system agrees." if not show_all else "No mismatch has ever been raised.")
    st.stop()

st.subheader("By type")
st.dataframe(truth.summary(frame), hide_index=True, column_config={
    "median_age_hours": st.column_config.NumberColumn("median age (h)", format="%.1f"),
    "oldest_hours": st.column_config.NumberColumn("oldest (h)", format="%.1f")})

left, middle, right, far = st.columns(4)
types = left.multiselect("Type", sorted(frame["title"].unique().to_list()), key="mm_type", placeholder="All")
severities = middle.multiselect("Severity", ["high", "medium", "low"], key="mm_severity", placeholder="All")
systems = right.multiselect("System", sorted(set(frame["systems"].explode().to_list())), key="mm_system", placeholder="All")
owners = far.multiselect("Owner", sorted(frame["owner"].drop_nulls().unique().to_list()), key="mm_owner", placeholder="All")
shown = frame
if types:
    shown = shown.filter(shown["title"].is_in(types))
if severities:
    shown = shown.filter(shown["severity"].is_in(severities))
if systems:
    shown = shown.filter(shown["systems"].list.set_intersection(systems).list.len() > 0)
if owners:
    shown = shown.filter(shown["owner"].is_in(owners))

st.subheader(f"Mismatches ({shown.height:,})")
picked = st.dataframe(truth.table(shown), hide_index=True, on_select="rerun", selection_mode="single-row", key="mm_table",
                      column_config={"age_days": st.column_config.NumberColumn("age (days)", format="%.1f"),
                                     "since": st.column_config.DatetimeColumn("since", format="YYYY-MM-DD HH:mm"),
                                     "mismatch_id": None})
ui.download_csv("Export as CSV", truth.export_frame(shown), "stage_mismatches.csv", key="mm_export")

rows = shown.to_dicts()
if not rows:
    st.stop()
selected = picked.selection.rows if picked else []
if selected:
    index = selected[0]
    st.caption("Showing the row selected in the table; clear the selection to pick from the list.")
else:
    labels = [truth.label(r) for r in rows]
    index = st.selectbox("Open a mismatch", range(len(rows)), format_func=lambda i: labels[i], key="mm_pick")
row = rows[index]

st.subheader(row["title"])
st.markdown(f"**{row['severity'].title()}** · {row['status'].replace('_', ' ')} · owner {row['owner'] or '–'} · "
            f"since {row['since_at']:%Y-%m-%d %H:%M} UTC · first detected {row['first_detected_at']:%Y-%m-%d %H:%M} UTC")
st.dataframe(truth.evidence(row), hide_index=True)
if row["application_id"]:
    st.plotly_chart(truth.timeline_chart(info, row), width="stretch", key="mm_timeline")
else:
    st.caption("No application is known for this record, so there is no timeline.")
if row["status"] == "resolved_by_person":
    st.info(f"Resolved by {row['resolved_by']} on {row['resolved_at']:%Y-%m-%d %H:%M} UTC: {row['resolution_note']}")
elif row["status"] == "open":
    note = st.text_area("Why is it resolved? (required, kept in the audit trail)", key="mm_note")
    if st.button("Resolve", type="primary", key="mm_resolve"):
        if truth.resolve(row, note):
            st.rerun()
