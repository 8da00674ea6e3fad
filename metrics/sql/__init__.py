"""The sqlglot package (with metrics.sql.transpile for other dialects): check KPI SQL against the warehouse schema, and filter it.

Pure functions over SQL text and syntax trees; nothing here executes SQL.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import sqlglot
from sqlglot import exp
from sqlglot.errors import OptimizeError, ParseError
from sqlglot.optimizer.qualify import qualify

DIALECT = "duckdb"
PARAMETERS = ("start", "end", "as_of", "target")
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
