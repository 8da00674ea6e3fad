"""KPI definitions for other warehouses: faithful rewrites, loud refusals, and numbers checked by running.

No Snowflake, BigQuery, Spark or Trino engine runs here. What is run: the DuckDB translation against
the warehouse, and every other translation read back by sqlglot into DuckDB and run against the same
warehouse (a check of structure and of the rewrites as sqlglot reads the target dialect, not proof
against the real engine). The exact rewritten constructs are asserted as text.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timezone

import polars as pl
import polars.testing as pt
import pytest
import sqlglot
from typer.testing import CliRunner

from metrics.catalog import load_definitions
from metrics.compute import Filters, run
from metrics.sql.transpile import DIALECTS, TranspileError, transpile
from pipelines import warehouse
from pipelines.cli import app
from tests.conftest import AS_OF

RANGE = Filters(date(2026, 10, 1), date(2026, 11, 22))
VALUES = {"start": RANGE.start_ts, "end": RANGE.end_ts, "as_of": AS_OF}
PERCENTILE = re.compile(r"\b(quantile_cont|percentile_cont|median)\s*\(", re.I)


def read_back(sql: str, dialect: str) -> str:
    """The translation as sqlglot reads it, written for DuckDB. sqlglot reads Spark's PERCENTILE (exact,
    interpolated) as DuckDB's discrete QUANTILE; the bridge maps it to QUANTILE_CONT, its documented meaning."""
    back = sqlglot.transpile(sql, read=dialect, write="duckdb")[0]
    return re.sub(r"\bQUANTILE\(", "QUANTILE_CONT(", back) if dialect == "spark" else back


def run_sql(path, sql: str) -> pl.DataFrame:
    with warehouse.read_only(path) as con:
        return warehouse.query(con, sql).sort("week", nulls_last=True)


@pytest.mark.parametrize("dialect", DIALECTS)
def test_every_kpi_translates_with_the_same_numbers_or_is_refused_by_name(kpi_warehouse, dialect):
    for name, kpi in load_definitions().items():
        try:
            translation = transpile(name, kpi.sql, dialect, {**VALUES, "target": kpi.target})
        except TranspileError as exc:
            assert f"KPI {name}" in str(exc) and dialect in str(exc)
            if kpi.group == "health":
                continue  # data-health definitions read stagetruth's own load tables: refusing them by name is enough
            # the only refusals of the hiring definitions: exact percentiles where the target has none
            assert dialect in ("bigquery", "trino") and PERCENTILE.search(kpi.sql), str(exc)
            assert f"KPI {name}" in str(exc) and dialect in str(exc) and "percentile" in str(exc)
            continue
        if "stale_days" in kpi.sql:
            continue  # a settings parameter this test does not supply
        want = run(kpi, RANGE, as_of=AS_OF, path=kpi_warehouse).sort("week", nulls_last=True)
        got = run_sql(kpi_warehouse, translation.sql if dialect == "duckdb" else read_back(translation.sql, dialect))
        pt.assert_frame_equal(got.select(want.columns), want, check_dtypes=False)
        assert "$" not in translation.sql and not translation.parameters


def test_parameters_become_the_dialects_markers_when_no_value_is_given():
    kpi = load_definitions()["offer_acceptance_rate"]
    expected = {"duckdb": "$start", "bigquery": "@start", "spark": ":start", "snowflake": "?", "trino": "?"}
    for dialect, marker in expected.items():
        translation = transpile(kpi.name, kpi.sql, dialect)
        assert marker in translation.sql, dialect
        if dialect != "duckdb":
            assert translation.parameters == ("start", "end")


HIRE = """
SELECT CAST(date_trunc('week', hired_at) AS DATE) AS week,
  quantile_cont((epoch(hired_at) - epoch(applied_at)) / 86400.0, 0.5) AS value, count(*) AS n
FROM application_fact WHERE hired_at >= $start AND hired_at < $end
GROUP BY GROUPING SETS ((CAST(date_trunc('week', hired_at) AS DATE)), ())
"""
OFFERS = """
SELECT CAST(date_trunc('week', offer_decided_at) AS DATE) AS week,
  count(*) FILTER (WHERE offer_outcome = 'accepted') / nullif(count(*), 0) AS value, count(*) AS n
FROM application_fact WHERE offer_outcome IN ('accepted', 'declined')
GROUP BY GROUPING SETS ((CAST(date_trunc('week', offer_decided_at) AS DATE)), ())
"""


