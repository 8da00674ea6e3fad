"""Each mismatch rule at its grace boundary, and the cases each rule must leave alone."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import timedelta

import pytest

from pipelines.mismatches.detect import detect
from pipelines.mismatches.rules import RULES, MismatchSettings, MismatchSettingsError, load_mismatch_settings
from tests.mismatch_world import SCENARIOS, T, World, envelope_sent, interview_confirmed, payroll_hire

ONE_SECOND = timedelta(seconds=1)


def test_every_rule_has_a_scenario():
    assert set(SCENARIOS) == set(RULES)


@pytest.mark.parametrize("rule", sorted(RULES))
def test_rule_fires_at_its_grace_and_not_a_second_before(rule):
    world, since = SCENARIOS[rule]
    tables = world().tables()
    cfg = MismatchSettings()
    grace = cfg.rules[rule].grace
    inside = detect(tables, since + grace - ONE_SECOND, cfg)
    outside = detect(tables, since + grace, cfg)
    assert inside.filter(inside["type"] == rule).height == 0
    hit = outside.filter(outside["type"] == rule)
    assert hit.height == 1, outside
    row = hit.row(0, named=True)
    assert row["since_at"] == since and len(row["systems"]) == 2 and len(set(row["systems"])) == 2
    assert {e["system"] for e in row["evidence"]} == set(row["systems"])
    assert outside.height == 1, f"only {rule} should fire: {outside['type'].to_list()}"


@pytest.mark.parametrize("rule", sorted(RULES))
def test_grace_comes_from_the_settings(rule, tmp_path):
    path = tmp_path / "stagetruth.toml"
    path.write_text(f"[mismatches.rules.{rule}]\ngrace_hours = 100\nseverity = \"low\"\n")
    cfg = load_mismatch_settings(path)
    assert cfg.rules[rule].grace == timedelta(hours=100) and cfg.rules[rule].severity == "low"
    world, since = SCENARIOS[rule]
    tables = world().tables()
    assert detect(tables, since + timedelta(hours=100) - ONE_SECOND, cfg).height == 0
    assert detect(tables, since + timedelta(hours=100), cfg).height == 1


def test_bad_settings_are_named(tmp_path):
    path = tmp_path / "stagetruth.toml"
    path.write_text('[mismatches]\ncrm_sources = "bullhorn"\n[mismatches.rules.nope]\ngrace_hours = 1\n'
                    '[mismatches.rules.rejected_interview_booked]\ngrace_hours = -1\n'
                    '[mismatches.rules.hired_no_payroll_handoff]\nseverity = "urgent"\n')
    with pytest.raises(MismatchSettingsError) as err:
        load_mismatch_settings(path)
    text = str(err.value)
    for part in ("crm_sources", "mismatches.rules.nope", "grace_hours = -1", "severity = 'urgent'"):
        assert part in text


def test_a_screening_call_is_not_an_interview():
    world = World().application("screened", T - timedelta(days=3)).add(
        "interview", source="calendar", source_id="ev9", external_event_id="ev9", candidate_email="ann@mail.example",
        title="Preliminary Screening Call: Ann", slot_confirmed_at=T, start_at=T + timedelta(days=1), status="confirmed")
    assert detect(world.tables(), T + timedelta(days=1), MismatchSettings()).height == 0


def test_interview_agrees_once_the_ats_is_interviewing_and_a_cancelled_one_never_counts():
    agreed = interview_confirmed()
    agreed.rows["application"][0]["current_stage"] = "interviewing"
    assert detect(agreed.tables(), T + timedelta(days=1), MismatchSettings()).height == 0
    cancelled = interview_confirmed()
    cancelled.rows["interview"][0].update(status="cancelled", cancelled_at=T + timedelta(hours=1))
    assert detect(cancelled.tables(), T + timedelta(days=1), MismatchSettings()).height == 0


def test_envelope_for_an_application_the_ats_has_at_offer_is_not_flagged():
    world = envelope_sent()
    world.rows["application"][0]["current_stage"] = "offer"
    world.add("stage_event", source="greenhouse", source_id="1-offer", application_id="1", stage="offer",
              entered_at=T - timedelta(days=1))
    assert detect(world.tables(), T + timedelta(days=1), MismatchSettings()).height == 0


def test_payroll_hire_of_a_hired_application_agrees_and_an_unknown_hire_is_raised():
    hired = payroll_hire()
    hired.rows["application"][0].update(current_stage="hired", outcome="hired")
    assert detect(hired.tables(), T + timedelta(days=1), MismatchSettings()).height == 0
    stranger = World().add("handoff", source="payroll", source_id="W9", email="zed@mail.example", created_at=T)
    found = detect(stranger.tables(), T + timedelta(days=1), MismatchSettings())
    assert found.height == 1 and found["application_id"][0] is None
    assert json.dumps(found["evidence"][0].to_list(), default=str).count("no application") == 1


def test_a_rule_left_out_of_the_settings_rules_is_not_run():
    cfg = MismatchSettings()
    only = replace(cfg, rules={k: v for k, v in cfg.rules.items() if k != "payroll_hire_no_ats_hire"})
    assert detect(payroll_hire().tables(), T + timedelta(days=1), only).height == 0


def test_a_payroll_row_joined_by_address_goes_to_the_hire_no_other_row_names():
    """Hired twice: payroll names the second hire by id, the first only by email. The address join picks
    the latest application (the second); the rule must count the first hire as handed over."""
    world = World().application("hired", T - timedelta(days=30), outcome="hired").application(
        "hired", T - timedelta(days=5), outcome="hired", aid="2")
    world.rows["application"][1]["applied_at"] = T - timedelta(days=35)  # both applied before W1 was created
    world.add("handoff", source="payroll", source_id="W1", email="ann@mail.example", created_at=T - timedelta(days=29),
              start_on=(T - timedelta(days=20)).date())
    world.add("handoff", source="payroll", source_id="W2", application_id="2", email="ann@mail.example",
              created_at=T - timedelta(days=4), start_on=(T - timedelta(days=1)).date())
    tables = world.tables()
    link = tables["link"].sort("source_id")
    assert link["application_id"].to_list() == ["2", "2"]  # what the address join alone says
    assert detect(tables, T + timedelta(days=2), MismatchSettings()).height == 0


def test_a_payroll_hire_of_an_application_the_load_quarantined_is_left_to_the_quarantine():
    import polars as pl

    from pipelines.schema import Quarantine, polars_schema

    world = World().add("application", source="greenhouse", source_id="7", candidate_id="c1", job_id="j1",
                        applied_at=T - timedelta(days=9), current_stage="offer", outcome="active")
    world.add("handoff", source="payroll", source_id="W5", application_id="5", email="zed@mail.example", created_at=T)
    tables = world.tables()
    assert detect(tables, T + timedelta(days=1), MismatchSettings()).height == 1  # application 5 is unknown
    tables["quarantine"] = pl.DataFrame([dict(load_id="l", source="greenhouse", object="applications", file="a.json",
                                              record_no=1, record_id="5", rule="unmapped_stage", detail="...", payload=None,
                                              quarantined_at=T)], schema=polars_schema(Quarantine))
    assert detect(tables, T + timedelta(days=1), MismatchSettings()).height == 0


def test_a_check_requested_before_the_application_reached_offer_says_nothing_about_the_offer():
    from tests.mismatch_world import check_complete

    world = check_complete()
    world.rows["check"][0]["requested_at"] = T - timedelta(days=3)  # the offer stage was entered at T - 2 days
    assert detect(world.tables(), T + timedelta(days=1), MismatchSettings()).height == 0
