"""The velocity and conversion KPIs on tests/velocity_data.py, answers worked by hand here.

W45 = 2-8 Nov, W46 = 9-15 Nov, W47 = 16-22 Nov 2026; AS_OF is Monday 23 Nov 00:00 UTC.
"""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from metrics.catalog import load_definitions
from metrics.compute import Filters, run, tiles
from tests.conftest import AS_OF

RANGE = Filters(date(2026, 11, 2), date(2026, 11, 22))
BUSINESS = Filters(RANGE.start, RANGE.end, business_days=True)
W45, W46, W47 = date(2026, 11, 2), date(2026, 11, 9), date(2026, 11, 16)


def frame(wh, name: str, filters: Filters = RANGE) -> pl.DataFrame:
    return run(load_definitions()[name], filters, as_of=AS_OF, path=wh)


def row(result: pl.DataFrame, week: date | None) -> dict:
    picked = result.filter(pl.col("week").is_null() if week is None else pl.col("week") == week)
    assert picked.height == 1, f"no single row for week {week}: {result}"
    return picked.row(0, named=True)


def test_every_velocity_and_conversion_kpi_of_the_spec_is_defined():
    kpis = load_definitions()
    velocity = {"time_to_first_response", "interview_scheduling_cycle", "offer_turnaround", "time_to_hire", "time_to_fill",
                "time_in_applied", "time_in_screened", "time_in_submitted", "time_in_interviewing", "time_in_offer",
                "stale_applications"}
    conversion = {"submission_to_interview_rate", "interview_to_offer_rate", "offer_acceptance_rate"}
    assert {n for n, k in kpis.items() if k.group == "velocity"} >= velocity
    assert {n for n, k in kpis.items() if k.group == "conversion"} >= conversion
    assert sum(k.headline for k in kpis.values()) <= 5


def test_interview_scheduling_cycle(velocity_warehouse):
    result = frame(velocity_warehouse, "interview_scheduling_cycle")
    # W46: ann's interview, merged from Greenhouse (invite 10 Nov 09:00) and the calendar (invite 08:00,
    # accepted 14:00): earliest invite -> 6 h; bo: Fri 13 Nov 12:00 -> Mon 16 Nov 12:00 = 72 h.
    # median (6 + 72) / 2 = 39; p90 = 6 + 0.9 * 66 = 65.4; within 48 h: ann only; both measured -> 1/2
    w46 = row(result, W46)
    assert (w46["value"], w46["p90"]) == (pytest.approx(39.0), pytest.approx(65.4))
    assert (w46["n"], w46["numerator"], w46["denominator"]) == (2, 1, 2)
    # W47: cy invited Wed 18 Nov 09:00, unconfirmed, 48 h long passed -> outside; gus invited Sun 22 Nov 12:00,
    # 12 h before AS_OF -> left out. No confirmed interview: no median.
    w47 = row(result, W47)
    assert (w47["value"], w47["n"], w47["confirmed"], w47["numerator"], w47["denominator"]) == (None, 2, 0, 0, 1)
    assert row(result, None)["share_within_target"] == pytest.approx(1 / 3)


def test_business_days_leave_weekends_out(velocity_warehouse):
    total = row(frame(velocity_warehouse, "interview_scheduling_cycle", BUSINESS), None)
    # ann Tue 08:00 -> 14:00 = 6 h; bo Fri 12:00 -> Mon 12:00 = 12 + 12 = 24 business hours: median 15.
    # cy: Wed 18 Nov 09:00 -> Mon 23 Nov 00:00 = 15 + 24 + 24 = 63 business hours > 48: outside; gus: Sunday
    # 12:00 -> Monday 00:00 = 0 business hours: left out. Within 48 h: ann, bo -> 2 / 3.
    assert total["value"] == pytest.approx(15.0)
    assert (total["numerator"], total["denominator"]) == (2, 3)
    fill = row(frame(velocity_warehouse, "time_to_fill", BUSINESS), W46)
    # job 3: Sunday 1 Nov -> Wednesday 11 Nov = Mon-Fri 2-6 Nov + Mon 9, Tue 10 = 7 business days
    assert fill["value"] == pytest.approx(7.0)


def test_offer_turnaround(velocity_warehouse):
    result = frame(velocity_warehouse, "offer_turnaround")
    # decided in W47: ann sent 16 Nov (midnight), accepted 18 Nov 12:00 = 2.5 d; ed sent 13 Nov, declined
    # 16 Nov 06:00 = 3.25 d. median 2.875; p90 = 2.5 + 0.9 * 0.75 = 3.175; within 3 days: ann -> 1/2
    w47 = row(result, W47)
    assert (w47["value"], w47["p90"], w47["n"]) == (pytest.approx(2.875), pytest.approx(3.175), 2)
    assert (w47["numerator"], w47["denominator"]) == (1, 2)
    # business days: ann Mon 00:00 -> Wed 12:00 = 2.5; ed Fri 00:00 -> Mon 06:00 = 1 + 0.25 = 1.25 -> median 1.875
    assert row(frame(velocity_warehouse, "offer_turnaround", BUSINESS), W47)["value"] == pytest.approx(1.875)