def test_the_rewritten_constructs():
    spark = transpile("hire", HIRE, "spark").sql
    assert "PERCENTILE(" in spark and "PERCENTILE_APPROX" not in spark and "PERCENTILE_CONT" not in spark
    assert "UNIX_MICROS(hired_at) / 1000000.0" in spark and "UNIX_TIMESTAMP" not in spark  # seconds keep their fraction
    assert "DATE_TRUNC('WEEK', hired_at)" in spark  # Spark weeks start on Monday
    snowflake = transpile("hire", HIRE, "snowflake").sql
    assert "PERCENTILE_CONT(0.5) WITHIN GROUP (ORDER BY" in snowflake
    # not DATE_TRUNC('WEEK'), which follows the session's WEEK_START
    assert "DATEADD(DAY, 1 - DAYOFWEEKISO(hired_at), DATE_TRUNC('DAY', hired_at))" in snowflake
    assert "DATE_PART(EPOCH_MICROSECOND, hired_at) / 1000000.0" in snowflake
    bigquery = transpile("offers", OFFERS, "bigquery").sql
    assert "TIMESTAMP_TRUNC(offer_decided_at, ISOWEEK)" in bigquery and ", WEEK)" not in bigquery
    assert "COUNT(CASE WHEN offer_outcome = 'accepted' THEN 1 END)" in bigquery
    assert "CAST(COUNT(CASE WHEN offer_outcome = 'accepted' THEN 1 END) AS FLOAT64) / NULLIF(" in bigquery
    trino = transpile("offers", OFFERS, "trino").sql
    assert "DATE_TRUNC('WEEK', offer_decided_at)" in trino and "CAST(COUNT(" in trino


SUNDAY_WEEKS = """
SELECT CAST(date_trunc('week', applied_at) AS DATE) AS week, count(*) AS value, count(*) AS n
FROM application_fact GROUP BY 1
"""


@pytest.mark.parametrize("dialect", DIALECTS)
def test_weeks_start_on_monday_in_every_dialect(kpi_warehouse, dialect):
    """fay applied on Sunday 22 Nov: an ISO week puts her in the week of Monday 16 Nov."""
    want = run_sql(kpi_warehouse, SUNDAY_WEEKS)
    assert want.filter(pl.col("week") == date(2026, 11, 16))["n"][0] == 2  # ed (Mon) and fay (Sun)
    got = run_sql(kpi_warehouse, read_back(transpile("weeks", SUNDAY_WEEKS, dialect).sql, dialect))
    pt.assert_frame_equal(got, want, check_dtypes=False)
    if dialect == "bigquery":  # sqlglot's own translation moves fay into a Sunday week: the rewrite is what saves it
        naive = sqlglot.transpile(SUNDAY_WEEKS, read="duckdb", write="bigquery")[0]
        assert not run_sql(kpi_warehouse, read_back(naive, "bigquery")).equals(want)


@pytest.mark.parametrize("dialect", ["bigquery", "trino"])
def test_percentiles_are_refused_where_only_approximate_ones_exist(dialect):
    sql = HIRE.replace("AS value,", "AS value, quantile_cont(epoch(hired_at), 0.9) AS p90,")
    with pytest.raises(TranspileError) as caught:
        transpile("time_to_hire", sql, dialect)
    message = str(caught.value)
    assert message.startswith(f"KPI time_to_hire cannot be translated faithfully to {dialect}")
    assert "QUANTILE_CONT" in message and "line " in message
    assert len(caught.value.problems) == 2  # median and p90, both listed


