"""Ingest one source into the staging store: read, map, validate, quarantine, log. Incrementally.

- Every input record ends in a canonical table, in quarantine, or suppressed (it belongs to an
  erased person: pipelines.privacy.suppression), and the load log's
  rows_in = loaded + quarantined + suppressed holds for every object. A file that cannot be parsed counts as
  one input record, quarantined with rule `malformed_file`.
- A file whose content hash is already registered for the source, read with the same mapping,
  is skipped. When the mapping changes (settings or stage map), the source is reloaded whole.
- Records upsert by (source, source_id): a record already staged is replaced by the newer
  load's copy, unless the stored copy carries a later `updated_at`. Loading the same input twice
  changes nothing.
- Everything a load writes goes into the staging store in one transaction.
"""

from __future__ import annotations

import hashlib
import json
import os
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

import duckdb
import polars as pl

from pipelines import warehouse
from pipelines.config import Settings, SourceSettings
from pipelines.contracts import CANONICAL_MODELS, validation_context
from pipelines.greenhouse.connector import STEPS
from pipelines.steps import FRESH_TABLES, LOOKUP_COLUMNS, SourceFiles, StepContext, lookup_columns
from pipelines.paths import stage_map_path
from pipelines.privacy import suppression
from pipelines.privacy.keys import secret
from pipelines.schema import FileRegistry, LoadLog, polars_schema
from pipelines.stages import StageMap, load_stage_map
from pipelines.staging_writer import StepWriter
from pipelines.validate import empty_quarantine, split, stamp

Progress = Callable[[str, int, int], None]
CONNECTOR_VERSION = "greenhouse/1"
# Bytes of input files a batched step reads at once (STAGETRUTH_BATCH_MB, default 512).
BATCH_BYTES = int(float(os.environ.get("STAGETRUTH_BATCH_MB", "512")) * 2**20)


@dataclass(frozen=True)
class ObjectLoad:
    table: str
    obj: str
    files: int
    files_skipped: int
    rows_in: int
    loaded: int
    quarantined: int
    status: str
    message: str | None
    suppressed: int = 0


@dataclass(frozen=True)
class LoadResult:
    load_id: str
    source: str
    loaded_at: datetime
    objects: tuple[ObjectLoad, ...]
    full: bool = False

    @property
    def totals(self) -> tuple[int, int, int]:
        return (
            sum(o.rows_in for o in self.objects),
            sum(o.loaded for o in self.objects),
            sum(o.quarantined for o in self.objects),
        )


def config_hash(source: SourceSettings, stage_map_text: str) -> str:
    """What a file was read with: the connector, the source's settings and mapping, its stage map."""
    digest = hashlib.sha256()
    mapping = json.dumps(source.mapping, sort_keys=True, default=str)
    for part in (CONNECTOR_VERSION, source.kind, source.time_zone, "|".join(source.automated_senders),
                 "|".join(source.internal_domains), mapping, stage_map_text):
        digest.update(part.encode())
        digest.update(b"\0")
    return digest.hexdigest()[:16]


def file_hash(path: Path) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
            size += len(block)
    return digest.hexdigest(), size


@dataclass
class _Registry:
    """The source's registered files, and the files this load reads.

    A file with the registered size and modification time is taken as unchanged without being
    read; otherwise its content hash decides (a touched but identical file is still skipped).
    """

    known: dict[str, tuple[str, int, int]]
    chosen: list[dict] = field(default_factory=list)

    def select(self, obj: str, files: list[Path]) -> list[Path]:
        fresh = []
        for path in files:
            stat = path.stat()
            registered = self.known.get(str(path))
            if registered and registered[1:] == (stat.st_size, stat.st_mtime_ns):
                continue
            sha, size = file_hash(path)
            if registered and registered[0] == sha:
                continue
            fresh.append(path)
            self.chosen.append(dict(object=obj, file=str(path), sha256=sha, bytes=size, mtime_ns=stat.st_mtime_ns))
        return fresh


def _file_quarantine(problems: list, obj: str) -> pl.DataFrame:
    if not problems:
        return empty_quarantine()
    return pl.DataFrame(
        {
            "file": [p.file for p in problems],
            "record_no": [None] * len(problems),
            "record_id": [None] * len(problems),
            "rule": ["malformed_file"] * len(problems),
            "detail": [f"{obj}: {p.error}" for p in problems],
            "payload": [None] * len(problems),
        },
        schema=empty_quarantine().schema,
    )


