"""Exports of mismatches: no cell can run as a spreadsheet formula; sidebar filters narrow by application."""

from __future__ import annotations

import csv
import io

import polars as pl

from metrics.mismatches import mismatches, narrow, safe_csv


def test_no_cell_starts_a_formula():
    frame = pl.DataFrame({"owner": ["=HYPERLINK(\"http://x\")", "+1", "-2", "@SUM(A1)", "Sam Lee", None], "n": [1, 2, 3, 4, 5, 6]})
    rows = list(csv.DictReader(io.StringIO(safe_csv(frame))))
    assert [r["owner"] for r in rows] == ["'=HYPERLINK(\"http://x\")", "'+1", "'-2", "'@SUM(A1)", "Sam Lee", ""]
    assert [r["n"] for r in rows] == ["1", "2", "3", "4", "5", "6"]


def test_narrow_keeps_mismatches_of_matching_applications(demo_stack):
    _, _, _, wh, tmp = demo_stack
    every = mismatches(path=wh, decisions=tmp / "decisions.duckdb")
    assert narrow(every, {"department": [], "recruiter": [], "channel": []}, path=wh).height == every.height
    owner = every["owner"].drop_nulls()[0]
    mine = narrow(every, {"recruiter": [owner]}, path=wh)
    assert mine.height >= 1 and set(mine["owner"]) == {owner}
    assert mine.filter(pl.col("application_id").is_null()).height == 0
