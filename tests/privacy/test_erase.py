"""Erasure through the real pipeline: a person leaves every layer and stays out on re-ingest."""

from __future__ import annotations

import csv
import re
from collections import defaultdict
from pathlib import Path

import polars as pl
import pytest

from pipelines import decisions, warehouse
from pipelines.build import build
from pipelines.config import Settings
from pipelines.load import ingest
from pipelines.privacy.erase import ErasureError, erase
from tests.builders import build_demo_stack
from tests.conftest import AS_OF
from tests.pipelines.test_demo_stack import source

SIZE, SEED = 300, 11


def load_all(root: Path, manifest: dict, settings: Settings, full: bool = False) -> list:
    return [ingest(source(root, name, entry), settings, loaded_at=AS_OF, full=full) for name, entry in manifest["sources"].items()]


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("erase")
    mp = pytest.MonkeyPatch()
    mp.setenv("STAGETRUTH_DECISIONS", str(tmp / "decisions.duckdb"))
    mp.setenv("STAGETRUTH_SECRET_KEY", "test-secret")
    yield build_demo_stack(tmp, SIZE, SEED, AS_OF)[:3]
    mp.undo()


def person_seen_widely(root: Path) -> str:
    """A greenhouse candidate whose person shows up in the most other sources."""
    systems: dict[str, set[str]] = defaultdict(set)
    gh_id: dict[str, str] = {}
    with open(root / "ground_truth" / "persons.csv") as fh:
        for row in csv.DictReader(fh):
            systems[row["person_key"]].add(row["source"])
            if row["source"] == "greenhouse" and row["object"] == "candidate_record":
                gh_id[row["person_key"]] = row["source_id"]
    best = max((k for k in gh_id), key=lambda k: (len(systems[k]), k))
    return gh_id[best]


def traces(settings: Settings, needles: list[str]) -> dict[str, int]:
    """Rows anywhere in the staging store or the served warehouse whose text holds a needle."""
    found: dict[str, int] = {}
    for path in (warehouse.staging_path(settings.warehouse), settings.warehouse):
        with warehouse.read_only(path) as con:
            for (table,) in con.execute("SELECT table_name FROM information_schema.tables").fetchall():
                cols = [r[0] for r in con.execute(f"DESCRIBE \"{table}\"").fetchall()]
                text = " || '|' || ".join(f"coalesce(lower(CAST(\"{c}\" AS VARCHAR)), '')" for c in cols)
                for needle in needles:
                    n = con.execute(f'SELECT count(*) FROM "{table}" WHERE regexp_matches({text}, ?)', [needle]).fetchall()[0][0]
                    if n:
                        found[f"{path.name}:{table}:{needle}"] = n
    return found


def test_erasure_leaves_no_trace_and_survives_a_reload(stack):
    root, manifest, settings = stack
    cid = person_seen_widely(root)
    with warehouse.read_only(warehouse.staging_path(settings.warehouse)) as con:
        person = con.execute("SELECT first_name, last_name, emails, phones FROM candidate_record "
                             "WHERE source = 'greenhouse' AND source_id = ?", [cid]).fetchall()[0]
        before = con.execute("SELECT count(*) FROM candidate_record").fetchall()[0][0]
    first, last, emails, phones = person
    needles = [re.escape(e.strip().lower()) for e in emails]
    needles += [r"[^0-9]{0,3}".join(re.sub(r"[^0-9]", "", p)[-10:]) for p in phones or []]
    needles.append(re.escape(f"{first} {last}".lower()))
    assert traces(settings, needles), "the chosen person must be in the warehouse before erasure"

    report = erase(settings, email=f"  {emails[0].upper()} ", actor="dpo@acme.example", reason="erasure request 17")
    assert report.rows["candidate_record"] >= 1 and report.total > report.rows["candidate_record"]
    assert report.rebuilt
    assert traces(settings, needles) == {}
    with warehouse.read_only(warehouse.staging_path(settings.warehouse)) as con:
        after = con.execute("SELECT count(*) FROM candidate_record").fetchall()[0][0]
    assert before - after == report.rows["candidate_record"]

    # Re-reading every source file does not bring them back, and the counts still add up.
    results = load_all(root, manifest, settings, full=True)
    build(settings.warehouse, as_of=AS_OF)
    assert traces(settings, needles) == {}
    assert sum(o.suppressed for r in results for o in r.objects) >= report.total
    with warehouse.read_only(settings.warehouse) as con:
        log = con.sql("SELECT * FROM load_log").pl()
    assert (log["rows_in"] == log["loaded"] + log["quarantined"] + log["suppressed"]).all()

    # The audit says who, when, why and how much, and nothing personal.
    entry = decisions.entries("privacy.erase").row(-1, named=True)
    assert entry["actor"] == "dpo@acme.example" and entry["reason"] == "erasure request 17"
    flat = " ".join(str(v).lower() for v in entry.values())
    assert not any(re.search(n, flat) for n in needles)


