"""Property-based tests over the readers, the typed extraction and the mapping."""

from __future__ import annotations

import csv
import io
import json
import re
import string
from datetime import datetime, timezone
from pathlib import Path
from tempfile import TemporaryDirectory

import duckdb
import polars as pl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipelines import warehouse
from pipelines.config import Settings, SourceSettings
from pipelines.load import ingest
from pipelines.readers import Field, extract, read_records

FAST = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
cell = st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=12)
column = st.text(alphabet=string.ascii_letters + " _", min_size=1, max_size=10).filter(lambda c: c.strip() == c and c)


@FAST
@given(header=st.lists(column, min_size=1, max_size=5, unique=True), data=st.data())
def test_csv_rows_come_back_cell_for_cell(header, data):
    rows = data.draw(st.lists(st.lists(cell, min_size=len(header), max_size=len(header)), max_size=8))
    rows = [r for r in rows if any(c != "" for c in r) or len(r) > 1]
    with TemporaryDirectory() as tmp:
        path = Path(tmp) / "x.csv"
        with open(path, "w", newline="", encoding="utf-8") as fh:
            writer = csv.writer(fh)
            writer.writerow(header)
            writer.writerows(rows)
        records, problems = read_records(warehouse.memory(), [path])
    assert not problems
    expected = [r for r in rows if r]  # the csv module skips nothing but blank lines
    assert records.height == len(expected)
    for payload, row in zip(records["_payload"].to_list(), expected):
        got = json.loads(payload)
        assert got == {h: (v if v != "" else None) for h, v in zip(header, row)}


@FAST
@given(records=st.lists(st.dictionaries(st.sampled_from(["id", "name", "n"]), st.one_of(st.integers(), cell, st.none()),
                                        min_size=1), min_size=1, max_size=10),
       as_lines=st.booleans())
def test_json_pages_and_lines_keep_every_record(records, as_lines):
    with TemporaryDirectory() as tmp:
        path = Path(tmp) / ("p.jsonl" if as_lines else "p.json")
        path.write_text("\n".join(json.dumps(r) for r in records) + "\n" if as_lines else json.dumps(records))
        out, problems = read_records(warehouse.memory(), [path])
    assert not problems
    assert [json.loads(p) for p in out["_payload"].to_list()] == records
    assert out["_record_no"].to_list() == list(range(len(records)))


@FAST
@given(st.lists(st.one_of(st.integers(min_value=0, max_value=4_102_444_800_000).map(str),
                          st.text(alphabet="0123456789abc-:. ", max_size=14)), min_size=1, max_size=10))
def test_epoch_ms_converts_exactly_or_is_a_bad_type(values):
    con = warehouse.memory()
    records = pl.DataFrame({"_file": ["f"] * len(values), "_record_no": list(range(len(values))),
                            "_payload": [json.dumps({"t": v}) for v in values]})
    out = extract(con, records, [Field("t", "$.t", "epoch_ms")])
    for value, typed, problems in zip(values, out["t"].to_list(), out["_problems"].to_list()):
        text = value.strip()
        if re.fullmatch(r"-?[0-9]+", text):  # a whole number of milliseconds, before 1970 too
            assert typed == datetime.fromtimestamp(int(text) / 1000, tz=timezone.utc)
            assert problems == []
        elif text == "":
            assert typed is None and problems == []
        else:
            assert typed is None and problems[0]["rule"] == "bad_type"


STAGES = ["New Submission", "Phone Screen", "Interview", "Offer Extended", "Hired", "Rejected"]
MAPPING = {
    "objects": {
        "apps": {
            "files": ["apps.csv"],
            "application": {"id": "id", "candidate_id": "person", "job_id": "job",
                            "applied_at": {"from": "applied", "format": "%Y-%m-%d"}, "source_stage": "status"},
        }
    }
}


@settings(max_examples=15, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(STAGES + ["Culture Chat", "  Interview ", ""]),
                          st.sampled_from(["2026-11-02", "2026-02-30", "", "yesterday"])), min_size=1, max_size=12))
def test_every_row_ends_loaded_or_quarantined_and_stages_are_never_guessed(rows):
    with TemporaryDirectory() as tmp:
        root = Path(tmp) / "src"
        root.mkdir()
        buf = io.StringIO()
        writer = csv.writer(buf)
        writer.writerow(["id", "person", "job", "applied", "status"])
        writer.writerows([[f"A{i}", "P1", "J1", day, stage] for i, (stage, day) in enumerate(rows)])
        (root / "apps.csv").write_text(buf.getvalue())
        stage_map = Path(tmp) / "map.toml"
        stage_map.write_text('[sheet.stages]\n"New Submission" = "applied"\n"Phone Screen" = "screened"\n'
                             '"Interview" = "interviewing"\n"Offer Extended" = "offer"\n"Hired" = "hired"\n"Rejected" = "rejected"\n')
        import os

        os.environ["STAGETRUTH_STAGE_MAP"] = str(stage_map)
        try:
            target = Path(tmp) / "wh" / "stagetruth.duckdb"
            result = ingest(SourceSettings("sheet", "mapped", root, mapping=MAPPING), Settings(warehouse=target),
                            loaded_at=datetime(2026, 11, 23, tzinfo=timezone.utc))
        finally:
            del os.environ["STAGETRUTH_STAGE_MAP"]
        with duckdb.connect(str(warehouse.staging_path(target)), read_only=True) as con:
            loaded = dict(con.sql("SELECT source_id, current_stage FROM application").fetchall())
            quarantined = {r[0]: r[1] for r in con.sql("SELECT record_id, rule FROM quarantine").fetchall()}
    [obj] = result.objects
    assert obj.rows_in == obj.loaded + obj.quarantined == len(rows)
    assert set(loaded) | set(quarantined) == {f"A{i}" for i in range(len(rows))}
    assert not set(loaded) & set(quarantined)
    canonical = {"New Submission": "applied", "Phone Screen": "screened", "Interview": "interviewing",
                 "Offer Extended": "offer", "Hired": "hired", "Rejected": "rejected"}
    for i, (stage, day) in enumerate(rows):
        key = f"A{i}"
        if key in loaded:
            assert loaded[key] == canonical[stage.strip()], (stage, loaded[key])
            assert day == "2026-11-02"
        elif stage.strip() and stage.strip() not in canonical and day == "2026-11-02":
            assert quarantined[key] == "unmapped_stage"