def _known_rows(con: duckdb.DuckDBPyConnection, source: str, full: bool) -> dict[str, pl.DataFrame]:
    """What later steps look up of the rows staged before this load (nothing on a full load)."""
    known = {}
    for table in LOOKUP_COLUMNS:
        columns = lookup_columns(table)
        schema = {name: dtype for name, dtype in polars_schema(CANONICAL_MODELS[table]).items() if name in columns}
        if full:
            known[table] = pl.DataFrame(schema=schema)
            continue
        listed = ", ".join(f'"{c}"' for c in columns)
        frame = con.sql(f'SELECT {listed} FROM "{table}" WHERE source = ?', params=[source]).pl()
        known[table] = frame.cast({c: t for c, t in schema.items() if frame.schema[c] != t})
    return known


def _remember(ctx: StepContext, table: str, winners: pl.DataFrame) -> None:
    """Keep what later steps look up of the rows this step wrote."""
    if table in LOOKUP_COLUMNS and winners.height:
        kept = ctx.loaded[table]
        kept = kept.filter(~pl.col("source_id").is_in(winners["source_id"].implode()))
        ctx.loaded[table] = pl.concat([kept, winners.select(kept.columns)])
    if table in FRESH_TABLES:
        ctx.fresh[table] = pl.concat([ctx.fresh[table], winners]) if table in ctx.fresh else winners


def ingest(
    source: SourceSettings,
    settings: Settings,
    *,
    loaded_at: datetime | None = None,
    progress: Progress | None = None,
    full: bool = False,
) -> LoadResult:
    """Load one configured source into the staging store beside the warehouse, in one transaction."""
    loaded_at = (loaded_at or datetime.now(timezone.utc)).astimezone(timezone.utc)
    load_id = f"{source.name}-{loaded_at:%Y%m%dT%H%M%SZ}-{uuid.uuid4().hex[:6]}"
    if not source.path.is_dir():
        raise FileNotFoundError(f"source {source.name!r}: folder {source.path} does not exist")
    stage_map = source_stage_map(source)
    map_file = stage_map_path()
    mapping = config_hash(source, map_file.read_text(encoding="utf-8") if map_file.exists() else "")
    erased = suppression.load_keys()
    with warehouse.staging(warehouse.staging_path(settings.warehouse)) as store:
        registered = warehouse.read_table(store, "file_registry", "WHERE source = ?", [source.name])
        full = full or registered.height == 0 or bool((registered["config_hash"] != mapping).any())
        existing = _known_rows(store, source.name, full)
        known = {} if full else {
            row["file"]: (row["sha256"], row["bytes"], row["mtime_ns"]) for row in registered.iter_rows(named=True)
        }
        registry = _Registry(known)
        store.execute("BEGIN TRANSACTION")
        writer = StepWriter(store, source.name, full)
        try:
            objects, log = _run_steps(source, settings, stage_map, registry, existing, load_id, loaded_at, progress, writer,
                                      erased)
            if progress:
                progress(f"{source.name}: committing", 1, 1)
            files = pl.DataFrame(
                [dict(source=source.name, **entry, config_hash=mapping, load_id=load_id, loaded_at=loaded_at)
                 for entry in registry.chosen],
                schema=polars_schema(FileRegistry),
            )
            writer.finish(log, files)
            store.execute("COMMIT")
        except BaseException:
            writer.close()  # no write may still be running on the connection
            store.execute("ROLLBACK")
            raise
        finally:
            writer.close()
    return LoadResult(load_id, source.name, loaded_at, tuple(objects), full)


def source_stage_map(source: SourceSettings) -> StageMap:
    """The stage map a source is read with (empty for sources that map no stages)."""
    return load_stage_map(source.stage_map_section) if _uses_stages(source) else StageMap()


def _uses_stages(source: SourceSettings) -> bool:
    """Only sources that map applications, stage events or job stages need a stage map section."""
    if source.kind == "greenhouse":
        return True
    if source.kind == "calendar":
        return False
    objects = (source.mapping or {}).get("objects", {}).values()
    return any(table in obj for obj in objects for table in ("application", "stage_event", "job_stage"))


def connector_steps(source: SourceSettings) -> list:
    """The steps that read a source: code for Greenhouse, the mapping engine for every other kind."""
    if source.kind == "greenhouse":
        return STEPS
    if source.kind == "calendar":
        from pipelines.calendar.connector import STEPS as CALENDAR_STEPS

        return CALENDAR_STEPS
    from pipelines.mapped.engine import MappedConnector
    from pipelines.mapped.spec import parse_source_map

    return MappedConnector(parse_source_map(f"[sources.{source.name}]", source.mapping or {})).steps()


def step_context(source: SourceSettings, stage_map: StageMap, **hooks) -> StepContext:
    """What a source's steps work with, on a private in-memory DuckDB (the caller closes ctx.con)."""
    files = SourceFiles(source.name, source.path, source.time_zone, source.automated_senders, source.internal_domains)
    return StepContext(con=warehouse.memory(), source=files, stage_map=stage_map, **hooks)


