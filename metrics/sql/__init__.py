"""The sqlglot package (with metrics.sql.transpile for other dialects): check KPI SQL against the warehouse schema, and filter it.

Pure functions over SQL text and syntax trees; nothing here executes SQL.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

import sqlglot
from sqlglot import exp
from sqlglot.errors import OptimizeError, ParseError
from sqlglot.optimizer.qualify import qualify

DIALECT = "duckdb"
PARAMETERS = ("start", "end", "as_of", "target", "stale_days")
FILTERABLE_TABLE = "application_fact"


@dataclass(frozen=True)
class Problem:
    line: int
    col: int
    message: str


def _position(sql: str, offset: int) -> tuple[int, int]:
    before = sql[:offset]
    return before.count("\n") + 1, offset - (before.rfind("\n") + 1) + 1


def parse(sql: str) -> tuple[exp.Expression | None, list[Problem]]:
    try:
        statements = sqlglot.parse(sql, dialect=DIALECT)
    except ParseError as exc:
        problems = [
            Problem(e.get("line") or 0, e.get("col") or 0, e.get("description") or str(exc)) for e in exc.errors
        ] or [Problem(0, 0, str(exc))]
        return None, problems
    statements = [s for s in statements if s is not None]
    if len(statements) != 1:
        return None, [Problem(1, 1, f"expected exactly one SQL statement, found {len(statements)}")]
    tree = statements[0]
    for forbidden in (exp.Insert, exp.Update, exp.Delete, exp.Create, exp.Drop, exp.Command):
        if isinstance(tree, forbidden) or tree.find(forbidden) is not None:
            return None, [Problem(1, 1, f"a KPI definition may only read: found {forbidden.__name__.upper()}")]
    if not isinstance(tree, (exp.Select, exp.Union)):
        return None, [Problem(1, 1, "a KPI definition must be a SELECT query")]
    return tree, []


def check(sql: str, schema: dict[str, dict[str, str]], required_outputs: tuple[str, ...]) -> list[Problem]:
    """Every problem of one definition's SQL: syntax, tables, columns, parameters, outputs."""
    tree, problems = parse(sql)
    if tree is None:
        return problems
    cte_names = {cte.alias_or_name for cte in tree.find_all(exp.CTE)}
    for table in tree.find_all(exp.Table):
        if table.name not in schema and table.name not in cte_names:
            line, col = _node_position(sql, table.this)
            problems.append(Problem(line, col, f"unknown table {table.name!r} (known: {', '.join(sorted(schema))})"))
    for node in tree.find_all(exp.Placeholder, exp.Parameter):
        name = node.name
        positional = not name or name == "?" or name.isdigit()
        token = "?" if positional else f"${name}"
        offset = sql.find(token)
        line, col = _position(sql, max(offset, 0))
        if positional:
            problems.append(Problem(line, col, f"use named parameters ($start, $end, ...), not {token!r}"))
        elif name not in PARAMETERS:
            problems.append(Problem(line, col, f"unknown parameter ${name} (allowed: {', '.join('$' + p for p in PARAMETERS)})"))
    if not any(p.message.startswith("unknown table") for p in problems):
        try:
            qualify(tree.copy(), schema=schema, dialect=DIALECT, validate_qualify_columns=True, sql=sql)
        except OptimizeError as exc:
            problems.append(_optimize_problem(sql, tree, str(exc)))
    outputs = {sel.alias_or_name for sel in _final_select(tree).expressions}
    for name in required_outputs:
        if name not in outputs:
            problems.append(Problem(1, 1, f"the query must return a column named {name!r} (returns {', '.join(sorted(outputs))})"))
    return problems


def _node_position(sql: str, node: exp.Expression) -> tuple[int, int]:
    """Line and column where a parsed node starts (sqlglot's own col marks its end)."""
    start = node.meta.get("start")
    if start is None:
        return node.meta.get("line", 0), node.meta.get("col", 0)
    return _position(sql, start)