def test_erasure_by_person_id_takes_every_record_identity_tied(stack):
    _, _, settings = stack
    with warehouse.read_only(settings.warehouse) as con:
        person, records = con.execute("SELECT person_id, count(*) FROM identity_link GROUP BY 1 "
                                      "HAVING count(DISTINCT source) > 1 ORDER BY 2 DESC, 1 LIMIT 1").fetchall()[0]
        emails = [e for (e,) in con.execute("SELECT DISTINCT lower(trim(unnest(emails))) FROM candidate_record c JOIN identity_link l "
                                            "USING (source, source_id) WHERE l.person_id = ?", [person]).fetchall()]
    assert records >= 2 and emails
    report = erase(settings, person=person, actor="dpo@acme.example", reason="request 18")
    assert report.rows["candidate_record"] >= records
    assert traces(settings, [re.escape(e) for e in emails]) == {}
    with warehouse.read_only(settings.warehouse) as con:
        assert con.execute("SELECT count(*) FROM identity_link WHERE person_id = ?", [person]).fetchall()[0][0] == 0


def test_erasing_nobody_is_an_error(stack):
    _, _, settings = stack
    with pytest.raises(ErasureError, match="no record"):
        erase(settings, email="nobody@nowhere.example", actor="dpo", rebuild=False)
    with pytest.raises(ErasureError, match="not an email"):
        erase(settings, email="nobody", actor="dpo", rebuild=False)
    with pytest.raises(ErasureError, match="exactly one"):
        erase(settings, actor="dpo", rebuild=False)



def test_purge_removes_what_nothing_touched_since_the_cutoff(stack):
    from datetime import timedelta

    from pipelines.privacy.retention import purge

    _, _, settings = stack
    cutoff = AS_OF - timedelta(days=120)
    staging = warehouse.staging_path(settings.warehouse)
    activity = """
        SELECT a.source, a.source_id, greatest(a.applied_at, coalesce(a.exited_at, a.applied_at),
               coalesce(e.last_move, a.applied_at)) AS last_touch
        FROM application a LEFT JOIN (SELECT source, application_id, max(entered_at) AS last_move
                                      FROM stage_event GROUP BY ALL) e
          ON e.source = a.source AND e.application_id = a.source_id"""
    with warehouse.read_only(staging) as con:
        before = con.sql(activity).pl()
    old = before.filter(pl.col("last_touch") < cutoff)
    assert 0 < old.height < before.height

    report = purge(settings, cutoff, actor="dpo@acme.example", reason="retention")
    with warehouse.read_only(staging) as con:
        after = con.sql(activity).pl()
        stale_quarantine = con.execute("SELECT count(*) FROM quarantine WHERE quarantined_at < ?", [cutoff]).fetchall()[0][0]
        gone_id = old.filter(pl.col("source") == "greenhouse")["source_id"][0]
        raw_left = con.execute("SELECT count(*) FROM raw_record WHERE source = 'greenhouse' AND regexp_matches(payload, ?)",
                               [rf'"(id|application_id)"\s*:\s*"?{gone_id}"?\s*[,}}]']).fetchall()[0][0]
    assert report.rows["application"] == old.height
    assert after.height == before.height - old.height and (after["last_touch"] >= cutoff).all()
    assert stale_quarantine == 0 and raw_left == 0
    assert decisions.entries("privacy.purge").height == 1
