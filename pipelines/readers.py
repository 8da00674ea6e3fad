"""Read source files into records, and records into typed columns, through DuckDB.

Every source value enters as text and is typed in one place (`extract`), so a value of the
wrong type becomes a quarantine problem (`bad_type`) naming the field and the value instead of
failing a whole file. A file that cannot be parsed at all becomes one quarantine record
(`malformed_file`) naming the file and the parser's position.

Reader choice (see benchmarks/json_readers.py): DuckDB's read_json_objects splits pages into
records without inferring a schema; typed extraction with json_extract_string follows.
"""

from __future__ import annotations

import csv
import io
import json
import multiprocessing
import os
import re
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Literal

import duckdb
import polars as pl

from pipelines.validate import PROBLEM, add_problem
from pipelines.warehouse import registered

Kind = Literal["str", "int", "float", "bool", "timestamp", "date", "epoch_ms", "epoch_s", "list[str]", "json"]

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
    fmt: str | None = None  # strptime format for timestamps and dates written another way


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


_UNWRAP = (
    "CASE WHEN json_exists(json, '$.stream') AND json_exists(json, '$.data') "
    "THEN json_extract(json, '$.data')::VARCHAR ELSE json::VARCHAR END"
)


def _json_records(con: duckdb.DuckDBPyConnection, paths: list[Path]) -> pl.DataFrame:
    """Records of JSON array / JSON Lines files in file order; Airbyte {stream, data} lines are unwrapped.

    DuckDB keeps insertion order, so a record's position within its file is its row number there.
    """
    rel = con.sql(
        f"SELECT filename AS _file, {_UNWRAP} AS _payload FROM read_json_objects(?, format = 'auto', filename = true)",
        params=[[str(p) for p in paths]],
    )
    frame = rel.pl()
    return frame.select(
        pl.col("_file"), _record_no=pl.int_range(pl.len(), dtype=pl.Int64).over("_file"), _payload=pl.col("_payload")
    )


ROW_ERROR = "__row_error__"


def _csv_file_records(con: duckdb.DuckDBPyConnection, path: Path) -> pl.DataFrame:
    """Rows of a UTF-8 CSV with a header, as JSON records keyed by column name.

    DuckDB reads the file with the header's columns and strict rules; if any row breaks them
    (ragged rows, bad encoding), Python's csv module reads it again row by row so a ragged row
    becomes one bad record (rule `bad_row`) instead of failing or being misread. Empty cells are
    missing values (JSON null).
    """
    try:
        return _csv_fast(con, path)
    except (duckdb.Error, ValueError, UnicodeDecodeError):
        return _csv_rows(path)


def _csv_fast(con: duckdb.DuckDBPyConnection, path: Path) -> pl.DataFrame:
    with open(path, encoding="utf-8-sig", newline="") as fh:
        header = next(csv.reader(fh), None)
    if not header or len(set(header)) != len(header):
        raise ValueError("no header, or a repeated column name: read row by row")
    columns = "{" + ", ".join(f"{_quote(h)}: 'VARCHAR'" for h in header) + "}"
    # json_object keeps a row of empty cells as nulls and a one-column row as an object.
    pairs = ", ".join(f"{_quote(h)}, " + '"' + h.replace('"', '""') + '"' for h in header)
    rel = con.sql(
        f"SELECT json_object({pairs})::VARCHAR AS _payload FROM read_csv(?, auto_detect = false, header = true, delim = ',', "
        f"quote = '\"', escape = '\"', columns = {columns}, strict_mode = true, null_padding = false) AS t",
        params=[str(path)],
    )
    frame = rel.pl()
    return frame.select(_file=pl.lit(str(path)), _record_no=pl.int_range(pl.len(), dtype=pl.Int64), _payload=pl.col("_payload"))


def _csv_rows(path: Path) -> pl.DataFrame:
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValueError(f"not UTF-8: byte 0x{exc.object[exc.start]:02x} at offset {exc.start}; save the file as UTF-8") from None
    rows = csv.reader(io.StringIO(text, newline=""))
    header = next(rows, None)
    if not header:
        raise ValueError("the file has no header row")
    payloads = []
    for row in rows:
        if not row:
            continue
        if len(row) != len(header):
            payloads.append(json.dumps({ROW_ERROR: f"row has {len(row)} fields where the header has {len(header)}",
                                        "fields": row}))
        else:
            # An empty cell is a missing value, as a null is in JSON.
            payloads.append(json.dumps({k: (v if v != "" else None) for k, v in zip(header, row)}))
    return _file_records(path, payloads)


# Formats read by code into JSON records, by file suffix: each reader returns one JSON text per
# record; a record it cannot make sense of carries ROW_ERROR (and optionally "__rule__") so it is
# quarantined; a file it cannot read at all raises ValueError. Modules register themselves here.
FILE_READERS: dict[str, Callable[[Path], list[str]]] = {}


