"""Read source files into records, and records into typed columns, through DuckDB.

Every source value enters as text and is typed in one place (`extract`), so a value of the
wrong type becomes a quarantine problem (`bad_type`) naming the field and the value instead of
failing a whole file. A file that cannot be parsed at all becomes one quarantine record
(`malformed_file`) naming the file and the parser's position.

Reader choice (see benchmarks/json_readers.py): DuckDB's read_json_objects splits pages into
records without inferring a schema; typed extraction with json_extract_string follows.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import duckdb
import polars as pl

from pipelines.validate import PROBLEM

Kind = Literal["str", "int", "float", "bool", "timestamp", "date", "list[str]", "json"]

_SQL_TYPES: dict[str, str] = {
    "int": "BIGINT",
    "float": "DOUBLE",
    "bool": "BOOLEAN",
    "timestamp": "TIMESTAMPTZ",
    "date": "DATE",
}


@dataclass(frozen=True)
class Field:
    """One output column: where it sits in a record (a JSON path) and what type it must have."""

    name: str
    path: str
    kind: Kind = "str"


@dataclass(frozen=True)
class FileProblem:
    file: str
    error: str


RECORDS_SCHEMA = {"_file": pl.String, "_record_no": pl.Int64, "_payload": pl.String}


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def find_files(root: Path, name: str, patterns: tuple[str, ...] = ("*.json", "*.jsonl", "*.ndjson")) -> list[Path]:
    """A source object's files: `root/name.json[l]` and every page under `root/name/`."""
    found: list[Path] = []
    for suffix in (".json", ".jsonl", ".ndjson"):
        candidate = root / f"{name}{suffix}"
        if candidate.is_file():
            found.append(candidate)
    folder = root / name
    if folder.is_dir():
        for pattern in patterns:
            found.extend(sorted(folder.glob(pattern)))
    return sorted(set(found))


def _json_file_records(con: duckdb.DuckDBPyConnection, path: Path) -> pl.DataFrame:
    """Records of one JSON array / JSON Lines file. Airbyte envelopes {stream, data} are unwrapped."""
    if path.stat().st_size == 0:
        raise ValueError("the file is empty")
    rel = con.sql(
        "SELECT (row_number() OVER () - 1)::BIGINT AS _record_no, "
        "CASE WHEN json_exists(json, '$.stream') AND json_exists(json, '$.data') "
        "THEN json_extract(json, '$.data')::VARCHAR ELSE json::VARCHAR END AS _payload "
        "FROM read_json_objects(?, format = 'auto')",
        params=[str(path)],
    )
    frame = rel.pl()
    return frame.select(_file=pl.lit(str(path)), _record_no=pl.col("_record_no"), _payload=pl.col("_payload"))


def _csv_file_records(con: duckdb.DuckDBPyConnection, path: Path) -> pl.DataFrame:
    if path.stat().st_size == 0:
        raise ValueError("the file is empty")
    rel = con.sql(
        "SELECT (row_number() OVER () - 1)::BIGINT AS _record_no, to_json(t)::VARCHAR AS _payload "
        "FROM read_csv(?, all_varchar = true, header = true, strict_mode = true) AS t",
        params=[str(path)],
    )
    return rel.pl().select(_file=pl.lit(str(path)), _record_no=pl.col("_record_no"), _payload=pl.col("_payload"))


def read_records(con: duckdb.DuckDBPyConnection, files: list[Path]) -> tuple[pl.DataFrame, list[FileProblem]]:
    """All records of the files, one row each; files that cannot be parsed are reported, not raised."""
    frames: list[pl.DataFrame] = []
    problems: list[FileProblem] = []
    for path in files:
        reader = _csv_file_records if path.suffix.lower() == ".csv" else _json_file_records
        try:
            frames.append(reader(con, path))
        except (duckdb.Error, ValueError, OSError) as exc:
            problems.append(FileProblem(str(path), _first_line(str(exc))))
    if not frames:
        return pl.DataFrame(schema=RECORDS_SCHEMA), problems
    return pl.concat(frames, how="vertical"), problems


def _first_line(message: str) -> str:
    return message.strip().splitlines()[0] if message.strip() else "unreadable"


def _column_sql(f: Field) -> tuple[str, str | None]:
    """SQL for the typed value, and for its raw text when the type can fail."""
    path = _quote(f.path)
    if f.kind == "str":
        return f"json_extract_string(_payload, {path})", None
    if f.kind == "json":
        return f"json_extract(_payload, {path})::VARCHAR", None
    if f.kind == "list[str]":
        return f"json_extract_string(_payload, {path})", None
    raw = f"json_extract_string(_payload, {path})"
    return f"TRY_CAST(nullif(trim({raw}), '') AS {_SQL_TYPES[f.kind]})", f"nullif(trim({raw}), '')"


def extract(
    con: duckdb.DuckDBPyConnection, records: pl.DataFrame, fields: list[Field], time_zone: str = "UTC"
) -> pl.DataFrame:
    """Typed columns for each field, plus `_problems` listing values that did not fit their type.

    Naive timestamps are read in `time_zone`; values with an offset keep it. Everything comes
    back in UTC.
    """
    selects = ["_file", "_record_no", "_payload"]
    checks: list[tuple[str, str]] = []
    for f in fields:
        typed, raw = _column_sql(f)
        selects.append(f'{typed} AS "{f.name}"')
        if raw is not None:
            selects.append(f'{raw} AS "{f.name}__raw"')
            checks.append((f.name, f.kind))
    con.execute(f"SET TimeZone = {_quote(time_zone)}")
    try:
        con.register("_records", records)
        out = con.sql(f"SELECT {', '.join(selects)} FROM _records ORDER BY _file, _record_no").pl()
    finally:
        con.unregister("_records")
        con.execute("SET TimeZone = 'UTC'")
    for name, kind in ((f.name, f.kind) for f in fields):
        if kind == "timestamp" and name in out.columns:
            out = out.with_columns(pl.col(name).dt.convert_time_zone("UTC").dt.cast_time_unit("us"))
    problem_exprs = [
        pl.when(pl.col(f"{name}__raw").is_not_null() & pl.col(name).is_null())
        .then(
            pl.concat_list(
                pl.struct(
                    rule=pl.lit("bad_type"),
                    detail=pl.lit(f"{name} = '") + pl.col(f"{name}__raw") + pl.lit(f"' is not a valid {kind}"),
                )
            )
        )
        .otherwise(pl.lit([], dtype=pl.List(PROBLEM)))
        for name, kind in checks
    ]
    if problem_exprs:
        out = out.with_columns(_problems=pl.concat_list(problem_exprs))
    else:
        out = out.with_columns(_problems=pl.lit([], dtype=pl.List(PROBLEM)))
    return out.drop([f"{name}__raw" for name, _ in checks])