def _optimize_problem(sql: str, tree: exp.Expression, message: str) -> Problem:
    text = message.split(". Line:")[0]
    column = re.search(r"Column '([^']+)'", message)
    if column:
        for node in tree.find_all(exp.Column):
            if node.name == column.group(1):
                line, col = _node_position(sql, node.this)
                return Problem(line, col, text)
    found = re.search(r"Line: (\d+), Col: (\d+)", message)
    if found:
        return Problem(int(found.group(1)), int(found.group(2)), text)
    return Problem(0, 0, message)


def _final_select(tree: exp.Expression) -> exp.Select:
    node = tree
    while isinstance(node, exp.Union):
        node = node.left
    return node if isinstance(node, exp.Select) else node.find(exp.Select)


def with_filters(sql: str, filters: dict[str, list[str]]) -> str:
    """The query with its base table narrowed to rows matching every filter.

    Filter values become quoted SQL literals built by sqlglot, so a value can never change the
    query's structure. Columns must be plain identifiers of application_fact.
    """
    active = {column: values for column, values in filters.items() if values}
    if not active:
        return sql
    tree, problems = parse(sql)
    if tree is None:
        raise ValueError("; ".join(p.message for p in problems))
    condition: exp.Expression | None = None
    for column, values in sorted(active.items()):
        if not re.fullmatch(r"[a-z_][a-z0-9_]*", column):
            raise ValueError(f"not a filterable column: {column!r}")
        clause = exp.column(column).isin(*[exp.Literal.string(str(v)) for v in values])
        condition = clause if condition is None else exp.and_(condition, clause)
    narrowed = exp.select("*").from_(FILTERABLE_TABLE).where(condition)

    def swap(node: exp.Expression) -> exp.Expression:
        if isinstance(node, exp.Table) and node.name == FILTERABLE_TABLE:
            return exp.Subquery(this=narrowed.copy(), alias=exp.TableAlias(this=exp.to_identifier(node.alias_or_name)))
        return node

    return tree.transform(swap).sql(dialect=DIALECT, pretty=True)


def pretty(sql: str) -> str:
    tree, _ = parse(sql)
    return tree.sql(dialect=DIALECT, pretty=True) if tree is not None else sql


# --- Cuts, business time and drill-down (metrics.compute, metrics.drill) -------------------------

COHORT = "cohort"
DRILL_PARTS = ("numerator", "denominator")
# Business time counts Monday 00:00 to Saturday 00:00 UTC; 1970-01-05 was a Monday.
_MONDAY_EPOCH, _DAY, _WORKDAYS = 345_600, 86_400, 5


def narrow(sql: str, filters: dict[str, list[str]], tables: dict[str, set[str]]) -> tuple[str, list[str]]:
    """The query with each filterable table it reads narrowed by the filters on columns it has.

    Returns the SQL and the filtered columns no table of the query has (the cut does not apply
    to this KPI, e.g. source/channel on a job-level figure). Values become quoted literals.
    """
    active = {column: values for column, values in filters.items() if values}
    if not active:
        return sql, []
    tree = _parsed(sql)
    read = {t.name for t in tree.find_all(exp.Table)}
    used: set[str] = set()

    def swap(node: exp.Expression) -> exp.Expression:
        if not isinstance(node, exp.Table) or node.name not in tables:
            return node
        condition: exp.Expression | None = None
        for column, values in sorted(active.items()):
            if column not in tables[node.name]:
                continue
            if not re.fullmatch(r"[a-z_][a-z0-9_]*", column):
                raise ValueError(f"not a filterable column: {column!r}")
            used.add(column)
            clause = exp.column(column).isin(*[exp.Literal.string(str(v)) for v in values])
            condition = clause if condition is None else exp.and_(condition, clause)
        if condition is None:
            return node
        narrowed = exp.select("*").from_(node.name).where(condition)
        return exp.Subquery(this=narrowed, alias=exp.TableAlias(this=exp.to_identifier(node.alias_or_name)))

    out = tree.transform(swap)
    unapplied = sorted(c for c in active if c not in used and not any(c in tables.get(t, set()) for t in read))
    return out.sql(dialect=DIALECT, pretty=True), unapplied


