"""The staging side of a load: what one load writes into the staging store's open transaction."""

from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import duckdb
import polars as pl

from pipelines import warehouse
from pipelines.contracts import CANONICAL_MODELS
from pipelines.readers import RECORDS_SCHEMA


class StepWriter:
    """Writes each step's rows into the open staging transaction as soon as the step is done, so
    a large load never holds every object's records at once.

    A write runs in a background thread while the next step parses (DuckDB releases the GIL while
    it inserts and compresses): at most one write is in flight, and anything else that uses the
    store's connection waits for it first, so the connection is never used by two threads at once.
    """

    def __init__(self, store: duckdb.DuckDBPyConnection, source: str, full: bool):
        self.store, self.source = store, source
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="staging-writer")
        self._pending: Future | None = None
        if full:
            for table in (*CANONICAL_MODELS, "quarantine", "raw_record", "file_registry"):
                store.execute(f'DELETE FROM "{table}" WHERE source = ?', [source])

    def stored_records(self, obj: str, files: list[Path]) -> pl.DataFrame:
        """The raw records staged for these files of the object, in file and record order."""
        self.wait()
        if not files:
            return pl.DataFrame(schema=RECORDS_SCHEMA)
        with warehouse.registered(self.store, "_files", pl.DataFrame({"file": [str(f) for f in files]})):
            found = self.store.sql(
                "SELECT file AS _file, record_no AS _record_no, payload AS _payload FROM raw_record "
                "WHERE source = ? AND object = ? AND file IN (SELECT file FROM _files) ORDER BY file, record_no",
                params=[self.source, obj],
            ).pl()
        return found.cast(RECORDS_SCHEMA)

    def winners(self, table: str, good: pl.DataFrame) -> pl.DataFrame:
        """The rows that win the upsert by (source, source_id): a staged copy (from an earlier load or
        an earlier step of this one) carrying a later updated_at keeps its place."""
        if good.height == 0 or "updated_at" not in good.columns:
            return good
        self.wait()
        keys = good.select("source_id", "updated_at").with_row_index("_row")
        with warehouse.registered(self.store, "_keys", keys):
            stale = self.store.sql(
                f'SELECT k._row FROM _keys k JOIN "{table}" s ON s.source = ? AND s.source_id = k.source_id '
                "WHERE k.updated_at < s.updated_at", params=[self.source],
            ).pl()["_row"]
        if stale.len() == 0:
            return good
        return good.filter(~pl.int_range(pl.len(), dtype=pl.UInt32).is_in(stale.implode()))

    def wait(self) -> None:
        """Let the write in flight finish; its error, if any, is raised here."""
        pending, self._pending = self._pending, None
        if pending is not None:
            pending.result()

    def close(self) -> None:
        """Wait for the write in flight (its error is not raised: the load is failing already)."""
        try:
            self.wait()
        except BaseException:  # noqa: BLE001 - the caller is handling the first error
            pass
        self._pool.shutdown(wait=True)

    def write_step(self, table: str, obj: str, winners: pl.DataFrame, quarantine: pl.DataFrame,
                   raw: pl.DataFrame, reread: list[str]) -> None:
        self.wait()
        self._pending = self._pool.submit(self._write, table, obj, winners, quarantine, raw, reread)

    def _write(self, table: str, obj: str, winners: pl.DataFrame, quarantine: pl.DataFrame,
               raw: pl.DataFrame, reread: list[str]) -> None:
        store, source = self.store, self.source
        if reread:
            # A re-read file replaces what its earlier version put in quarantine and the raw layer.
            with warehouse.registered(store, "_reread", pl.DataFrame({"file": reread})):
                for name in ("quarantine", "raw_record", "file_registry"):
                    store.execute(f'DELETE FROM "{name}" WHERE source = ? AND file IN (SELECT file FROM _reread)', [source])
        if winners.height:
            with warehouse.registered(store, "_ids", winners.select("source_id")):
                store.execute(f'DELETE FROM "{table}" WHERE source = ? AND source_id IN (SELECT source_id FROM _ids)', [source])
                # A record that loads now is no longer quarantined from an earlier file.
                store.execute("DELETE FROM quarantine WHERE source = ? AND object = ? "
                              "AND record_id IN (SELECT source_id FROM _ids)", [source, obj])
            warehouse.insert(store, table, winners)
        warehouse.insert(store, "quarantine", quarantine)
        warehouse.insert(store, "raw_record", raw)

    def finish(self, log: pl.DataFrame, files: pl.DataFrame) -> None:
        self.wait()
        warehouse.insert(self.store, "load_log", log)
        warehouse.insert(self.store, "file_registry", files)
