"""Joins between systems, at build time: tool records to the ATS applications and candidates.

Tools know other systems' records only by a shared key. The rules, tried in the configured
order (data/stagetruth.toml, [joins]), are:

- `application_id`: the record carries an ATS application id (Checkr custom_id, a DocuSign custom
  field, a payroll column): it joins when that id exists in an ATS source;
- `external_event_id`: an interview joins to the ATS interview with the same calendar event id
  (Greenhouse external_event_id = the invite's UID);
- `candidate_email` / `email`: the address matches a candidate record's email (case and spaces
  ignored); the record joins to that candidate's latest application applied before the
  record's own time (or the latest at all when it has none);
- `address`: a message's sender or recipient matches a candidate's email or phone (phones
  compared on their last ten digits).

When an address matches candidates of several sources (the same person entered by the ATS and a
job board), the source with the richest stage history wins, then the most recent application,
then the lowest id: the same inputs always give the same links.

Every tool record gets one `link` row: joined with its rule, or unjoined (rule empty), so what
cannot be joined is counted per source, never dropped.
"""

from __future__ import annotations

import polars as pl

from pipelines.schema import Link, polars_schema

DEFAULT_RULES: dict[str, tuple[str, ...]] = {
    "interview": ("application_id", "external_event_id", "candidate_email"),
    "check": ("application_id", "candidate_email"),
    "offer": ("application_id",),
    "handoff": ("application_id", "email"),
    "message": ("address",),
}
# The record's own time, for choosing among a candidate's applications.
RECORD_TIME = {"interview": "start_at", "check": "requested_at", "offer": "sent_at", "handoff": "created_at", "message": "sent_at"}


def _email(expr: pl.Expr) -> pl.Expr:
    return expr.cast(pl.String).str.strip_chars().str.to_lowercase()


def _phone(expr: pl.Expr) -> pl.Expr:
    digits = expr.cast(pl.String).str.replace_all(r"\D", "")
    return pl.when(digits.str.len_chars() >= 7).then(digits.str.slice(-10))


def _tool_rows(tables: dict[str, pl.DataFrame], table: str, ats_sources: set[str]) -> pl.DataFrame:
    """Rows of `table` from sources that are not ATS sources (those keep their own application ids)."""
    frame = tables[table]
    if table == "message":
        return frame.filter(pl.col("candidate_id").is_null())
    return frame.filter(~pl.col("source").is_in(list(ats_sources)))


def _addresses(candidates: pl.DataFrame) -> pl.DataFrame:
    emails = candidates.select("source", "source_id", key=pl.col("emails")).explode("key").with_columns(key=_email(pl.col("key")))
    phones = candidates.select("source", "source_id", key=pl.col("phones")).explode("key").with_columns(key=_phone(pl.col("key")))
    return pl.concat([emails, phones]).drop_nulls("key").rename({"source": "candidate_source", "source_id": "candidate_id"}).unique()


def source_priority(tables: dict[str, pl.DataFrame]) -> dict[str, int]:
    """Which source's candidates a match prefers: the system of record is the one with the richest
    stage history (a job board knows only 'applied'); ties go by name, so builds agree."""
    counts = tables["stage_event"].group_by("source").len() if tables["stage_event"].height else pl.DataFrame(
        schema={"source": pl.String, "len": pl.UInt32})
    sources = sorted(set(tables["application"]["source"].to_list()) | set(counts["source"].to_list()))
    events = dict(zip(counts["source"].to_list(), counts["len"].to_list()))
    ranked = sorted(sources, key=lambda s: (-events.get(s, 0), s))
    return {s: i for i, s in enumerate(ranked)}


def _prefer(matches: pl.DataFrame, priority: dict[str, int], *tiebreak: str) -> pl.DataFrame:
    """One match per record, deterministically: preferred source first, then the tiebreak columns."""
    ranked = matches.with_columns(_rank=pl.col("candidate_source").replace_strict(priority, default=len(priority),
                                                                                  return_dtype=pl.Int32))
    return ranked.sort("_key", "_rank", *tiebreak, "candidate_id").unique("_key", keep="first", maintain_order=True).drop("_rank")


def _latest_application(matches: pl.DataFrame, applications: pl.DataFrame, priority: dict[str, int]) -> pl.DataFrame:
    """For (row, candidate) matches: the preferred source's candidate, and that candidate's latest
    application applied before the row's time (or the latest at all)."""
    apps = applications.select(candidate_source="source", candidate_id="candidate_id", target_source="source",
                               application_id="source_id", applied_at="applied_at")
    joined = matches.join(apps, on=["candidate_source", "candidate_id"], how="inner")
    joined = joined.with_columns(_before=(pl.col("_at").is_null() | (pl.col("applied_at") <= pl.col("_at"))).cast(pl.Int8))
    # prefer applications before the record's time, then the latest of them
    joined = joined.with_columns(_order=-pl.col("_before"), _recent=-pl.col("applied_at").dt.epoch("us"))
    return _prefer(joined, priority, "_order", "_recent", "application_id").drop("_before", "_order", "_recent")


