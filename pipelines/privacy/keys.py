"""Keyed hashes: what erasure keeps instead of personal data.

A key is sha256(secret | kind | normalised value). Without the secret, a key cannot be tested
against a guessed email or phone. The secret comes from STAGETRUTH_SECRET_KEY, else from
data/secret.key, created (readable by its owner only) the first time it is needed. Losing the
secret means erased people are no longer recognised on re-ingest: keep it with the other secrets.

The same keys are computed in Python (erasure) and in DuckDB SQL (the ingest filter): the SQL
builders here return the tagged value 'kind|normalised value' and its hash as SQL text
(tests/privacy/test_suppression.py holds them to the Python keys).
"""

from __future__ import annotations

import hashlib
import os
import re
import secrets
from pathlib import Path

from pipelines.paths import DATA_DIR

KINDS = ("record", "email", "phone")


def secret_path() -> Path:
    return Path(os.environ.get("STAGETRUTH_SECRET_FILE", DATA_DIR / "secret.key"))


def secret() -> str:
    env = os.environ.get("STAGETRUTH_SECRET_KEY")
    if env:
        return env
    path = secret_path()
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_hex(32))
    return path.read_text().strip()


def normalise_email(value: str | None) -> str | None:
    text = (value or "").strip().lower()
    return text if "@" in text else None


def normalise_phone(value: str | None) -> str | None:
    """The last ten digits (national number in NANP-style plans); too short to be a phone: None."""
    digits = re.sub(r"[^0-9]", "", value or "")
    return digits[-10:] if len(digits) >= 7 else None


def keyed(kind: str, value: str | None, key: str | None = None) -> str | None:
    if value is None:
        return None
    return hashlib.sha256(f"{key if key is not None else secret()}|{kind}|{value}".encode()).hexdigest()


def record_key(source: str, table: str, source_id: str, key: str | None = None) -> str:
    return keyed("record", f"{source}|{table}|{source_id}", key)


def email_key(value: str | None, key: str | None = None) -> str | None:
    return keyed("email", normalise_email(value), key)


def phone_key(value: str | None, key: str | None = None) -> str | None:
    return keyed("phone", normalise_phone(value), key)


# --- the same keys as DuckDB SQL expressions (the secret is a bound parameter: $secret) ---

def sql_tagged(kind: str, value_sql: str) -> str:
    """'kind|value' (NULL for no value): what a key hashes after the secret."""
    return f"CASE WHEN ({value_sql}) IS NULL THEN NULL ELSE '{kind}|' || ({value_sql}) END"


def sql_hash(tagged_sql: str) -> str:
    """The key of a tagged value (see sql_tagged)."""
    return f"sha256($secret || '|' || ({tagged_sql}))"


def _email_norm(column_sql: str) -> str:
    return f"CASE WHEN strpos(lower(trim({column_sql})), '@') > 0 THEN lower(trim({column_sql})) END"


def _phone_norm(column_sql: str) -> str:
    digits = f"regexp_replace(coalesce({column_sql}, ''), '[^0-9]', '', 'g')"
    return f"CASE WHEN length({digits}) >= 7 THEN right({digits}, 10) END"


def _record_value(source_sql: str, table: str, id_sql: str) -> str:
    return f"{source_sql} || '|{table}|' || CAST({id_sql} AS VARCHAR)"


def sql_email_tagged(column_sql: str) -> str:
    return sql_tagged("email", _email_norm(column_sql))


def sql_phone_tagged(column_sql: str) -> str:
    return sql_tagged("phone", _phone_norm(column_sql))


def sql_record_tagged(source_sql: str, table: str, id_sql: str) -> str:
    return sql_tagged("record", _record_value(source_sql, table, id_sql))
