"""Erase one person from every layer, and keep them out of every later load.

What belongs to the person (docs/privacy.md states the rule):
1. their candidate records: any record carrying the given email (normalised), then every record
   carrying any email of those records (the same person as another system knows them); with
   `--person`, every record identity resolution tied to that person;
2. the applications of those records, and every row of every source that hangs off them: stage
   events, interviews, offers, messages, checks, handoffs (by id, and through the join table for
   rows of other tools);
3. any row carrying one of their emails or phones (an invite, a check, a payroll record, a text).
Those rows leave the canonical tables; raw records and quarantine rows that carry one of their
ids (as a JSON id value), emails or phones leave too. The staging store is then rewritten so no
deleted bytes remain, moved-aside stores are removed, and the served warehouse is rebuilt. Keyed
hashes of everything erased go to the suppression list, and one audit entry records who, when,
why and how many rows, with no personal data.
"""

from __future__ import annotations

from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from pipelines import decisions, warehouse
from pipelines.config import Settings
from pipelines.contracts import CANONICAL_MODELS
from pipelines.privacy import keys as K
from pipelines.privacy import suppression
from pipelines.privacy.suppression import EMAIL_COLUMNS



class ErasureError(ValueError):
    """Nothing to erase, or no way to find the person."""


@dataclass
class ErasureReport:
    audit_id: str
    rows: dict[str, int] = field(default_factory=dict)
    raw_records: int = 0
    quarantine_rows: int = 0
    keys_added: int = 0
    removed_files: list[str] = field(default_factory=list)
    rebuilt: bool = False

    @property
    def total(self) -> int:
        return sum(self.rows.values())


def _emails_of(frame: pl.DataFrame) -> set[str]:
    values = frame.select(pl.col("emails").explode()).to_series().drop_nulls().to_list() if frame.height else []
    return {e for e in (K.normalise_email(v) for v in values) if e}


def _phones_of(frame: pl.DataFrame) -> set[str]:
    values = frame.select(pl.col("phones").explode()).to_series().drop_nulls().to_list() if frame.height else []
    return {p for p in (K.normalise_phone(v) for v in values) if p}


def _records_with_emails(con, emails: set[str]) -> pl.DataFrame:
    sql = ("SELECT * FROM candidate_record WHERE list_has_any(list_transform(coalesce(emails, []), "
           "lambda x: lower(trim(x))), $emails)")
    return warehouse.query(con, sql, {"emails": sorted(emails)})


def _person_records(settings: Settings, person: str) -> pl.DataFrame:
    with warehouse.read_only(settings.warehouse) as con:
        if "identity_link" not in warehouse.table_names(con):
            raise ErasureError("erasing by person id needs identity resolution in the warehouse; erase by --email")
        return warehouse.query(con, "SELECT source, source_id FROM identity_link WHERE person_id = $p", {"p": person})


def link_rows(settings: Settings, where: str, **frames: pl.DataFrame) -> pl.DataFrame:
    """(table, source, source_id) of the served warehouse's link rows matching `where`, with the
    frames visible to it by name; empty when there is no warehouse or no link table yet."""
    empty = pl.DataFrame(schema={"table": pl.String, "source": pl.String, "source_id": pl.String})
    if not settings.warehouse.exists():
        return empty
    with warehouse.read_only(settings.warehouse) as con, ExitStack() as stack:
        if "link" not in warehouse.table_names(con):
            return empty
        for name, frame in frames.items():
            stack.enter_context(warehouse.registered(con, name, frame))
        return warehouse.query(con, f'SELECT DISTINCT l."table", l.source, l.source_id FROM link l WHERE {where}')


def _linked(settings: Settings, applications: pl.DataFrame, candidates: pl.DataFrame) -> pl.DataFrame:
    """Rows of other tools the join table tied to the person's applications or candidate records."""
    return link_rows(settings, """
        EXISTS (SELECT 1 FROM _apps a WHERE a.source = l.target_source AND a.source_id = l.application_id)
        OR EXISTS (SELECT 1 FROM _cands c WHERE c.source = l.candidate_source AND c.source_id = l.candidate_id)""",
                     _apps=applications, _cands=candidates)


