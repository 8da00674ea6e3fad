"""KPI definitions are checked with sqlglot before anything runs; bad definitions are fixtures."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from metrics.catalog import DefinitionError, definitions_version, load_definitions
from metrics.sql import with_filters
from pipelines.schema import warehouse_columns

BAD = Path(__file__).resolve().parents[1] / "fixtures" / "kpis_bad"


def problems_of(*dirs: Path) -> list[str]:
    with pytest.raises(DefinitionError) as caught:
        load_definitions(*dirs)
    return caught.value.problems


def test_shipped_definitions_load_and_state_their_header():
    kpis = load_definitions()
    assert {"time_to_first_response", "time_to_hire", "offer_acceptance_rate", "interview_to_offer_rate"} <= set(kpis)
    for kpi in kpis.values():
        assert kpi.title and kpi.owner and kpi.description and kpi.cohort
        if kpi.is_ratio:
            assert kpi.numerator and kpi.denominator


def test_unknown_column_names_file_line_and_column():
    [problem] = problems_of(BAD / "unknown_column")
    # header is 8 lines; the bad column sits on SQL line 3 -> file line 11, column 10
    assert re.search(r"unknown_column\.sql:11:10: .*hours_to_nowhere", problem), problem


def test_unknown_table_is_refused():
    [problem] = problems_of(BAD / "unknown_table")
    assert "unknown_table.sql:10:" in problem and "applications_v2" in problem


def test_unknown_parameters_are_all_reported():
    found = problems_of(BAD / "bad_parameter")
    assert any("$begin" in p and "bad_parameter.sql:11:" in p for p in found)
    assert any("$recruiter" in p for p in found)


def test_duplicate_names_across_directories():
    [problem] = problems_of(BAD / "duplicate_a", BAD / "duplicate_b")
    assert "duplicate KPI name 'twice'" in problem


def test_header_problems_are_listed_together():
    found = problems_of(BAD / "bad_header")
    joined = "\n".join(found)
    for expected in ("must equal the file name", "unit 'weeks'", "direction 'up'", "target 'soon'", "description",
                     "must return a column named 'n'", "group 'money'", "headline 'maybe'"):
        assert expected in joined, joined


def test_syntax_error_and_writes_are_refused():
    assert any("syntax.sql" in p for p in problems_of(BAD / "syntax"))
    assert any("may only read" in p for p in problems_of(BAD / "writes"))


def test_one_error_lists_every_problem_of_every_file():
    dirs = sorted(p for p in BAD.iterdir() if p.is_dir())
    with pytest.raises(DefinitionError) as caught:
        load_definitions(*dirs)
    message = str(caught.value)
    for d in ("unknown_column", "unknown_table", "bad_parameter", "bad_header", "syntax", "writes"):
        assert f"{d}.sql" in message


def test_filters_become_literals_not_sql():
    sql = with_filters("SELECT count(*) AS n FROM application_fact", {"recruiter": ["x') OR 1=1 --"], "department": []})
    assert "'x'') OR 1=1 --'" in sql and "department" not in sql
    with pytest.raises(ValueError):
        with_filters("SELECT 1 FROM application_fact", {"recruiter; DROP": ["a"]})


def test_schema_for_checks_comes_from_the_contracts():
    columns = warehouse_columns()
    assert columns["application_fact"]["applied_at"] == "TIMESTAMPTZ"
    assert columns["candidate_record"]["emails"] == "VARCHAR[]"


def test_definitions_version_changes_with_the_files(tmp_path):
    for src in (Path(__file__).resolve().parents[2] / "metrics" / "kpis").glob("*.sql"):
        (tmp_path / src.name).write_text(src.read_text())
    before = definitions_version(tmp_path)
    (tmp_path / "time_to_hire.sql").write_text((tmp_path / "time_to_hire.sql").read_text() + "\n")
    assert definitions_version(tmp_path) != before