def _run_steps(source, settings, stage_map, registry, existing, load_id, loaded_at, progress, writer, erased=()):
    steps = connector_steps(source)
    ctx = step_context(source, stage_map, select_files=registry.select, stored_records=writer.stored_records)
    con = ctx.con
    ctx.loaded = dict(existing)
    ctx.before = dict(existing)
    # Greenhouse steps map each record on its own, so their objects are read in batches: a large
    # export never holds an object's records at once. Mapped and calendar steps see whole objects.
    ctx.batch_bytes = BATCH_BYTES if source.kind == "greenhouse" else None
    objects: list[ObjectLoad] = []
    log_rows: list[dict] = []
    try:
        for i, (table, obj, step) in enumerate(steps):
            if progress:
                progress(f"{source.name}: {obj}", i, len(steps))
            started = datetime.now(timezone.utc)
            counts = _Counts()
            while True:
                _load_batch(ctx, table, obj, step, registry, writer, counts, load_id, loaded_at, settings, erased)
                if not ctx.pending:
                    break
                if progress:
                    progress(f"{source.name}: {obj} ({counts.files_read} files read, {len(ctx.pending)} to go)", i, len(steps))
            ctx.files_read, ctx.file_problems = counts.files_read, counts.problems
            status = "ok" if counts.quarantined == 0 else ("error" if counts.loaded == 0 else "partial")
            message = _message(ctx, obj, source)
            objects.append(ObjectLoad(table, obj, ctx.files_read, ctx.files_skipped, counts.rows_in, counts.loaded,
                                      counts.quarantined, status, message, counts.suppressed))
            log_rows.append(dict(
                load_id=load_id, source=source.name, object=obj, files=ctx.files_read, files_skipped=ctx.files_skipped,
                rows_in=counts.rows_in, loaded=counts.loaded, quarantined=counts.quarantined, suppressed=counts.suppressed,
                status=status, message=message, started_at=started, finished_at=datetime.now(timezone.utc),
            ))
    finally:
        con.close()
    log = pl.DataFrame(log_rows, schema=polars_schema(LoadLog))
    LoadLog.validate(log, lazy=True)  # the counts must add up before anything is committed
    return objects, log


@dataclass
class _Counts:
    """One object's counts, summed over its batches."""

    files_read: int = 0
    rows_in: int = 0
    loaded: int = 0
    quarantined: int = 0
    suppressed: int = 0
    problems: list = field(default_factory=list)


def _load_batch(ctx, table, obj, step, registry, writer, counts, load_id, loaded_at, settings, erased) -> None:
    """Run a step once (one batch of the object's files), validate its rows and write them."""
    chosen_before = len(registry.chosen)
    staged = step(ctx).with_columns(load_id=pl.lit(load_id))
    rows_in = staged.height + len(ctx.file_problems)
    staged, dropped = suppression.split(table, staged, list(erased), secret() if erased else "")
    with validation_context(loaded_at, settings.clock_skew):
        result = split(CANONICAL_MODELS[table], staged)
    good = result.good.select(list(polars_schema(CANONICAL_MODELS[table])))
    winners = writer.winners(table, good)
    _remember(ctx, table, winners)
    q = pl.concat([_file_quarantine(ctx.file_problems, obj), result.quarantine], how="vertical")
    records = suppression.drop_raw(ctx.last_records, dropped)  # an erased person's raw records stay out too
    raw = records.select(
        load_id=pl.lit(load_id), source=pl.lit(writer.source), object=pl.lit(obj),
        file=pl.col("_file"), record_no=pl.col("_record_no"), payload=pl.col("_payload"),
    )
    reread = [entry["file"] for entry in registry.chosen[chosen_before:]]
    writer.write_step(table, obj, winners, stamp(q, load_id=load_id, source=writer.source, obj=obj, at=loaded_at),
                      raw, reread)
    ctx.last_records = ctx.last_records.clear()  # the raw text is written: let it go
    counts.files_read += ctx.files_read
    counts.rows_in += rows_in
    counts.loaded += good.height
    counts.quarantined += q.height
    counts.suppressed += dropped.height
    counts.problems += ctx.file_problems


def _message(ctx: StepContext, obj: str, source: SourceSettings) -> str | None:
    if ctx.files_read == 0 and ctx.files_skipped == 0:
        return f"no files for {obj} under {source.path}"
    if ctx.file_problems:
        return f"{len(ctx.file_problems)} file(s) could not be read: " + "; ".join(
            f"{p.file}: {p.error}" for p in ctx.file_problems
        )
    if ctx.files_read == 0:
        return f"{ctx.files_skipped} file(s) unchanged since the last load: skipped"
    return None


__all__ = ["ingest", "LoadResult", "ObjectLoad", "config_hash"]
