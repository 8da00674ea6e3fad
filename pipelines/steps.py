"""What every connector step works with: the source's files, its stage map, and what is loaded.

A step reads one object's records, maps them to one canonical table and returns a staged frame
(see pipelines.validate). `loaded` holds, per canonical table, what children look up of every row
known after the steps so far (already staged ones included): its id and the columns named in
LOOKUP_COLUMNS, never whole rows, so a large load does not hold its tables twice.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import duckdb
import polars as pl

from pipelines.readers import RECORDS_SCHEMA, FileProblem, extract, find_files, read_records
from pipelines.stages import StageMap


@dataclass
class SourceFiles:
    name: str
    root: Path
    time_zone: str = "UTC"
    automated_senders: tuple[str, ...] = ("no-reply@", "noreply@", "do-not-reply@", "donotreply@")
    # The organisation's own email domains: an address outside them is the candidate's.
    internal_domains: tuple[str, ...] = ()


# What later steps read of a table's loaded rows, beyond the id (see the connectors).
# Only parent tables are kept: no step looks up a message or an interview.
LOOKUP_COLUMNS: dict[str, tuple[str, ...]] = {
    "candidate_record": ("emails",),  # an email from a known address is inbound
    "client": (),
    "job": (),
    "job_stage": ("name",),  # a history row names its stage by id
    "application": ("outcome", "current_stage"),  # exits, and snapshots diffed into stage events
}
# Tables whose freshly loaded rows (whole) a later step of the same load reads.
FRESH_TABLES = ("application",)


def lookup_columns(table: str) -> list[str]:
    return ["source_id", *LOOKUP_COLUMNS.get(table, ())]


@dataclass
class StepContext:
    con: duckdb.DuckDBPyConnection
    source: SourceFiles
    stage_map: StageMap
    loaded: dict[str, pl.DataFrame] = field(default_factory=dict)  # lookup_columns of every known row
    before: dict[str, pl.DataFrame] = field(default_factory=dict)  # the same, as staged before this load
    fresh: dict[str, pl.DataFrame] = field(default_factory=dict)  # rows this load wrote, for FRESH_TABLES
    parsed: dict[str, pl.DataFrame] = field(default_factory=dict)  # every parsed record, kept or not
    file_problems: list[FileProblem] = field(default_factory=list)
    files_read: int = 0
    files_skipped: int = 0
    # Chooses which of an object's files to read (an incremental load skips unchanged ones).
    select_files: Callable[[str, list[Path]], list[Path]] | None = None
    last_records: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=RECORDS_SCHEMA))
    last_files: list[Path] = field(default_factory=list)  # the files the last records() call read
    # The raw records an earlier load kept for an object's files (a step that must see every
    # record, like the calendar fold, takes unchanged files from here instead of parsing them again).
    stored_records: Callable[[str, list[Path]], pl.DataFrame] | None = None
    # Read an object's files in batches of about this many bytes (None: all at once). The loader
    # runs the step again while `pending` holds files; set only for steps whose rows each come
    # from one record (see pipelines.load).
    batch_bytes: int | None = None
    pending: list[Path] = field(default_factory=list)

    def records(self, obj: str, patterns: tuple[str, ...] = ("*.json", "*.jsonl", "*.ndjson"),
                files: list[Path] | None = None) -> pl.DataFrame:
        """Records of the object's files (or of `files`), skipping those the load need not read.

        With batch_bytes set, one batch of the files to read; the rest wait in `pending` for the
        step's next run.
        """
        if self.pending:
            fresh = self.pending
        else:
            files = sorted(set(files if files is not None else find_files(self.source.root, obj, patterns)))
            fresh = self.select_files(obj, files) if self.select_files else files
            self.files_skipped = len(files) - len(fresh)
        batch, self.pending = _batch(fresh, self.batch_bytes)
        records, problems = read_records(self.con, batch)
        self.files_read = len(batch)
        self.file_problems = problems
        self.last_records = records
        self.last_files = batch
        return records

    def keep_parsed(self, table: str, frame: pl.DataFrame) -> None:
        """Keep every parsed record of a table (all batches) for later steps' lookups."""
        self.parsed[table] = pl.concat([self.parsed[table], frame], how="diagonal_relaxed") if table in self.parsed else frame

    def typed(self, records: pl.DataFrame, specs: list) -> pl.DataFrame:
        return extract(self.con, records, specs, self.source.time_zone)


def _batch(files: list[Path], limit: int | None) -> tuple[list[Path], list[Path]]:
    """(the first files up to `limit` bytes, at least one; the rest)."""
    if limit is None or len(files) <= 1:
        return files, []
    total = 0
    for i, path in enumerate(files):
        total += path.stat().st_size if path.exists() else 0
        if total > limit and i > 0:
            return files[:i], files[i:]
    return files, []


def staged_frame(frame: pl.DataFrame, source: str, columns: dict[str, pl.Expr]) -> pl.DataFrame:
    """Keep the model columns (given as expressions) plus the trace columns."""
    return frame.select(
        source=pl.lit(source),
        **columns,
        _file=pl.col("_file"),
        _record_no=pl.col("_record_no"),
        _payload=pl.col("_payload"),
        _problems=pl.col("_problems"),
    )


def known_ids(ctx: StepContext, table: str) -> pl.Series:
    if table not in LOOKUP_COLUMNS:
        raise KeyError(f"{table} is not a parent table: add it to LOOKUP_COLUMNS to look its ids up")
    return ctx.loaded[table]["source_id"] if table in ctx.loaded else pl.Series([], dtype=pl.String)