def business_time(sql: str) -> str:
    """Every epoch(x) becomes the business seconds since a Monday: weekends (Saturday and Sunday,
    UTC) do not count, so differences of epochs become business-time durations."""
    tree = _parsed(sql)

    def seconds(node: exp.Expression) -> exp.Expression:
        if not isinstance(node, exp.TimeToUnix):
            return node
        since = exp.Paren(this=exp.Sub(this=node.copy(), expression=exp.Literal.number(_MONDAY_EPOCH)))
        days = exp.Floor(this=exp.Div(this=since.copy(), expression=exp.Literal.number(_DAY)))
        weeks = exp.Floor(this=exp.Div(this=days.copy(), expression=exp.Literal.number(7)))
        weekday = exp.Paren(this=exp.Sub(this=days.copy(), expression=exp.Mul(this=weeks.copy(), expression=exp.Literal.number(7))))
        into_day = exp.Paren(this=exp.Sub(this=since.copy(), expression=exp.Mul(this=days.copy(), expression=exp.Literal.number(_DAY))))
        full = exp.Mul(this=weeks, expression=exp.Literal.number(_WORKDAYS * _DAY))
        this_week = exp.Case(
            ifs=[exp.If(this=exp.LT(this=weekday.copy(), expression=exp.Literal.number(_WORKDAYS)),
                        true=exp.Add(this=exp.Mul(this=weekday, expression=exp.Literal.number(_DAY)), expression=into_day))],
            default=exp.Literal.number(_WORKDAYS * _DAY))
        return exp.Paren(this=exp.Add(this=full, expression=this_week))

    return tree.transform(seconds).sql(dialect=DIALECT, pretty=True)


def cohort_columns(sql: str) -> list[str]:
    """Output columns of the definition's `cohort` CTE (the per-row convention), or []."""
    tree = _parsed(sql)
    for cte in tree.find_all(exp.CTE):
        if cte.alias_or_name == COHORT:
            return [e.alias_or_name for e in cte.this.expressions]
    return []


def drill(sql: str, week: date | None = None, part: str | None = None) -> str:
    """The rows behind a figure: the definition's own `cohort` CTE (with its FROM and WHERE, and
    any filters already applied), narrowed to one cohort week and to the numerator or
    denominator rows. The week and part are literals built here, never pasted text."""
    if part is not None and part not in DRILL_PARTS:
        raise ValueError(f"part must be one of {', '.join(DRILL_PARTS)}, not {part!r}")
    tree = _parsed(sql)
    columns = cohort_columns(sql)
    if "week" not in columns:
        raise ValueError("this definition has no `cohort` CTE with a week column to drill into")
    query = exp.select("*").from_(COHORT)
    if week is not None:
        query = query.where(exp.column("week").eq(exp.cast(exp.Literal.string(week.isoformat()), "DATE")))
    if part is not None and f"in_{part}" in columns:
        query = query.where(exp.column(f"in_{part}"))
    key = "with_" if "with_" in tree.args else "with"  # the arg's name differs between sqlglot releases
    with_clause = tree.args.get(key)
    query.set(key, with_clause.copy() if with_clause is not None else None)
    return query.sql(dialect=DIALECT, pretty=True)


@lru_cache(maxsize=512)
def _parsed(sql: str) -> exp.Expression:
    """Parsed once per text (pages drill the same definitions again and again); never mutate it."""
    tree, problems = parse(sql)
    if tree is None:
        raise ValueError("; ".join(p.message for p in problems))
    return tree
