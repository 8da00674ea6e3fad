"""Ingest one source into the staging store: read, map, validate, quarantine, log.

Every input record ends in a canonical table or in quarantine, and the load log's
rows_in = loaded + quarantined holds for every object. A file that cannot be parsed counts as
one input record, quarantined with rule `malformed_file`.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Callable

import polars as pl

from pipelines import warehouse
from pipelines.config import Settings, SourceSettings
from pipelines.contracts import CANONICAL_MODELS, validation_context
from pipelines.greenhouse.connector import STEPS, GreenhouseSource, StepContext
from pipelines.schema import LoadLog, polars_schema
from pipelines.stages import load_stage_map
from pipelines.validate import empty_quarantine, split, stamp

Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class ObjectLoad:
    table: str
    obj: str
    files: int
    rows_in: int
    loaded: int
    quarantined: int
    status: str
    message: str | None


@dataclass(frozen=True)
class LoadResult:
    load_id: str
    source: str
    loaded_at: datetime
    objects: tuple[ObjectLoad, ...]

    @property
    def totals(self) -> tuple[int, int, int]:
        return (
            sum(o.rows_in for o in self.objects),
            sum(o.loaded for o in self.objects),
            sum(o.quarantined for o in self.objects),
        )


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


def ingest(
    source: SourceSettings,
    settings: Settings,
    *,
    loaded_at: datetime | None = None,
    progress: Progress | None = None,
) -> LoadResult:
    """Load one configured source into the staging store beside the warehouse, in one transaction."""
    loaded_at = (loaded_at or datetime.now(timezone.utc)).astimezone(timezone.utc)
    load_id = f"{source.name}-{loaded_at:%Y%m%dT%H%M%SZ}-{uuid.uuid4().hex[:6]}"
    if not source.path.is_dir():
        raise FileNotFoundError(f"source {source.name!r}: folder {source.path} does not exist")
    stage_map = load_stage_map(source.kind)
    gh = GreenhouseSource(source.name, source.path, source.time_zone, source.automated_senders)
    con = warehouse.memory()
    ctx = StepContext(con=con, source=gh, stage_map=stage_map)
    outputs: dict[str, pl.DataFrame] = {}
    quarantines: list[pl.DataFrame] = []
    raw: list[pl.DataFrame] = []
    objects: list[ObjectLoad] = []
    log_rows: list[dict] = []
    try:
        for i, (table, obj, step) in enumerate(STEPS):
            if progress:
                progress(f"{source.name}: {obj}", i, len(STEPS))
            started = datetime.now(timezone.utc)
            staged = step(ctx).with_columns(load_id=pl.lit(load_id))
            with validation_context(loaded_at, settings.clock_skew):
                result = split(CANONICAL_MODELS[table], staged)
            good = result.good
            ctx.loaded[table] = good
            outputs[table] = good.select(list(polars_schema(CANONICAL_MODELS[table])))
            q = pl.concat([_file_quarantine(ctx.file_problems, obj), result.quarantine], how="vertical")
            quarantines.append(stamp(q, load_id=load_id, source=source.name, obj=obj, at=loaded_at))
            raw.append(_raw_records(ctx, load_id, source.name, obj))
            rows_in = staged.height + len(ctx.file_problems)
            status = "ok" if q.height == 0 else ("error" if good.height == 0 else "partial")
            message = _message(ctx, obj, source)
            objects.append(ObjectLoad(table, obj, ctx.files_read, rows_in, good.height, q.height, status, message))
            log_rows.append(
                dict(load_id=load_id, source=source.name, object=obj, files=ctx.files_read, rows_in=rows_in,
                     loaded=good.height, quarantined=q.height, status=status, message=message,
                     started_at=started, finished_at=datetime.now(timezone.utc))
            )
    finally:
        con.close()
    log = pl.DataFrame(log_rows, schema=polars_schema(LoadLog))
    LoadLog.validate(log, lazy=True)  # the counts must add up before anything is written
    if progress:
        progress(f"{source.name}: writing staging store", len(STEPS), len(STEPS))
    _write(settings, source.name, outputs, pl.concat(quarantines, how="vertical"), pl.concat(raw, how="vertical"), log)
    return LoadResult(load_id, source.name, loaded_at, tuple(objects))


def _message(ctx: StepContext, obj: str, source: SourceSettings) -> str | None:
    if ctx.files_read == 0:
        return f"no files for {obj} under {source.path}"
    if ctx.file_problems:
        return f"{len(ctx.file_problems)} file(s) could not be read: " + "; ".join(
            f"{p.file}: {p.error}" for p in ctx.file_problems
        )
    return None


def _raw_records(ctx: StepContext, load_id: str, source: str, obj: str) -> pl.DataFrame:
    records = ctx.last_records
    return records.select(
        load_id=pl.lit(load_id), source=pl.lit(source), object=pl.lit(obj),
        file=pl.col("_file"), record_no=pl.col("_record_no"), payload=pl.col("_payload"),
    )


def _write(settings: Settings, source: str, outputs: dict[str, pl.DataFrame], quarantine: pl.DataFrame,
           raw: pl.DataFrame, log: pl.DataFrame) -> None:
    """Replace this source's rows in the staging store, all or nothing."""
    with warehouse.staging(warehouse.staging_path(settings.warehouse)) as con:
        con.execute("BEGIN TRANSACTION")
        try:
            for table, frame in outputs.items():
                con.execute(f'DELETE FROM "{table}" WHERE source = ?', [source])
                warehouse.insert(con, table, frame)
            for table in ("quarantine", "raw_record"):
                con.execute(f'DELETE FROM "{table}" WHERE source = ?', [source])
            warehouse.insert(con, "quarantine", quarantine)
            warehouse.insert(con, "raw_record", raw)
            warehouse.insert(con, "load_log", log)
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise


__all__ = ["ingest", "LoadResult", "ObjectLoad"]
