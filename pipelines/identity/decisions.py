"""Recruiting ops' identity decisions, written and read through pipelines.decisions (the audit store).

Three actions, each one audit entry that a later `undo` can revoke:
- `identity.same_person`: two records are one person (subject: the pair of record refs);
- `identity.not_same_person`: two records are different people, whatever the rules say;
- `identity.split`: a person's records fall into two groups that must stay apart (subject: the
  person id; `after` lists the records moved out and the records that stay).
Records are named by their ref (`R-` and a hash of source:source_id), so an entry carries no
email or name even where a source's own id is an address. Decisions win over every later build:
`decided_links` turns the entries that still stand into the links and negatives the clustering
applies first. Source records are never touched.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from pipelines import decisions

SAME, NOT_SAME, SPLIT = "identity.same_person", "identity.not_same_person", "identity.split"


def record_ref(record_key: str) -> str:
    return "R-" + hashlib.blake2b(record_key.encode(), digest_size=8).hexdigest()


def ref_expr(column: str = "record_key") -> pl.Expr:
    return pl.col(column).map_elements(record_ref, return_dtype=pl.String)


def _pair_id(a: str, b: str) -> str:
    x, y = sorted((a, b))
    return f"{x}~{y}"


def same_person(a_ref: str, b_ref: str, *, actor: str, reason: str | None = None, path: Path | None = None) -> str:
    """Record that two records are one person; returns the audit id (undo it to revoke)."""
    x, y = sorted((a_ref, b_ref))
    return decisions.record(SAME, "record_pair", _pair_id(x, y), actor=actor, reason=reason,
                            after={"records": [x, y]}, path=path)


def not_same_person(a_ref: str, b_ref: str, *, actor: str, reason: str | None = None, path: Path | None = None) -> str:
    x, y = sorted((a_ref, b_ref))
    return decisions.record(NOT_SAME, "record_pair", _pair_id(x, y), actor=actor, reason=reason,
                            after={"records": [x, y]}, path=path)


def split(person_id: str, moved: list[str], rest: list[str], *, actor: str, reason: str | None = None,
          path: Path | None = None) -> str:
    """Split a person: `moved` records become a person of their own, apart from `rest`."""
    if not moved or not rest:
        raise decisions.DecisionError(f"split of {person_id}: choose the records to move out and keep at least one")
    return decisions.record(SPLIT, "person", person_id, actor=actor, reason=reason,
                            before={"records": sorted(moved + rest)}, after={"records": sorted(moved), "rest": sorted(rest)},
                            path=path)


@dataclass
class Decided:
    """What the standing decisions ask of the clustering, by record ref."""

    must: list[tuple[str, str, str]] = field(default_factory=list)  # (a, b, audit_id)
    apart: list[tuple[str, str, str]] = field(default_factory=list)


def decided_links(path: Path | None = None) -> Decided:
    """Standing (not undone) identity decisions; for one pair, the latest decision wins."""
    import json

    from pipelines.paths import decisions_path

    out = Decided()
    if not (path or decisions_path()).exists():
        return out  # nobody has decided anything yet; reading must not create the store
    latest: dict[tuple[str, str], tuple[str, str]] = {}
    for row in decisions.standing("identity.", path=path).iter_rows(named=True):
        after = json.loads(row["after"]) if row["after"] else {}
        if row["action"] in (SAME, NOT_SAME):
            a, b = after["records"]
            latest[(a, b)] = (row["action"], row["audit_id"])
        elif row["action"] == SPLIT:
            moved, rest = after.get("records", []), after.get("rest", [])
            for a in moved:
                for b in rest:
                    latest[tuple(sorted((a, b)))] = (NOT_SAME, row["audit_id"])
            for a, b in zip(moved, moved[1:]):
                latest[tuple(sorted((a, b)))] = (SAME, row["audit_id"])
    for (a, b), (action, audit_id) in latest.items():
        (out.must if action == SAME else out.apart).append((a, b, audit_id))
    return out
