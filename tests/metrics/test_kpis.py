"""Each KPI on the hand-built data set of tests/conftest.py::kpi_export, answers worked by hand."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from metrics.catalog import load_definitions
from metrics.compute import Filters, last_full_week, run, tiles
from tests.conftest import AS_OF

RANGE = Filters(date(2026, 11, 2), date(2026, 11, 22))  # W45..W47
W45, W46, W47 = date(2026, 11, 2), date(2026, 11, 9), date(2026, 11, 16)


def frame(kpi_warehouse, name: str, filters: Filters = RANGE) -> pl.DataFrame:
    return run(load_definitions()[name], filters, as_of=AS_OF, path=kpi_warehouse)


def row(result: pl.DataFrame, week: date | None) -> dict:
    picked = result.filter(pl.col("week").is_null() if week is None else pl.col("week") == week)
    assert picked.height == 1, f"no single row for week {week}: {result}"
    return picked.row(0, named=True)


def test_time_to_first_response(kpi_warehouse):
    result = frame(kpi_warehouse, "time_to_first_response")
    w46 = row(result, W46)
    # W46 cohort: ann 4 h (email), bo 24 h (the automated acknowledgement at 1 min does not count),
    # cy 48 h (rejection is a stage change), di never answered.
    # median of [4, 24, 48] = 24; p90 = 24 + 0.8 * (48 - 24) = 43.2 (position 0.9 * 2 = 1.8)
    assert w46["value"] == pytest.approx(24.0)
    assert w46["p90"] == pytest.approx(43.2)
    assert (w46["n"], w46["answered"]) == (4, 3)
    # within 24 h: ann, bo -> 2; denominator: ann, bo + cy (48 h) + di (unanswered, 24 h long past) = 4
    assert (w46["numerator"], w46["denominator"]) == (2, 4)
    assert w46["share_within_target"] == pytest.approx(0.5)
    w47 = row(result, W47)
    # ed answered in 10 h by a stage change; fay applied 12 h before as_of, still inside her 24 h window:
    # left out of the share's denominator, counted in n.
    assert (w47["value"], w47["n"], w47["numerator"], w47["denominator"]) == (pytest.approx(10.0), 2, 1, 1)
    total = row(result, None)
    # all answered: [4, 10, 24, 48] -> median (10 + 24) / 2 = 17; p90 at 2.7 -> 24 + 0.7 * 24 = 40.8
    assert total["value"] == pytest.approx(17.0)
    assert total["p90"] == pytest.approx(40.8)
    assert total["share_within_target"] == pytest.approx(3 / 5)


def test_time_to_hire(kpi_warehouse):
    total = row(frame(kpi_warehouse, "time_to_hire"), None)
    # ann: 9 Nov 09:00 -> 20 Nov 09:00 = 11 d; gus: 1 Oct 00:00 -> 17 Nov 12:00 = 47.5 d (both hired in W47)
    # median (11 + 47.5) / 2 = 29.25; p90 = 11 + 0.9 * 36.5 = 43.85
    assert (total["value"], total["p90"], total["n"]) == (pytest.approx(29.25), pytest.approx(43.85), 2)


def test_offer_acceptance_rate(kpi_warehouse):
    result = frame(kpi_warehouse, "offer_acceptance_rate")
    # decided in W47: ann accepted (18 Nov), gus accepted (16 Nov), hal declined (17 Nov); ivy pending: not decided
    w47 = row(result, W47)
    assert (w47["numerator"], w47["denominator"]) == (2, 3)
    assert w47["value"] == pytest.approx(2 / 3)
    assert result.filter(pl.col("week") == W46).height == 0


def test_interview_to_offer_rate(kpi_warehouse):
    result = frame(kpi_warehouse, "interview_to_offer_rate")
    # W45 (reached interviewing): gus, hal, ivy -> all reached offer: 3/3
    assert (row(result, W45)["numerator"], row(result, W45)["denominator"]) == (3, 3)
    # W46: ann (offer), jo (rejected at interview), kim (skipped interviewing: cohort date is her offer, 13 Nov) -> 2/3
    w46 = row(result, W46)
    assert (w46["numerator"], w46["denominator"]) == (2, 3)
    assert row(result, None)["value"] == pytest.approx(5 / 6)


def test_filters_narrow_every_kpi(kpi_warehouse):
    sales = Filters(RANGE.start, RANGE.end, departments=("Sales",))
    total = row(frame(kpi_warehouse, "time_to_first_response", sales), None)
    # only ed applied to the Sales job: 10 h
    assert (total["n"], total["value"]) == (1, pytest.approx(10.0))
    referral = Filters(RANGE.start, RANGE.end, channels=("Referral",), recruiters=("Ria Roy",))
    assert row(frame(kpi_warehouse, "time_to_first_response", referral), None)["n"] == 1
    nobody = Filters(RANGE.start, RANGE.end, recruiters=("x' OR '1'='1",))
    assert frame(kpi_warehouse, "time_to_first_response", nobody).filter(pl.col("week").is_null())["n"][0] == 0


def test_date_range_is_inclusive_of_its_last_day(kpi_warehouse):
    # fay applied on Sunday 22 Nov 12:00: in a range ending 22 Nov, not in one ending 21 Nov
    through_22 = row(frame(kpi_warehouse, "time_to_first_response", Filters(W47, date(2026, 11, 22))), None)
    through_21 = row(frame(kpi_warehouse, "time_to_first_response", Filters(W47, date(2026, 11, 21))), None)
    assert (through_22["n"], through_21["n"]) == (2, 1)


def test_tiles_compare_last_full_week_with_the_one_before(kpi_warehouse):
    assert last_full_week(AS_OF) == W47
    by_name = {t.kpi.name: t for t in tiles(RANGE, as_of=AS_OF, path=kpi_warehouse)}
    first = by_name["time_to_first_response"]
    assert (first.week_value, first.previous_week_value) == (pytest.approx(10.0), pytest.approx(24.0))
    assert first.meets_target is True  # 17 h over the range against a 24 h target, lower is better
    assert by_name["offer_acceptance_rate"].meets_target is False  # 2/3 against 0.8