def find(con, settings: Settings, email: str | None, person: str | None) -> tuple[pl.DataFrame, set[str], set[str]]:
    """(every row to erase as table, source, source_id; the person's emails; their phones)."""
    if person:
        wanted = _person_records(settings, person)
        with warehouse.registered(con, "_wanted", wanted):
            seeds = warehouse.query(con, "SELECT * FROM candidate_record r WHERE EXISTS (SELECT 1 FROM _wanted w "
                                         "WHERE w.source = r.source AND w.source_id = r.source_id)")
        emails = _emails_of(seeds)
    else:
        norm = K.normalise_email(email)
        if not norm:
            raise ErasureError(f"{email!r} is not an email address")
        emails = {norm}
        seeds = _records_with_emails(con, emails)
        emails |= _emails_of(seeds)
    records = _records_with_emails(con, emails) if emails else seeds
    records = pl.concat([seeds, records]).unique(["source", "source_id"])
    phones = _phones_of(records)
    candidates = records.select("source", "source_id")
    with warehouse.registered(con, "_cands", candidates):
        applications = warehouse.query(con, "SELECT source, source_id FROM application t WHERE EXISTS (SELECT 1 FROM _cands c "
                                            "WHERE c.source = t.source AND c.source_id = t.candidate_id)")
    rows = [candidates.with_columns(table=pl.lit("candidate_record")), applications.with_columns(table=pl.lit("application"))]
    with warehouse.registered(con, "_apps", applications), warehouse.registered(con, "_cands", candidates):
        for table in CANONICAL_MODELS:
            columns = set(warehouse.read_table(con, table, "LIMIT 0").columns)
            conditions, params = [], {}
            if "application_id" in columns and table != "application":
                conditions.append("EXISTS (SELECT 1 FROM _apps a WHERE a.source = t.source AND a.source_id = t.application_id)")
            if "candidate_id" in columns and table not in ("application", "candidate_record"):
                conditions.append("EXISTS (SELECT 1 FROM _cands c WHERE c.source = t.source AND c.source_id = t.candidate_id)")
            for column in EMAIL_COLUMNS.get(table, ()):
                conditions.append(f'list_contains($emails, lower(trim(t."{column}")))')
                params["emails"] = sorted(emails)
                if table == "message" and phones:
                    conditions.append(f"""list_contains($phones, right(regexp_replace(coalesce(t."{column}", ''), '[^0-9]', '', 'g'), 10))""")
                    params["phones"] = sorted(phones)
            if conditions:
                found = warehouse.query(con, f'SELECT source, source_id FROM "{table}" t WHERE ' + " OR ".join(conditions),
                                        params or None)
                rows.append(found.with_columns(table=pl.lit(table)))
    rows.append(_linked(settings, applications, candidates))
    erased = pl.concat([r.select("table", "source", "source_id") for r in rows]).unique()
    return erased, emails, phones


def _phone_pattern(phone: str) -> str:
    """Ten digits with any punctuation between them, as a person or a system would write them."""
    return r"[^0-9]{0,3}".join(phone)


def _scrub(con, table: str, text_columns: tuple[str, ...], erased: pl.DataFrame, emails: set[str], phones: set[str]) -> int:
    """Delete rows of the raw layer or quarantine that carry an erased id, email or phone."""
    before = con.execute(f'SELECT count(*) FROM "{table}"').fetchall()[0][0]
    for source, ids in erased.group_by("source").agg(pl.col("source_id").unique()).iter_rows():
        pattern = suppression.raw_id_pattern(ids)
        where = " OR ".join(f"regexp_matches(coalesce({c}, ''), $pattern)" for c in text_columns)
        con.execute(f'DELETE FROM "{table}" WHERE source = $source AND ({where})', {"source": source, "pattern": pattern})
        if table == "quarantine":
            with warehouse.registered(con, "_ids", pl.DataFrame({"id": ids})):
                con.execute("DELETE FROM quarantine WHERE source = $source AND record_id IN (SELECT id FROM _ids)",
                            {"source": source})
    for email in emails:
        where = " OR ".join(f"strpos(lower(coalesce({c}, '')), $email) > 0" for c in text_columns)
        con.execute(f'DELETE FROM "{table}" WHERE {where}', {"email": email})
    for phone in phones:
        where = " OR ".join(f"regexp_matches(coalesce({c}, ''), $pattern)" for c in text_columns)
        con.execute(f'DELETE FROM "{table}" WHERE {where}', {"pattern": _phone_pattern(phone)})
    return before - con.execute(f'SELECT count(*) FROM "{table}"').fetchall()[0][0]


