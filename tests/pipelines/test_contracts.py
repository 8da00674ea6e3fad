"""The canonical contracts: grain, UTC, first entry wins, stage order, not in future, counts add up."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pandera.errors
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipelines.contracts import CANONICAL_MODELS, StageEvent, stage_order_ok, stage_order_ok_expr, validation_context
from pipelines.derive import application_stage
from pipelines.schema import ALL_MODELS, LoadLog, grain, polars_schema
from pipelines.stages import ALL_STAGES, Stage, StageMapError, load_stage_map
from pipelines.validate import PROBLEM, ContractError, split

T0 = datetime(2026, 11, 2, 9, tzinfo=timezone.utc)
LOADED = datetime(2026, 11, 23, tzinfo=timezone.utc)


def events(rows: list[tuple[str, str, datetime]]) -> pl.DataFrame:
    """Staged stage_event rows: (application_id, stage, entered_at)."""
    return pl.DataFrame(
        {
            "source": ["gh"] * len(rows),
            "source_id": [f"e{i}" for i in range(len(rows))],
            "load_id": ["l1"] * len(rows),
            "application_id": [r[0] for r in rows],
            "source_stage": [r[1] for r in rows],
            "stage": [r[1] for r in rows],
            "entered_at": [r[2] for r in rows],
            "actor": [None] * len(rows),
            "actor_type": ["unknown"] * len(rows),
            "system": ["ats"] * len(rows),
            "derived": [False] * len(rows),
            "_file": ["f.csv"] * len(rows),
            "_record_no": list(range(len(rows))),
            "_payload": ["{}"] * len(rows),
        },
        schema_overrides={"entered_at": pl.Datetime("us", "UTC"), "actor": pl.String, "_record_no": pl.Int64},
    ).with_columns(_problems=pl.lit([], dtype=pl.List(PROBLEM)))


def validate(frame: pl.DataFrame, skew: timedelta = timedelta(minutes=15)):
    with validation_context(LOADED, skew):
        return split(StageEvent, frame)


def test_every_table_states_its_grain():
    for table in ALL_MODELS:
        assert grain(table).startswith(f"{table}: one row per"), table


def test_taxonomy_is_one_enum_in_canonical_order():
    assert [s.value for s in Stage] == list(ALL_STAGES)
    assert Stage.APPLIED.rank < Stage.SCREENED.rank < Stage.SUBMITTED.rank < Stage.INTERVIEWING.rank < Stage.OFFER.rank < Stage.HIRED.rank
    assert Stage.REJECTED.is_exit and Stage.WITHDRAWN.rank is None


def test_clean_events_pass():
    result = validate(events([("a", "applied", T0), ("a", "screened", T0 + timedelta(days=1)), ("a", "rejected", T0 + timedelta(days=2))]))
    assert result.counts == (3, 0)


def test_naive_timestamps_break_the_contract_as_a_whole():
    frame = events([("a", "applied", T0)]).with_columns(pl.col("entered_at").dt.replace_time_zone(None))
    with pytest.raises(ContractError, match="entered_at"):
        validate(frame)


def test_not_in_future_allows_the_skew_and_nothing_more():
    limit = LOADED + timedelta(minutes=15)
    result = validate(events([("a", "applied", limit), ("b", "applied", limit + timedelta(microseconds=1))]))
    assert result.counts == (1, 1)
    assert result.quarantine.row(0, named=True)["rule"] == "not_in_future"
    assert validate(events([("b", "applied", limit + timedelta(minutes=1))]), skew=timedelta(minutes=20)).counts == (1, 0)


def test_stage_order_quarantines_the_record_claiming_a_later_stage_too_early():
    frame = events([
        ("a", "applied", T0),
        ("a", "offer", T0 + timedelta(days=5)),
        ("a", "hired", T0 + timedelta(days=3)),   # hired before the offer: this record fails
        ("a", "hired", T0 + timedelta(days=9)),   # a later hire record is in order
        ("b", "applied", T0),
        ("b", "rejected", T0 - timedelta(days=1)),  # an exit before the application's first entry
    ])
    result = validate(frame)
    assert sorted(result.quarantine["record_id"].to_list()) == ["e2", "e5"]
    assert set(result.quarantine["rule"]) == {"stage_order"}


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(st.sampled_from("abc"), st.sampled_from(ALL_STAGES), st.integers(0, 12)), min_size=1, max_size=40))
def test_stage_order_check_agrees_with_its_window_definition(rows):
    """The fast check and the definition written as windows agree on every event, ties included."""
    frame = events([(app, stage, T0 + timedelta(days=day)) for app, stage, day in rows])
    fast = stage_order_ok(frame.lazy()).collect().to_series().to_list()
    assert fast == frame.select(stage_order_ok_expr()).to_series().to_list()


def test_reentry_is_not_a_violation_and_first_entry_wins():
    rows = [("a", "applied", T0), ("a", "screened", T0 + timedelta(days=1)), ("a", "interviewing", T0 + timedelta(days=2)),
            ("a", "screened", T0 + timedelta(days=3)), ("a", "interviewing", T0 + timedelta(days=4))]
    result = validate(events(rows))
    assert result.counts == (5, 0)
    app = pl.DataFrame({"source": ["gh"], "source_id": ["a"], "applied_at": [T0 + timedelta(hours=1)]},
                       schema_overrides={"applied_at": pl.Datetime("us", "UTC")})
    stages = application_stage(app, result.good).sort("stage")
    interviewing = stages.filter(pl.col("stage") == "interviewing").row(0, named=True)
    assert (interviewing["entered_at"], interviewing["entries"]) == (T0 + timedelta(days=2), 2)
    # applied: the history row at T0 is earlier than the application's own applied_at
    assert stages.filter(pl.col("stage") == "applied")["entered_at"][0] == T0
    assert "offer" not in stages["stage"].to_list()  # never invented


def test_a_later_copy_of_a_record_supersedes_the_earlier():
    frame = events([("a", "applied", T0), ("a", "applied", T0 + timedelta(hours=1))]).with_columns(source_id=pl.lit("same"))
    result = validate(frame)
    assert result.counts == (1, 1)
    assert result.good["entered_at"][0] == T0 + timedelta(hours=1)
    assert result.quarantine["rule"][0] == "duplicate_id"


def test_every_failure_of_a_record_is_listed():
    frame = events([("a", "nowhere", LOADED + timedelta(days=2))])
    q = validate(frame).quarantine.row(0, named=True)
    assert "allowed_values" in q["detail"] and "not_in_future" in q["detail"]


def test_load_log_counts_must_add_up():
    row = dict(load_id="l", source="gh", object="candidates", files=1, files_skipped=0, rows_in=10, loaded=7, quarantined=2, suppressed=0,
               status="partial", message=None, started_at=LOADED, finished_at=LOADED)
    with pytest.raises(pandera.errors.SchemaErrors, match="counts_add_up"):
        LoadLog.validate(pl.DataFrame([row], schema=polars_schema(LoadLog)), lazy=True)


def test_stage_map_refuses_a_target_that_is_not_canonical(tmp_path):
    bad = tmp_path / "map.toml"
    bad.write_text('[acme.stages]\n"Phone" = "screening"\n"Onsite" = "interviewing"\n[acme.rejection_types]\n"x" = "hired"\n')
    with pytest.raises(StageMapError) as caught:
        load_stage_map("acme", bad)
    assert "'screening'" in str(caught.value) and "must be an exit" in str(caught.value)
    with pytest.raises(StageMapError, match=r"no \[other\] section"):
        load_stage_map("other", bad)


def test_every_canonical_model_carries_the_trace_columns():
    for table, model in CANONICAL_MODELS.items():
        assert {"source", "source_id", "load_id"} <= set(polars_schema(model)), table