def link(tables: dict[str, pl.DataFrame], rules: dict[str, tuple[str, ...]] | None = None) -> pl.DataFrame:
    """One link row per tool record of interview, check, offer, handoff and message tables."""
    rules = {**DEFAULT_RULES, **(rules or {})}
    applications = tables["application"]
    ats_sources = set(applications["source"].unique().to_list())
    app_ids = applications.select(target_source="source", application_id="source_id",
                                  candidate_source="source", candidate_id="candidate_id")
    addresses = _addresses(tables["candidate_record"])
    priority = source_priority(tables)
    ats_interviews = tables["interview"].filter(pl.col("source").is_in(list(ats_sources)) & pl.col("application_id").is_not_null()) \
        .select(external_event_id="external_event_id", target_source="source", application_id="application_id").drop_nulls().unique("external_event_id")
    out: list[pl.DataFrame] = []
    for table, order in rules.items():
        rows = _tool_rows(tables, table, ats_sources)
        if rows.height == 0:
            continue
        rows = rows.with_columns(_key=pl.col("source") + pl.lit("|") + pl.col("source_id"),
                                 _at=pl.col(RECORD_TIME[table]) if RECORD_TIME[table] in rows.columns else pl.lit(None))
        found: list[pl.DataFrame] = []
        remaining = rows
        for rule in order:
            if remaining.height == 0:
                break
            hit = _apply(rule, table, remaining, app_ids, ats_interviews, addresses, applications, priority)
            if hit.height:
                found.append(hit.with_columns(rule=pl.lit(rule)))
                remaining = remaining.join(hit.select("_key"), on="_key", how="anti")
        linked = pl.concat(found, how="diagonal_relaxed") if found else pl.DataFrame(schema={"_key": pl.String})
        base = rows.select("_key", "source", "source_id").with_columns(table=pl.lit(table))
        out.append(base.join(linked.drop([c for c in ("source", "source_id") if c in linked.columns]), on="_key", how="left"))
    if not out:
        return pl.DataFrame(schema=polars_schema(Link))
    result = pl.concat(out, how="diagonal_relaxed")
    for name, dtype in polars_schema(Link).items():
        if name not in result.columns:
            result = result.with_columns(pl.lit(None, dtype=dtype).alias(name))
    return result.with_columns(joined=pl.col("rule").is_not_null()).select(
        [pl.col(n).cast(t) for n, t in polars_schema(Link).items()]
    )


def _apply(rule: str, table: str, rows: pl.DataFrame, app_ids: pl.DataFrame, ats_interviews: pl.DataFrame,
           addresses: pl.DataFrame, applications: pl.DataFrame, priority: dict[str, int]) -> pl.DataFrame:
    if rule == "application_id" and "application_id" in rows.columns:
        hit = rows.select("_key", "application_id").drop_nulls().join(app_ids, on="application_id", how="inner")
        return _prefer(hit, priority)
    if rule == "external_event_id" and "external_event_id" in rows.columns:
        hit = rows.select("_key", "external_event_id").drop_nulls().join(ats_interviews, on="external_event_id", how="inner")
        hit = hit.join(app_ids.rename({"target_source": "_app_source"}), on="application_id", how="left")
        return _prefer(hit.filter(pl.col("_app_source") == pl.col("target_source")), priority).drop("_app_source")
    column = {"candidate_email": "candidate_email", "email": "email"}.get(rule)
    if column and column in rows.columns:
        keys = rows.select("_key", "_at", key=_email(pl.col(column))).drop_nulls("key")
        return _latest_application(keys.join(addresses, on="key", how="inner"), applications, priority) \
            .select("_key", "target_source", "application_id", "candidate_source", "candidate_id")
    if rule == "address" and table == "message":
        keys = pl.concat([
            rows.select("_key", key=_email(pl.col("sender"))), rows.select("_key", key=_email(pl.col("recipient"))),
            rows.select("_key", key=_phone(pl.col("sender"))), rows.select("_key", key=_phone(pl.col("recipient"))),
        ]).drop_nulls("key")
        return _prefer(keys.join(addresses, on="key", how="inner"), priority).select("_key", "candidate_source", "candidate_id")
    return pl.DataFrame(schema={"_key": pl.String})
