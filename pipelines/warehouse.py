"""The one module that opens DuckDB.

Two files live under data/:
- the staging store (`staging.duckdb`): written only by `stagetruth ingest`, one transaction per
  load; it keeps the raw records, canonical tables, quarantine and the load log;
- the served warehouse (`stagetruth.duckdb`): written only by `stagetruth build`, which writes a
  new file beside it and swaps it into place with os.replace. Pages open it read-only, so a
  reader never sees a half-built file and a failed or killed build leaves the old one intact.
"""

from __future__ import annotations

import hashlib
import os
import uuid
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable, Iterator

import duckdb
import polars as pl

from pipelines.schema import ALL_MODELS, ddl, polars_schema

# Payloads are stored with zstd: the raw layer is most of a load's bytes, and zstd writes them
# ~2.5x faster and ~6x smaller than DuckDB's automatic choice (benchmarks/ingest.py).
RAW_DDL = (
    'CREATE TABLE IF NOT EXISTS "raw_record" (load_id VARCHAR, source VARCHAR, object VARCHAR, '
    "file VARCHAR, record_no BIGINT, payload VARCHAR USING COMPRESSION zstd)"
)
STAGING_TABLES = ("candidate_record", "client", "job", "job_stage", "application", "stage_event", "interview", "offer", "message",
                  "check", "handoff", "sync_error")


class WarehouseMissing(FileNotFoundError):
    """No warehouse has been built yet."""


class QueryError(RuntimeError):
    """A query failed; the message carries the SQL that failed."""


