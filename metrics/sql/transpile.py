"""A KPI definition in another warehouse's SQL, or a loud refusal.

sqlglot's own transpiler can change meaning without a word (STACK-NOTES): DuckDB's
quantile_cont became Spark PERCENTILE_CONT (rejected there), percentile_cont WITHIN GROUP became
PERCENTILE_APPROX (other numbers), BigQuery weeks start on Sunday. So a definition is translated
only when every construct in it is on an allowlist; constructs whose meaning differs between
engines are rewritten explicitly, per dialect, into the target's exact equivalent; anything else
raises TranspileError naming the KPI, the construct, where it is and the dialect.

Explicit rewrites (every dialect but duckdb):
- date_trunc('week', x): an ISO week (Monday start, UTC) written out for the target;
- epoch(x): seconds with their fraction;
- quantile_cont / percentile_cont WITHIN GROUP / median: exact interpolated percentiles where the
  target has one (Snowflake PERCENTILE_CONT WITHIN GROUP, Spark PERCENTILE); refused on BigQuery
  (PERCENTILE_CONT is analytic-only, APPROX_QUANTILES approximate) and Trino (approx_percentile only);
- agg FILTER (WHERE c): agg(CASE WHEN c THEN x END);
- a / b: floating-point division as in DuckDB (Snowflake keeps 6 decimals of NUMBER, Trino
  truncates integers), allowed only by a non-zero literal or a NULLIF(..., 0) divisor;
- greatest/least of two values: NULLs skipped as in DuckDB and Spark (Snowflake, BigQuery and Trino
  return NULL when any argument is NULL);
- $parameters: a value given becomes a typed literal; otherwise the target's own marker
  (BigQuery @name, Spark :name; Snowflake and Trino have no named markers: ? in the order listed).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timezone
from typing import Any, Callable

from sqlglot import exp
from sqlglot.errors import ErrorLevel

from metrics.sql import DIALECT, parse

DIALECTS = ("duckdb", "snowflake", "bigquery", "spark", "trino")
TYPES = {exp.DataType.Type.DATE, exp.DataType.Type.DOUBLE, exp.DataType.Type.FLOAT, exp.DataType.Type.BIGINT,
         exp.DataType.Type.INT, exp.DataType.Type.VARCHAR, exp.DataType.Type.TIMESTAMPTZ, exp.DataType.Type.BOOLEAN}
# Constructs that mean the same in every dialect here and that sqlglot writes faithfully.
PORTABLE = (
    exp.Select, exp.From, exp.Where, exp.Group, exp.GroupingSets, exp.Tuple, exp.Order, exp.Ordered, exp.Having,
    exp.Alias, exp.TableAlias, exp.Column, exp.Identifier, exp.Table, exp.Star, exp.Literal, exp.Boolean, exp.Null,
    exp.Paren, exp.Cast, exp.DataType, exp.Count, exp.Sum, exp.Min, exp.Max, exp.Avg, exp.Distinct, exp.Nullif,
    exp.Coalesce, exp.Add, exp.Sub, exp.Mul, exp.Neg, exp.EQ, exp.NEQ, exp.GT, exp.GTE, exp.LT, exp.LTE, exp.And,
    exp.Or, exp.Not, exp.Is, exp.In, exp.Between, exp.Case, exp.If, exp.With, exp.CTE, exp.Subquery, exp.Join,
)
# Constructs rewritten explicitly below (or refused for a dialect).
REWRITTEN = (exp.TimestampTrunc, exp.DateTrunc, exp.TimeToUnix, exp.PercentileCont, exp.WithinGroup, exp.Median,
             exp.Filter, exp.Div, exp.Greatest, exp.Least, exp.Placeholder, exp.Var)
EXACT_PERCENTILE = {"duckdb", "snowflake", "spark"}
NULL_SKIPPING_GREATEST = {"duckdb", "spark"}
NO_PERCENTILE = {
    "bigquery": "BigQuery has no exact aggregate percentile (PERCENTILE_CONT is analytic-only; APPROX_QUANTILES gives "
                "different numbers)",
    "trino": "Trino has only approx_percentile, which gives different numbers",
}


class TranspileError(ValueError):
    """A definition that cannot be written faithfully for a dialect; lists every construct."""

    def __init__(self, kpi: str, dialect: str, problems: list[str]):
        self.kpi, self.dialect, self.problems = kpi, dialect, problems
        super().__init__(f"KPI {kpi} cannot be translated faithfully to {dialect}:\n" + "\n".join(f"  {p}" for p in problems))


@dataclass(frozen=True)
class Translation:
    kpi: str
    dialect: str
    sql: str
    parameters: tuple[str, ...]  # markers left in the SQL, in order of appearance (for ? markers)
    rewrites: tuple[str, ...]  # what was rewritten explicitly, for the header


def _where(sql: str, node: exp.Expression) -> str:
    start = node.meta.get("start")
    for candidate in (node, *node.find_all(exp.Identifier, exp.Literal)):
        start = candidate.meta.get("start")
        if start is not None:
            break
    if start is None:
        return ""
    before = sql[:start]
    return f" at line {before.count(chr(10)) + 1}, col {start - before.rfind(chr(10))}"


def _construct(node: exp.Expression) -> str:
    text = node.sql(dialect=DIALECT)
    return text if len(text) <= 60 else text[:57] + "..."


def _check(tree: exp.Expression, sql: str, dialect: str) -> list[str]:
    problems: list[str] = []
    for node in tree.walk():
        where = _where(sql, node)
        if isinstance(node, exp.Var):
            if not isinstance(node.parent, (exp.TimestampTrunc, exp.DateTrunc)):
                problems.append(f"{_construct(node)}{where}: bare keyword outside a week truncation")
        elif isinstance(node, (exp.TimestampTrunc, exp.DateTrunc)):
            unit = node.args.get("unit")
            if (unit.name if unit is not None else "").lower() != "week":
                problems.append(f"{_construct(node)}{where}: only week truncation is translated (ISO weeks)")
        elif isinstance(node, exp.WithinGroup):
            if not isinstance(node.this, exp.PercentileCont):
                problems.append(f"{_construct(node)}{where}: WITHIN GROUP only for percentile_cont")
        elif isinstance(node, (exp.PercentileCont, exp.Median)):
            fraction = _percentile(node)[1]
            if fraction is None:
                problems.append(f"{_construct(node)}{where}: the percentile fraction must be a number literal")
            elif dialect not in EXACT_PERCENTILE:
                problems.append(f"{_construct(node)}{where}: exact interpolated percentile: {NO_PERCENTILE[dialect]}")
        elif isinstance(node, exp.Filter):
            agg = node.this
            if not isinstance(agg, (exp.Count, exp.Sum, exp.Min, exp.Max, exp.Avg)) or len(list(agg.iter_expressions())) != 1:
                problems.append(f"{_construct(node)}{where}: FILTER only on count, sum, min, max or avg of one argument")
        elif isinstance(node, exp.Div):
            divisor = node.expression.unnest()
            safe = isinstance(divisor, exp.Nullif) or (divisor.is_number and float(divisor.to_py()) != 0)
            if not safe:
                problems.append(f"{_construct(node)}{where}: division by a value that may be zero (DuckDB gives "
                                f"inf or NULL, {dialect} raises): divide by NULLIF(x, 0)")
        elif isinstance(node, (exp.Greatest, exp.Least)):
            if len(node.expressions) != 1 and dialect not in NULL_SKIPPING_GREATEST:
                problems.append(f"{_construct(node)}{where}: {node.key} of more than two values")
        elif isinstance(node, exp.DataType):
            if node.this not in TYPES:
                problems.append(f"{_construct(node)}{where}: cast to {node.sql(dialect=DIALECT)} is not translated")
        elif isinstance(node, exp.Placeholder):
            if not node.name or node.name == "?":
                problems.append(f"{_construct(node)}{where}: positional parameter")
        elif not isinstance(node, PORTABLE + REWRITTEN):
            problems.append(f"{_construct(node)}{where}: {type(node).__name__} is not on the allowlist of portable constructs")
    return problems


def _percentile(node: exp.Expression) -> tuple[exp.Expression | None, float | None]:
    """(value expression, fraction) of quantile_cont(x, p), percentile_cont(p) WITHIN GROUP, median(x)."""
    if isinstance(node, exp.Median):
        return node.this, 0.5
    if isinstance(node.parent, exp.WithinGroup) and node.parent.this is node:
        order = node.parent.expression
        value = order.expressions[0].this if order and order.expressions else None
        fraction = node.this
    else:
        value, fraction = node.this, node.expression
    return value, float(fraction.to_py()) if fraction is not None and fraction.is_number else None


def _call(name: str, *args: exp.Expression) -> exp.Expression:
    return exp.Anonymous(this=name, expressions=list(args))


def _week(value: exp.Expression, dialect: str) -> exp.Expression:
    if dialect == "snowflake":  # DATE_TRUNC('WEEK') follows the session's WEEK_START: count from Monday instead
        back = exp.Sub(this=exp.Literal.number(1), expression=_call("DAYOFWEEKISO", value.copy()))
        return _call("DATEADD", exp.var("DAY"), back, _call("DATE_TRUNC", exp.Literal.string("DAY"), value))
    if dialect == "bigquery":  # WEEK starts on Sunday there
        return _call("TIMESTAMP_TRUNC", value, exp.var("ISOWEEK"))
    return _call("DATE_TRUNC", exp.Literal.string("WEEK"), value)  # Spark and Trino: Monday


def _epoch(value: exp.Expression, dialect: str) -> exp.Expression:
    micros = {"snowflake": lambda v: _call("DATE_PART", exp.var("EPOCH_MICROSECOND"), v),
              "bigquery": lambda v: _call("UNIX_MICROS", v), "spark": lambda v: _call("UNIX_MICROS", v)}
    if dialect == "trino":
        return _call("TO_UNIXTIME", value)
    return exp.Paren(this=exp.Div(this=micros[dialect](value), expression=exp.Literal.number("1000000.0")))


def _case(condition: exp.Expression, then: exp.Expression) -> exp.Expression:
    return exp.Case(ifs=[exp.If(this=condition, true=then)])


def _pick(node: exp.Expression) -> exp.Expression:
    """greatest/least of two values, skipping a NULL one as DuckDB does."""
    a, b = node.this, node.expressions[0]
    compare = exp.GTE if isinstance(node, exp.Greatest) else exp.LTE
    return exp.Case(ifs=[exp.If(this=exp.Is(this=a.copy(), expression=exp.Null()), true=b.copy()),
                         exp.If(this=exp.Is(this=b.copy(), expression=exp.Null()), true=a.copy()),
                         exp.If(this=compare(this=a.copy(), expression=b.copy()), true=a.copy())], default=b.copy())


def _literal(value: Any, dialect: str) -> exp.Expression:
    if isinstance(value, bool) or value is None:
        raise TypeError(f"parameter value {value!r} is not a time or a number")
    if isinstance(value, datetime):
        moment = value.astimezone(timezone.utc)
        text = moment.strftime("%Y-%m-%d %H:%M:%S") + (" UTC" if dialect == "trino" else "+00:00")
        return exp.Cast(this=exp.Literal.string(text), to=exp.DataType.build("TIMESTAMPTZ"))
    if isinstance(value, date):
        return exp.Cast(this=exp.Literal.string(value.isoformat()), to=exp.DataType.build("DATE"))
    if isinstance(value, (int, float)):
        return exp.Literal.number(value)
    raise TypeError(f"parameter value {value!r} is not a time or a number")


def _rewriter(dialect: str, values: dict[str, Any], rewrites: set[str]) -> Callable[[exp.Expression], exp.Expression]:
    def rewrite(node: exp.Expression) -> exp.Expression:
        if isinstance(node, exp.Placeholder):
            if node.name in values:
                return _literal(values[node.name], dialect)
            return node if dialect == "duckdb" else exp.var(f"__param_{node.name}__")
        if dialect == "duckdb":
            return node
        if isinstance(node, (exp.TimestampTrunc, exp.DateTrunc)):
            rewrites.add("week: ISO week, Monday start")
            return _week(node.this, dialect)
        if isinstance(node, exp.TimeToUnix):
            rewrites.add("epoch: seconds with fraction")
            return _epoch(node.this, dialect)
        if isinstance(node, exp.WithinGroup):
            return node.this  # its percentile has been rewritten already
        if isinstance(node, (exp.PercentileCont, exp.Median)):
            value, fraction = _percentile(node)
            rewrites.add("percentiles: exact, interpolated")
            if dialect == "spark":
                return _call("PERCENTILE", value.copy(), exp.Literal.number(fraction))
            order = exp.Order(expressions=[exp.Ordered(this=value.copy(), nulls_first=False)])
            return exp.WithinGroup(this=exp.PercentileCont(this=exp.Literal.number(fraction)), expression=order)
        if isinstance(node, exp.Filter):
            rewrites.add("FILTER: CASE inside the aggregate")
            agg, condition = node.this, node.expression.this
            inner = next(agg.iter_expressions())
            then = exp.Literal.number(1) if isinstance(inner, exp.Star) else inner.copy()
            return agg.__class__(this=_case(condition.copy(), then))
        if isinstance(node, exp.Div):
            rewrites.add("division: floating point")
            return exp.Div(this=exp.Cast(this=node.this.copy(), to=exp.DataType.build("DOUBLE")),
                           expression=node.expression.copy())
        if isinstance(node, (exp.Greatest, exp.Least)) and dialect not in NULL_SKIPPING_GREATEST:
            rewrites.add(f"{node.key}: NULL skipped")
            return _pick(node)
        return node

    return rewrite


def _bottom_up(node: exp.Expression, fn: Callable[[exp.Expression], exp.Expression]) -> exp.Expression:
    """Rewrite children before their parent, so a rewrite sees rewritten arguments."""
    for child in list(node.iter_expressions()):
        _bottom_up(child, fn)
    new = fn(node)
    if new is not node and node.parent is not None:
        node.replace(new)
    return new


def transpile(kpi: str, sql: str, dialect: str, values: dict[str, Any] | None = None) -> Translation:
    """The definition for `dialect`, with `values` inlined as typed literals; raises TranspileError."""
    if dialect not in DIALECTS:
        raise TranspileError(kpi, dialect, [f"unknown dialect (use {', '.join(DIALECTS)})"])
    tree, problems = parse(sql)
    if tree is None:
        raise TranspileError(kpi, dialect, [p.message for p in problems])
    found = _check(tree, sql, dialect)
    if found:
        raise TranspileError(kpi, dialect, found)
    rewrites: set[str] = set()
    out = _bottom_up(tree.copy(), _rewriter(dialect, values or {}, rewrites))
    text = out.sql(dialect=dialect, pretty=True, unsupported_level=ErrorLevel.RAISE)
    names = tuple(re.findall(r"__param_([a-z_]+)__", text))
    marker = {"bigquery": "@{}", "spark": ":{}"}.get(dialect)
    text = re.sub(r"__param_([a-z_]+)__", lambda m: marker.format(m.group(1)) if marker else "?", text)
    return Translation(kpi, dialect, text, names, tuple(sorted(rewrites)))


def header(translation: Translation, version: str) -> str:
    """Comment lines that say what the SQL is, what was rewritten and which parameters it takes."""
    lines = [f"-- stagetruth KPI {translation.kpi} (definitions {version}) for {translation.dialect}",
             "-- timestamps are compared and truncated in UTC: run it in a UTC session"]
    if translation.rewrites:
        lines.append("-- rewritten explicitly: " + "; ".join(translation.rewrites))
    if translation.parameters:
        if translation.dialect in ("snowflake", "trino"):
            lines.append("-- bind ? in this order: " + ", ".join(translation.parameters))
        else:
            lines.append("-- parameters: " + ", ".join(dict.fromkeys(translation.parameters)))
    return "\n".join(lines)