@pytest.mark.parametrize(
    ("sql", "construct"),
    [
        ("SELECT week, sum(x) OVER (ORDER BY week) AS value, 1 AS n FROM t", "Window"),
        ("SELECT date_trunc('month', applied_at) AS week, 1 AS value, 1 AS n FROM t", "only week truncation"),
        ("SELECT week, a / b AS value, 1 AS n FROM t", "may be zero"),
        ("SELECT week, list_aggregate(xs, 'sum') AS value, 1 AS n FROM t", "allowlist"),
        ("SELECT week, applied_at + INTERVAL 1 DAY AS value, 1 AS n FROM t", "Interval"),
        ("SELECT week, quantile_cont(x, $target) AS value, 1 AS n FROM t", "number literal"),
        ("SELECT week, percentile_disc(0.5) WITHIN GROUP (ORDER BY x) AS value, 1 AS n FROM t", "WITHIN GROUP"),
    ],
)
def test_anything_off_the_allowlist_is_refused(sql, construct):
    for dialect in ("snowflake", "spark"):
        with pytest.raises(TranspileError, match=construct):
            transpile("probe", sql, dialect)


def test_greatest_skips_nulls_as_duckdb_does():
    sql = "SELECT week, greatest(a, 0) AS value, 1 AS n FROM t"
    assert "GREATEST" in transpile("probe", sql, "spark").sql  # Spark's greatest skips NULLs too
    snowflake = transpile("probe", sql, "snowflake").sql
    assert "GREATEST" not in snowflake and "WHEN a IS NULL THEN 0" in snowflake.replace("\n", " ").replace("  ", " ")


runner = CliRunner()


def test_sql_command_prints_a_translation_with_its_header():
    result = runner.invoke(app, ["sql", "time_to_hire", "--dialect", "spark", "--week", "2026-W47"])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("-- stagetruth KPI time_to_hire (definitions ")
    assert "PERCENTILE(" in result.stdout and "hired_at >= CAST('2026-11-16 00:00:00+00:00' AS TIMESTAMP)" in result.stdout
    assert "hired_at < CAST('2026-11-23 00:00:00+00:00' AS TIMESTAMP)" in result.stdout
    open_window = runner.invoke(app, ["sql", "offer_acceptance_rate", "--dialect", "trino"])
    assert open_window.exit_code == 0 and "-- bind ? in this order: start, end" in open_window.stdout


def test_sql_command_refuses_clearly():
    refused = runner.invoke(app, ["sql", "time_to_hire", "--dialect", "bigquery"])
    assert refused.exit_code == 2 and "Traceback" not in refused.output
    assert "time_to_hire" in refused.output and "bigquery" in refused.output and "QUANTILE_CONT" in refused.output
    unknown = runner.invoke(app, ["sql", "time_to_nothing", "--dialect", "spark"])
    assert unknown.exit_code == 2 and "no KPI named 'time_to_nothing'" in unknown.output
    dialect = runner.invoke(app, ["sql", "time_to_hire", "--dialect", "oracle"])
    assert dialect.exit_code == 2 and "snowflake" in dialect.output
    week = runner.invoke(app, ["sql", "time_to_hire", "--week", "2026-47"])
    assert week.exit_code == 2 and "ISO week" in week.output


def test_values_are_typed_literals_never_text_pasted_into_sql():
    kpi = load_definitions()["offer_acceptance_rate"]
    start = datetime(2026, 11, 16, tzinfo=timezone.utc)
    sql = transpile(kpi.name, kpi.sql, "trino", {"start": start}).sql
    assert "CAST('2026-11-16 00:00:00 UTC' AS TIMESTAMP WITH TIME ZONE)" in sql
    with pytest.raises(TypeError):
        transpile(kpi.name, kpi.sql, "trino", {"start": "2026-11-16'; DROP TABLE x; --"})


@pytest.mark.parametrize("command", ["sql", "scorecard"])
def test_the_new_commands_have_help(command):
    result = runner.invoke(app, [command, "--help"])
    assert result.exit_code == 0 and "Usage" in result.output and len(result.output.splitlines()) > 5


def test_an_xlsx_scorecard_needs_a_file(kpi_warehouse, monkeypatch):
    monkeypatch.setenv("STAGETRUTH_WAREHOUSE", str(kpi_warehouse))
    result = runner.invoke(app, ["scorecard", "--week", "2026-W47", "--format", "xlsx"])
    assert result.exit_code == 2 and "--out" in result.output