def _configure(con: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    # TIMESTAMPTZ must come back as UTC for the contracts (see STACK-NOTES).
    con.execute("SET TimeZone = 'UTC'")
    return con


def memory() -> duckdb.DuckDBPyConnection:
    """A private in-memory database for parsing and scratch work."""
    return _configure(duckdb.connect(":memory:"))


def staging_path(warehouse: Path) -> Path:
    return warehouse.with_name("staging.duckdb")


STAGING_SCHEMA = (*STAGING_TABLES, "quarantine", "load_log", "file_registry")


def staging_schema_hash() -> str:
    text = "\n".join(ddl(table) for table in STAGING_SCHEMA) + RAW_DDL
    return hashlib.sha256(text.encode()).hexdigest()[:16]


@contextmanager
def staging(path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """The writable staging store, with every table created if missing.

    A store written with another table layout is moved aside (staging.duckdb.<hash>.old) and
    started afresh: the next load then reads every source file again.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    current = staging_schema_hash()
    if path.exists():
        with duckdb.connect(str(path), read_only=True) as probe:
            tables = table_names(probe)
            stored = probe.execute("SELECT schema_hash FROM staging_meta").fetchall()[0][0] if "staging_meta" in tables else None
        if stored != current:
            os.replace(path, path.with_name(f"{path.name}.{stored or 'unversioned'}.old"))
    con = _configure(duckdb.connect(str(path)))
    # Leave room for the Polars side of a load: DuckDB spills to disk past this.
    con.execute(f"SET memory_limit = '{os.environ.get('STAGETRUTH_DUCKDB_MEMORY', '6GB')}'")
    con.execute("SET preserve_insertion_order = false")
    try:
        existing = table_names(con)
        if "staging_meta" not in existing:
            for table in STAGING_SCHEMA:
                con.execute(ddl(table))
            con.execute(RAW_DDL)
            con.execute("CREATE TABLE staging_meta (schema_hash VARCHAR)")
            con.execute("INSERT INTO staging_meta VALUES (?)", [current])
        yield con
    finally:
        con.close()


@contextmanager
def decisions_store(path: Path, ddl_statements: tuple[str, ...], *, read_only: bool = False,
                    attempts: int = 50) -> Iterator[duckdb.DuckDBPyConnection]:
    """The decisions store, opened briefly: pages write a decision while a build may be reading.

    DuckDB refuses a writer while another process holds the file, so opening retries for a few
    seconds before giving up with a clear message.
    """
    import time

    path.parent.mkdir(parents=True, exist_ok=True)
    if read_only and not path.exists():
        read_only = False  # create it empty, so readers see the tables
    for attempt in range(attempts):
        try:
            con = _configure(duckdb.connect(str(path), read_only=read_only))
            break
        except duckdb.IOException as exc:
            if "lock" not in str(exc).lower() or attempt == attempts - 1:
                raise QueryError(f"the decisions store {path} is busy (another process holds it): {exc}") from exc
            time.sleep(0.1)
    try:
        if not read_only:
            for statement in ddl_statements:
                con.execute(statement)
        yield con
    finally:
        con.close()


@contextmanager
def read_only(path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    if not path.exists():
        raise WarehouseMissing(f"no warehouse at {path}: run `stagetruth demo` or `stagetruth ingest` then `stagetruth build`")
    con = _configure(duckdb.connect(str(path), read_only=True))
    try:
        yield con
    finally:
        con.close()


def table_names(con: duckdb.DuckDBPyConnection) -> set[str]:
    return {row[0] for row in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}


def query(con: duckdb.DuckDBPyConnection, sql: str, params: dict[str, Any] | None = None) -> pl.DataFrame:
    try:
        return con.sql(sql, params=params or None).pl()
    except duckdb.Error as exc:
        raise QueryError(f"{exc}\n-- failing SQL:\n{sql}") from exc


def read_table(con: duckdb.DuckDBPyConnection, table: str, where: str = "", params: list[Any] | None = None) -> pl.DataFrame:
    frame = con.sql(f'SELECT * FROM "{table}" {where}', params=params or None).pl()
    if table in ALL_MODELS:
        schema = polars_schema(ALL_MODELS[table])
        frame = frame.cast({name: dtype for name, dtype in schema.items() if frame.schema.get(name) != dtype})
    return frame


@contextmanager
def registered(con: duckdb.DuckDBPyConnection, name: str, frame: pl.DataFrame) -> Iterator[None]:
    """A Polars frame visible to SQL under `name` for the duration of the block."""
    con.register(name, frame)
    try:
        yield
    finally:
        con.unregister(name)


def insert(con: duckdb.DuckDBPyConnection, table: str, frame: pl.DataFrame) -> None:
    """Append a polars frame to a table, matching columns by name."""
    if frame.height == 0:
        return
    cols = ", ".join(f'"{c}"' for c in frame.columns)
    with registered(con, "_incoming", frame):
        con.execute(f'INSERT INTO "{table}" ({cols}) SELECT {cols} FROM _incoming')


def publish(target: Path, build: Callable[[duckdb.DuckDBPyConnection], None]) -> Path:
    """Write a new warehouse with `build`, then atomically replace `target` with it.

    A build that raises (or a process killed midway) leaves `target` untouched; the half-written
    file is removed, or swept by the next publish.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    for stale in target.parent.glob(target.name + ".tmp-*"):
        _remove_quietly(stale)
    tmp = target.with_name(f"{target.name}.tmp-{os.getpid()}-{uuid.uuid4().hex[:8]}")
    con = _configure(duckdb.connect(str(tmp)))
    try:
        for table in ALL_MODELS:
            con.execute(ddl(table))
        build(con)
        con.execute("CHECKPOINT")
    except BaseException:
        con.close()
        _remove_quietly(tmp)
        _remove_quietly(Path(str(tmp) + ".wal"))
        raise
    con.close()
    fd = os.open(tmp, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp, target)
    return target


def compact(path: Path) -> None:
    """Rewrite a DuckDB file table by table into a new file and swap it in.

    DuckDB marks deleted rows but may keep their bytes in the file's blocks; after an erasure the
    store is rewritten so nothing of the erased rows survives on disk.
    """
    tmp = path.with_name(f"{path.name}.compact-{uuid.uuid4().hex[:8]}")
    quote = lambda p: str(p).replace("'", "''")  # noqa: E731
    con = _configure(duckdb.connect(":memory:"))
    try:
        con.execute(f"ATTACH '{quote(path)}' AS src (READ_ONLY)")
        con.execute(f"ATTACH '{quote(tmp)}' AS dst")
        con.execute("COPY FROM DATABASE src TO dst")
        con.execute("DETACH src")
        con.execute("DETACH dst")
    except BaseException:
        con.close()
        _remove_quietly(tmp)
        raise
    con.close()
    os.replace(tmp, path)
    _remove_quietly(Path(str(path) + ".wal"))


def _remove_quietly(path: Path) -> None:
    try:
        path.unlink()
    except FileNotFoundError:
        pass