def register_reader(*suffixes: str) -> Callable:
    def register(fn: Callable[[Path], list[str]]) -> Callable[[Path], list[str]]:
        for suffix in suffixes:
            FILE_READERS[suffix] = fn
        return fn

    return register


def row_error(message: str, rule: str = "bad_row", **record: object) -> str:
    """The JSON text of a record that a reader could not make sense of."""
    return json.dumps({ROW_ERROR: message, "__rule__": rule, **record}, default=str)


def _file_records(path: Path, payloads: list[str]) -> pl.DataFrame:
    """One record row per payload of the file, numbered in file order."""
    return pl.DataFrame({"_file": [str(path)] * len(payloads), "_record_no": list(range(len(payloads))), "_payload": payloads},
                        schema=RECORDS_SCHEMA)


# Coded readers run in Python (icalendar, email): past this many bytes over two or more files,
# files are read by worker processes, one per core.
PARALLEL_CODED_BYTES = 16 * 2**20


def _run_reader(job: tuple[Callable[[Path], list[str]], Path]) -> tuple[list[str] | None, str | None]:
    reader, path = job
    try:
        return reader(path), None
    except (ValueError, UnicodeDecodeError) as exc:
        return None, _first_line(str(exc))


def _read_coded(paths: list[Path]) -> list[tuple[list[str] | None, str | None]]:
    """(records, error) per file, in order; in worker processes when there is enough to read."""
    jobs = [(FILE_READERS[p.suffix.lower()], p) for p in paths]
    workers = min(os.cpu_count() or 1, len(paths))
    if workers < 2 or sum(p.stat().st_size for p in paths) < PARALLEL_CODED_BYTES:
        return [_run_reader(job) for job in jobs]
    # spawn, not fork: the parent holds DuckDB and Polars thread pools a fork would copy mid-flight
    with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn")) as pool:
        return list(pool.map(_run_reader, jobs))


def read_records(con: duckdb.DuckDBPyConnection, files: list[Path]) -> tuple[pl.DataFrame, list[FileProblem]]:
    """All records of the files, one row each; files that cannot be parsed are reported, not raised.

    JSON files are read in one pass; only when that fails is each file read alone to find the
    broken ones, so one bad page costs a second pass, not the load.
    """
    frames: list[pl.DataFrame] = []
    problems: list[FileProblem] = []
    json_files: list[Path] = []
    coded: list[Path] = []
    for path in files:
        try:
            if path.stat().st_size == 0:
                problems.append(FileProblem(str(path), "the file is empty"))
                continue
        except OSError as exc:
            problems.append(FileProblem(str(path), _first_line(str(exc))))
            continue
        if path.suffix.lower() == ".csv":
            try:
                frames.append(_csv_file_records(con, path))
            except (ValueError, csv.Error) as exc:
                problems.append(FileProblem(str(path), _first_line(str(exc))))
        elif path.suffix.lower() in FILE_READERS:
            coded.append(path)
        else:
            json_files.append(path)
    for path, (payloads, error) in zip(coded, _read_coded(coded)):
        if error is None:
            frames.append(_file_records(path, payloads))
        else:
            problems.append(FileProblem(str(path), error))
    pending = list(json_files)
    while pending:
        try:
            frames.append(_json_records(con, pending))
            break
        except duckdb.Error as exc:
            # DuckDB names the broken file: set it aside and read the rest in one pass again.
            named = re.search(r'in file "([^"]+)"', str(exc))
            culprit = next((p for p in pending if named and str(p) == named.group(1)), None)
            if culprit is None:
                for path in pending:
                    try:
                        frames.append(_json_records(con, [path]))
                    except duckdb.Error as each:
                        problems.append(FileProblem(str(path), _first_line(str(each))))
                break
            problems.append(FileProblem(str(culprit), _first_line(str(exc))))
            pending.remove(culprit)
    if not frames:
        return pl.DataFrame(schema=RECORDS_SCHEMA), problems
    return pl.concat(frames, how="vertical"), problems


def _first_line(message: str) -> str:
    return message.strip().splitlines()[0] if message.strip() else "unreadable"


# A list element chosen by one of its keys: $.customFields.textCustomFields[name=application_id].value
_FILTER = re.compile(r"^(?P<list>[^\[]+(?:\[\d+\])?(?:\.[^\[]+)*)\[(?P<key>[A-Za-z_][\w]*)=(?P<value>[^\]]*)\](?P<rest>.*)$")


def _filtered_sql(path: str) -> str:
    found = _FILTER.match(path)
    if not found:
        raise ValueError(f"not a filter path: {path}")
    items = f"json_extract(_payload, {_quote(found['list'] + '[*]')})"
    chosen = f"list_filter({items}, lambda x: json_extract_string(x, {_quote('$.' + found['key'])}) = {_quote(found['value'])})[1]"
    rest = found["rest"]
    return f"json_extract_string({chosen}, {_quote('$' + rest)})" if rest else f"{chosen}::VARCHAR"


