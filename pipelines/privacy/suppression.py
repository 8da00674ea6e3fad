"""Suppression: erased people stay out of every later load.

Erasure stores keyed hashes (pipelines.privacy.keys) of everything that identified the person:
each erased record (source, table, source_id), their emails and their phones. At ingest, a
staged row is suppressed when any of its own keys is on the list: its record key, the record
key of its candidate or application (so a new stage event of an erased application stays out),
or an email or phone it carries. Suppressed rows are counted in the load log (rows_in = loaded
+ quarantined + suppressed) and neither staged, quarantined nor kept in the raw layer.
"""

from __future__ import annotations

import re
from datetime import datetime, timezone
from pathlib import Path

import polars as pl

from pipelines import warehouse
from pipelines.decisions import AUDIT_DDL
from pipelines.paths import decisions_path
from pipelines.privacy import keys as K

SUPPRESSION_DDL = (
    'CREATE TABLE IF NOT EXISTS "suppression" (key VARCHAR PRIMARY KEY, kind VARCHAR NOT NULL, '
    "created_at TIMESTAMPTZ NOT NULL, audit_id VARCHAR)",
)
STORE_DDL = AUDIT_DDL + SUPPRESSION_DDL

# Columns that identify a person, per canonical table: (email columns, phone columns, parent keys).
EMAIL_COLUMNS = {"interview": ("candidate_email",), "check": ("candidate_email",), "handoff": ("email",),
                 "message": ("sender", "recipient")}
PHONE_COLUMNS = {"message": ("sender", "recipient")}
LIST_COLUMNS = {"candidate_record": ("emails", "phones")}
PARENTS = {"candidate_id": "candidate_record", "application_id": "application"}


def load_keys(path: Path | None = None) -> list[str]:
    path = path or decisions_path()
    if not path.exists():
        return []
    with warehouse.decisions_store(path, STORE_DDL, read_only=True) as con:
        if "suppression" not in warehouse.table_names(con):
            return []
        return [r[0] for r in con.execute("SELECT key FROM suppression").fetchall()]


def add_keys(entries: dict[str, set[str]], audit_id: str, path: Path | None = None) -> int:
    """Store keys by kind; returns how many were new."""
    rows = [(key, kind) for kind, found in entries.items() for key in sorted(found) if key]
    frame = pl.DataFrame(rows, schema={"key": pl.String, "kind": pl.String}, orient="row").unique("key")
    with warehouse.decisions_store(path or decisions_path(), STORE_DDL) as con, warehouse.registered(con, "_keys", frame):
        before = con.execute("SELECT count(*) FROM suppression").fetchall()[0][0]
        con.execute("INSERT INTO suppression SELECT key, kind, ?, ? FROM _keys WHERE key NOT IN (SELECT key FROM suppression)",
                    [datetime.now(timezone.utc), audit_id])
        return con.execute("SELECT count(*) FROM suppression").fetchall()[0][0] - before


def row_tags_sql(table: str, columns: list[str]) -> str:
    """A DuckDB list expression of every tagged value (kind|value) a staged row of `table` carries:
    its keys are their keyed hashes (pipelines.privacy.keys)."""
    scalars = [K.sql_record_tagged("source", table, "source_id")]
    scalars += [K.sql_record_tagged("source", parent, col) for col, parent in PARENTS.items() if col in columns]
    scalars += [K.sql_email_tagged(f'"{c}"') for c in EMAIL_COLUMNS.get(table, ()) if c in columns]
    scalars += [K.sql_phone_tagged(f'"{c}"') for c in PHONE_COLUMNS.get(table, ()) if c in columns]
    lists = [f"[{', '.join(scalars)}]"]
    for col in LIST_COLUMNS.get(table, ()):
        if col in columns:
            fn = K.sql_email_tagged("x") if col == "emails" else K.sql_phone_tagged("x")
            lists.append(f'coalesce(list_transform("{col}", lambda x: {fn}), [])')
    return f"flatten([{', '.join(lists)}])"


def split(table: str, staged: pl.DataFrame, suppressed_keys: list[str], secret: str) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(rows to keep, rows suppressed). No keys on the list: nothing to compute.

    Each distinct value is hashed once (a candidate's id recurs on every message), and the keys
    are matched by a join, so the cost does not grow with the length of the list.
    """
    if not suppressed_keys or staged.height == 0:
        return staged, staged.clear()
    used = ["source", "source_id", *PARENTS, *EMAIL_COLUMNS.get(table, ()), *PHONE_COLUMNS.get(table, ()),
            *LIST_COLUMNS.get(table, ())]
    numbered = staged.select([c for c in dict.fromkeys(used) if c in staged.columns]).with_row_index("_row")
    sql = (
        f"WITH slots AS (SELECT _row, unnest({row_tags_sql(table, numbered.columns)}) AS v FROM _staged), "
        "hit AS (SELECT v FROM (SELECT DISTINCT v FROM slots WHERE v IS NOT NULL) "
        f"JOIN (SELECT unnest($keys) AS k) ON {K.sql_hash('v')} = k) "
        "SELECT DISTINCT _row FROM slots JOIN hit USING (v)"
    )
    with warehouse.memory() as con, warehouse.registered(con, "_staged", numbered):
        rows = con.sql(sql, params={"secret": secret, "keys": suppressed_keys}).pl()["_row"]
    hit = pl.int_range(pl.len(), dtype=pl.UInt32).is_in(rows.implode())
    return staged.filter(~hit), staged.filter(hit)


def raw_id_pattern(ids: list[str]) -> str:
    """A regex for a raw JSON record carrying one of the ids as an id value ("id": 123, "uid": "x", "envelopeId": "x")."""
    alternatives = "|".join(re.escape(str(i)) for i in sorted(ids, key=lambda i: len(str(i)), reverse=True))
    return rf'"[A-Za-z_]*(id|Id|ID)"\s*:\s*"?({alternatives})"?\s*[,}}\]]'


def drop_raw(records: pl.DataFrame, dropped: pl.DataFrame) -> pl.DataFrame:
    """Raw records minus those behind suppressed rows: the same record, or one naming a suppressed id.

    A row folded from several records (an invite's messages, an envelope's events) keeps the
    position of one of them; the others are found by the row's id in their payload.
    """
    if dropped.height == 0 or records.height == 0:
        return records
    kept = records.join(dropped.select("_file", "_record_no").unique(), on=["_file", "_record_no"], how="anti")
    ids = dropped["source_id"].drop_nulls().unique().to_list()
    return kept.filter(~pl.col("_payload").str.contains(raw_id_pattern(ids))) if ids else kept
