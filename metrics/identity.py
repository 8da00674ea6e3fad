"""Identity views of the served warehouse (read-only): records with their persons, clusters, the review queue."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from pipelines import warehouse
from pipelines.paths import warehouse_path

RECORD_COLUMNS = ("person_id", "source", "source_id", "record_ref", "band", "rule", "match_probability", "match_weight",
                  "cluster_size", "reasons")


def records(path: Path | None = None) -> pl.DataFrame:
    """Every candidate record with its person, band and the rule or score that placed it."""
    with warehouse.read_only(path or warehouse_path()) as con:
        return warehouse.query(con, "SELECT " + ", ".join(RECORD_COLUMNS) +
                               " FROM identity_link ORDER BY person_id, source, source_id")


def clusters(path: Path | None = None, *, sources: list[str] | None = None, bands: list[str] | None = None,
             order: str = "size") -> pl.DataFrame:
    """One row per person with more than one record or a pair waiting for review.

    sources / bands keep persons with at least one record of those sources / bands; order is
    "size" (most records first) or "score" (lowest link score first: the least certain).
    """
    params: dict[str, object] = {"sources": sources or [], "bands": bands or []}
    sql = """
        SELECT l.person_id, count(*) AS records, list(DISTINCT l.source ORDER BY l.source) AS sources,
               list(DISTINCT l.band ORDER BY l.band) AS bands,
               min(coalesce(l.match_probability, 1.0)) AS lowest_score,
               any_value(p.first_name) AS first_name, any_value(p.last_name) AS last_name,
               bool_or(p.needs_review) AS needs_review
        FROM identity_link l JOIN person p USING (person_id)
        GROUP BY l.person_id
        HAVING (count(*) > 1 OR bool_or(p.needs_review))
           AND (len($sources) = 0 OR list_has_any(list(l.source), $sources))
           AND (len($bands) = 0 OR list_has_any(list(l.band), $bands))
    """
    with warehouse.read_only(path or warehouse_path()) as con:
        frame = warehouse.query(con, sql, params)
    if order == "score":
        return frame.sort("lowest_score", "records", "person_id", descending=[False, True, False])
    return frame.sort("records", "person_id", descending=[True, False])


def person_records(person_ids: list[str], path: Path | None = None) -> pl.DataFrame:
    """The candidate records of some persons, side by side material: every field and how each was linked."""
    sql = """
        SELECT l.person_id, l.record_ref, c.source, c.source_id, c.first_name, c.last_name,
               array_to_string(c.emails, ', ') AS emails, array_to_string(c.phones, ', ') AS phones,
               c.location, c.company, c.profile_url, c.updated_at, l.band, l.rule, l.match_probability, l.reasons
        FROM identity_link l JOIN candidate_record c ON c.source = l.source AND c.source_id = l.source_id
        WHERE list_contains($ids, l.person_id)
        ORDER BY l.person_id, c.source, c.source_id
    """
    with warehouse.read_only(path or warehouse_path()) as con:
        return warehouse.query(con, sql, {"ids": person_ids})


def review_queue(path: Path | None = None) -> pl.DataFrame:
    """Pairs waiting for a decision (status pending), most likely first."""
    sql = """
        SELECT left_person_id, right_person_id, left_ref, right_ref, left_source, left_source_id, right_source,
               right_source_id, rule, match_probability, match_weight, band, levels, reasons
        FROM identity_pair WHERE status = 'pending'
        ORDER BY match_probability DESC, left_ref, right_ref
    """
    with warehouse.read_only(path or warehouse_path()) as con:
        return warehouse.query(con, sql)


def pairs_of(person_ids: list[str], path: Path | None = None) -> pl.DataFrame:
    """Every scored pair touching some persons: the match reasons behind a cluster."""
    sql = """
        SELECT left_ref, right_ref, left_person_id, right_person_id, rule, match_probability, band, status, levels, reasons
        FROM identity_pair
        WHERE list_contains($ids, left_person_id) OR list_contains($ids, right_person_id)
        ORDER BY match_probability DESC
    """
    with warehouse.read_only(path or warehouse_path()) as con:
        return warehouse.query(con, sql, {"ids": person_ids})


def duplicate_rate_by_source(path: Path | None = None) -> pl.DataFrame:
    """(records - persons) / records per source, and over all sources (source null)."""
    sql = """
        SELECT source, count(*) AS records, count(DISTINCT person_id) AS persons,
               (count(*) - count(DISTINCT person_id)) / nullif(count(*), 0) AS duplicate_record_rate
        FROM identity_link GROUP BY GROUPING SETS ((source), ()) ORDER BY source NULLS LAST
    """
    with warehouse.read_only(path or warehouse_path()) as con:
        return warehouse.query(con, sql)