def remove(con, erased: pl.DataFrame, emails: set[str], phones: set[str]) -> tuple[dict[str, int], int, int]:
    """Delete the rows, and the raw records and quarantine rows carrying their ids, emails or phones, in one transaction."""
    rows: dict[str, int] = {}
    con.execute("BEGIN TRANSACTION")
    try:
        for (table,), part in erased.partition_by("table", as_dict=True).items():
            with warehouse.registered(con, "_gone", part.select("source", "source_id")):
                before = con.execute(f'SELECT count(*) FROM "{table}"').fetchall()[0][0]
                con.execute(f'DELETE FROM "{table}" t WHERE EXISTS (SELECT 1 FROM _gone g '
                            "WHERE g.source = t.source AND g.source_id = t.source_id)")
                rows[table] = before - con.execute(f'SELECT count(*) FROM "{table}"').fetchall()[0][0]
        raw = _scrub(con, "raw_record", ("payload",), erased, emails, phones)
        quarantined = _scrub(con, "quarantine", ("payload", "detail", "record_id"), erased, emails, phones)
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return rows, raw, quarantined


def rewrite(store: Path) -> list[str]:
    """Rewrite the staging store without the deleted bytes; remove stores a schema change moved aside."""
    warehouse.compact(store)
    removed = [str(p) for p in sorted(store.parent.glob(f"{store.name}.*.old"))]
    for path in removed:
        Path(path).unlink()
    return removed


def erase(settings: Settings, *, email: str | None = None, person: str | None = None, actor: str,
          reason: str | None = None, rebuild: bool = True) -> ErasureReport:
    if bool(email) == bool(person):
        raise ErasureError("name exactly one of --email or --person")
    store = warehouse.staging_path(settings.warehouse)
    if not store.exists():
        raise ErasureError(f"nothing ingested yet ({store} is missing)")
    with warehouse.staging(store) as con:
        erased, emails, phones = find(con, settings, email, person)
        if erased.height == 0:
            raise ErasureError("no record of that person in any source")
        rows, raw, quarantined = remove(con, erased, emails, phones)
    removed = rewrite(store)
    subject = person or K.email_key(email)
    keys = {
        "record": {K.record_key(source, table, source_id)
                   for source, table, source_id in erased.select("source", "table", "source_id").iter_rows()},
        "email": {K.email_key(e) for e in emails},
        "phone": {K.keyed("phone", p) for p in phones},
    }
    audit_id = decisions.record("privacy.erase", "person" if person else "email_key", subject, actor=actor, reason=reason,
                                after={"rows": rows, "raw_records": raw, "quarantine_rows": quarantined,
                                       "keys": sum(len(v) for v in keys.values())})
    report = ErasureReport(audit_id, rows, raw, quarantined, suppression.add_keys(keys, audit_id), removed)
    if rebuild:
        rebuild_warehouse(settings)
        report.rebuilt = True
    return report


def rebuild_warehouse(settings: Settings) -> None:
    from pipelines.build import build

    as_of = None
    if settings.warehouse.exists():
        with warehouse.read_only(settings.warehouse) as con:
            found = warehouse.query(con, "SELECT as_of FROM build_info")
            as_of = found["as_of"][0] if found.height else None
    build(settings.warehouse, as_of=as_of, join_rules=settings.join_rules)
