"""Duplicates: persons with more than one record, why they were linked, and decisions that win over the rules."""

import streamlit as st

import ui
import ui_duplicates as dup
from pipelines.decisions import DecisionError

ui.require("people")
info = ui.warehouse_info()
st.title("Duplicates")
st.caption("Every candidate record from every source is resolved to a person. Links are never destructive: "
           "source records stay as they are, and every decision below can be undone.")

rates = dup.table("duplicate_rate_by_source", info)
total = rates.filter(rates["source"].is_null())
if total.height:
    row = total.row(0, named=True)
    a, b, c = st.columns(3)
    a.metric("Candidate records", f"{row['records']:,}")
    b.metric("Persons", f"{row['persons']:,}")
    c.metric("Duplicate record rate", f"{(row['duplicate_record_rate'] or 0):.1%}",
             help="(records − persons) / records; KPI duplicate_record_rate by week.")
st.dataframe(rates.filter(rates["source"].is_not_null()), hide_index=True,
             column_config={"duplicate_record_rate": st.column_config.NumberColumn("duplicate rate", format="percent")})

st.subheader("Clusters")
left, middle, right = st.columns(3)
all_sources = rates.filter(rates["source"].is_not_null())["source"].to_list()
sources = left.multiselect("Source", all_sources, key="dup_sources")
bands = middle.multiselect("Band", ["auto", "decided", "review", "ignore"], key="dup_bands")
order = right.radio("Sort by", ["size", "score"], horizontal=True, key="dup_order",
                    help="size: most records first; score: least certain link first")
clusters = dup.table("clusters", info, sources=sources, bands=bands, order=order)
st.dataframe(clusters, hide_index=True, key="dup_clusters",
             column_config={"lowest_score": st.column_config.NumberColumn("lowest link score", format="%.3f")})

if clusters.height == 0:
    st.info("No clusters match these filters.")
else:
    person = st.selectbox("Person", clusters["person_id"].to_list(), key="dup_person")
    pairs = dup.table("pairs_of", info, person_ids=[person])
    others = sorted({p for p in pairs["left_person_id"].to_list() + pairs["right_person_id"].to_list() if p != person})
    records = dup.table("person_records", info, person_ids=[person, *others])
    styled, differs = dup.side_by_side(records)
    st.markdown("**Records side by side** (highlighted: fields that differ"
                + (f" — {', '.join(differs)}" if differs else "") + ")")
    st.dataframe(styled, key="dup_side_by_side")
    st.markdown("**Match reasons**")
    st.dataframe(pairs, hide_index=True, key="dup_pairs")

    st.markdown("**Decide**")
    refs = records["record_ref"].to_list()
    chosen = st.multiselect("Records", refs, key="dup_refs",
                            help="Two records to confirm or reject as one person; for a split, the records to move out.")
    reason = st.text_input("Why", key="dup_reason")
    own = records.filter(records["person_id"] == person)["record_ref"].to_list()
    confirm, reject, split = st.columns(3)
    try:
        if confirm.button("Confirm same person", key="dup_confirm"):
            st.success(dup.decide("same", chosen, person, own, reason))
        if reject.button("Not the same person", key="dup_reject"):
            st.success(dup.decide("not_same", chosen, person, own, reason))
        if split.button("Split from this person", key="dup_split"):
            st.success(dup.decide("split", [r for r in chosen if r in own], person, own, reason))
    except DecisionError as exc:
        st.error(str(exc))

st.subheader("Review queue")
queue = dup.table("review_queue", info)
st.caption(f"{queue.height:,} pair(s) scored between the review and auto thresholds wait for a decision.")
st.dataframe(queue, hide_index=True, key="dup_queue")
ui.download_csv("Download the queue (CSV)", queue, "review_queue.csv", key="dup_download")

with st.expander("Decisions that stand"):
    standing = dup.recent_decisions()
    st.dataframe(standing, hide_index=True)
    if standing.height:
        audit = st.selectbox("Undo a decision", standing["audit_id"].to_list(), key="dup_undo_id")
        if st.button("Undo", key="dup_undo"):
            st.success(dup.undo(audit))