def test_time_to_fill_and_its_cuts(velocity_warehouse):
    result = frame(velocity_warehouse, "time_to_fill")
    # job 3: 1 Nov -> 11 Nov = 10 d (W46); job 1: 1 Oct -> 18 Nov 12:00 = 48.5 d (W47); job 2 still open.
    assert row(result, W46)["value"] == pytest.approx(10.0)
    total = row(result, None)
    # median (10 + 48.5) / 2 = 29.25; p90 = 10 + 0.9 * 38.5 = 44.65; within 40 days: job 3 -> 1/2
    assert (total["value"], total["p90"], total["n"]) == (pytest.approx(29.25), pytest.approx(44.65), 2)
    assert (total["numerator"], total["denominator"]) == (1, 2)
    people = row(frame(velocity_warehouse, "time_to_fill", Filters(RANGE.start, RANGE.end, departments=("People",))), None)
    assert (people["n"], people["value"]) == (1, pytest.approx(10.0))
    one_job = row(frame(velocity_warehouse, "time_to_fill", Filters(RANGE.start, RANGE.end, jobs=("greenhouse:1",))), None)
    assert (one_job["n"], one_job["value"]) == (1, pytest.approx(48.5))


def test_a_cut_a_kpi_cannot_take_is_named_not_ignored(velocity_warehouse):
    by_source = Filters(RANGE.start, RANGE.end, channels=("Referral",))
    found = {t.kpi.name: t for t in tiles(by_source, as_of=AS_OF, path=velocity_warehouse)}
    assert found["time_to_fill"].not_applied == ("source/channel",)
    assert found["time_to_hire"].not_applied == ()


def test_submission_to_interview_rate(velocity_warehouse):
    result = frame(velocity_warehouse, "submission_to_interview_rate")
    # W45: ann (submitted 6 Nov, interviewed) and ed (skipped submitted: cohort date is his interview,
    # 5 Nov) -> 2/2. W46: bo (9 Nov, interviewed 16 Nov) and cy (12 Nov, not) -> 1/2. di never got there.
    assert (row(result, W45)["numerator"], row(result, W45)["denominator"]) == (2, 2)
    assert (row(result, W46)["numerator"], row(result, W46)["denominator"]) == (1, 2)
    assert row(result, None)["value"] == pytest.approx(3 / 4)


def test_time_in_stage(velocity_warehouse):
    screened = frame(velocity_warehouse, "time_in_screened")
    # stays in screened: ann 4->6 Nov 2 d (W45), ed 3->5 Nov 2 d (W45), di 27 Oct -> rejected 5 Nov 9 d (W45),
    # bo 5->9 Nov 4 d (W46), cy 6->12 Nov 6 d (W46). All: [2, 2, 4, 6, 9] -> median 4; p90 at 3.6 -> 6 + 0.6 * 3 = 7.8
    total = row(screened, None)
    assert (total["value"], total["p90"], total["n"]) == (pytest.approx(4.0), pytest.approx(7.8), 5)
    assert (total["numerator"], total["denominator"]) == (3, 5)  # within 5 days: 2, 2, 4
    assert row(screened, W45)["value"] == pytest.approx(2.0)
    # offer: ann 16 Nov 09:00 -> hired 18 Nov 12:00 = 2.125 d; ed 12 Nov 10:00 -> withdrew 16 Nov 06:00 = 3 5/6 d
    offer = row(frame(velocity_warehouse, "time_in_offer"), W47)
    assert offer["value"] == pytest.approx((2.125 + 3 + 5 / 6) / 2)
    # submitted: ann 6 -> 10 Nov (W46); bo 9 Nov 09:00 -> 16 Nov 12:00 = 7.125 d (W47); cy still there
    submitted = frame(velocity_warehouse, "time_in_submitted")
    assert row(submitted, W46)["value"] == pytest.approx(4.0)
    assert (row(submitted, W47)["value"], row(submitted, None)["n"]) == (pytest.approx(7.125), 2)


def test_stale_applications(velocity_warehouse):
    result = frame(velocity_warehouse, "stale_applications")
    # open at AS_OF, by applied week: W45 bo (last moved 16 Nov 12:00, 6.5 d), cy (12 Nov 09:00, 10.625 d),
    # fay (never moved since 2 Nov 12:00: 20.5 d > 14 -> stale); W47 gus (19 Nov, 3.625 d).
    w45 = row(result, W45)
    assert (w45["numerator"], w45["denominator"]) == (1, 3)
    total = row(result, None)
    assert (total["numerator"], total["denominator"], total["value"]) == (1, 4, pytest.approx(0.25))
    # median days since the last move over [3.625, 6.5, 10.625, 20.5] = (6.5 + 10.625) / 2
    assert total["median_days_since_move"] == pytest.approx(8.5625)