def extract(
    con: duckdb.DuckDBPyConnection, records: pl.DataFrame, fields: list[Field], time_zone: str = "UTC"
) -> pl.DataFrame:
    """Typed columns for each field, plus `_problems` listing values that did not fit their type.

    Scalar fields are pulled with one multi-path json_extract_string per record (the JSON is
    parsed once); wildcard paths and raw JSON take their own call. Naive timestamps are read in
    `time_zone`; values with an offset keep it. Everything comes back in UTC.
    """
    filtered = {f.name: _filtered_sql(f.path) for f in fields if _FILTER.search(f.path)}
    scalars = [f for f in fields if f.kind not in ("list[str]", "json") and f.name not in filtered]
    inner = ["_record_pos"]
    if scalars:
        inner.append("json_extract_string(_payload, [" + ", ".join(_quote(f.path) for f in scalars) + "]) AS _v")
    for f in fields:
        if f.name in filtered:
            inner.append(f'{filtered[f.name]} AS "{f.name}__text"')
        elif f.kind == "list[str]":
            inner.append(f'json_extract_string(_payload, {_quote(f.path)}) AS "{f.name}"')
        elif f.kind == "json":
            inner.append(f'json_extract(_payload, {_quote(f.path)})::VARCHAR AS "{f.name}"')
    outer = []
    checks: list[tuple[str, str]] = []
    for i, f in enumerate(scalars, start=1):
        raw = f"nullif(trim(_v[{i}]), '')"
        if f.kind == "str":
            outer.append(f'_v[{i}] AS "{f.name}"')
        elif f.kind in ("epoch_ms", "epoch_s"):
            # An epoch is a whole number: '1.5' or '0.' is a bad value, not something to round.
            whole = f"CASE WHEN regexp_full_match({raw}, '-?[0-9]+') THEN TRY_CAST({raw} AS BIGINT) END"
            micros = f"{whole} * {1000 if f.kind == 'epoch_ms' else 1000000}"
            outer.append(f'make_timestamptz({micros}) AS "{f.name}"')
            outer.append(f'{raw} AS "{f.name}__raw"')
            checks.append((f.name, f.kind))
        elif f.fmt:
            target = "DATE" if f.kind == "date" else "TIMESTAMPTZ"
            outer.append(f'CAST(TRY_STRPTIME({raw}, {_quote(f.fmt)}) AS {target}) AS "{f.name}"')
            outer.append(f'{raw} AS "{f.name}__raw"')
            checks.append((f.name, f"{f.kind} like {f.fmt}"))
        else:
            outer.append(f'TRY_CAST({raw} AS {_SQL_TYPES[f.kind]}) AS "{f.name}"')
            outer.append(f'{raw} AS "{f.name}__raw"')
            checks.append((f.name, f.kind))
    outer += [f'"{f.name}"' for f in fields if f.kind in ("list[str]", "json") and f.name not in filtered]
    for f in fields:
        if f.name in filtered:
            raw = f'nullif(trim("{f.name}__text"), \'\')'
            if f.kind == "str":
                outer.append(f'"{f.name}__text" AS "{f.name}"')
            else:
                outer.append(f'TRY_CAST({raw} AS {_SQL_TYPES.get(f.kind, "VARCHAR")}) AS "{f.name}"')
                outer.append(f'{raw} AS "{f.name}__raw"')
                checks.append((f.name, f.kind))
    sql = f"SELECT _record_pos, {', '.join(outer)} FROM (SELECT {', '.join(inner)} FROM _records) ORDER BY _record_pos"
    con.execute(f"SET TimeZone = {_quote(time_zone)}")
    try:
        with registered(con, "_records", records.select("_payload").with_row_index("_record_pos")):
            typed = con.sql(sql).pl().drop("_record_pos")
    finally:
        con.execute("SET TimeZone = 'UTC'")
    out = pl.concat([records.select("_file", "_record_no", "_payload"), typed], how="horizontal")
    for f in fields:
        if f.kind in ("timestamp", "epoch_ms", "epoch_s"):
            out = out.with_columns(pl.col(f.name).dt.convert_time_zone("UTC").dt.cast_time_unit("us"))
    out = out.with_columns(_problems=pl.lit([], dtype=pl.List(PROBLEM)))
    # Only coded readers and CSV rows mark records they could not make sense of: look for the
    # marker with a plain substring search before parsing any JSON.
    if out["_payload"].str.contains(ROW_ERROR, literal=True).any():
        row_error = pl.col("_payload").str.json_path_match(f"$.{ROW_ERROR}")
        row_rule = pl.coalesce(pl.col("_payload").str.json_path_match("$.__rule__"), pl.lit("bad_row"))
        out = add_problem(out, row_error.is_not_null(), row_rule, row_error)
    for name, kind in checks:
        bad = pl.col(f"{name}__raw").is_not_null() & pl.col(name).is_null()
        detail = pl.lit(f"{name.split('__', 1)[0]} = '") + pl.col(f"{name}__raw") + pl.lit(f"' is not a valid {kind}")
        out = add_problem(out, bad, "bad_type", detail)
    return out.drop([f"{name}__raw" for name, _ in checks])
