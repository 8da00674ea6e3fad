"""Tests for the demo data generator (pipelines/demo): a Greenhouse Harvest export."""

from __future__ import annotations

import csv
import json
import re
from collections import Counter, defaultdict
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from pipelines.demo import generate
from pipelines.stages import ORDERED_STAGES, load_stage_map

AS_OF = datetime(2026, 11, 23, tzinfo=timezone.utc)
AS_OF_ISO = "2026-11-23T00:00:00.000Z"
EXAMPLES = Path("/work/shared/formats/greenhouse/harvest_docs_examples")
ISO_MS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
JSON_OBJECTS = ["candidates", "applications", "jobs", "job_stages", "scheduled_interviews",
                "offers", "activity_feed"]
STAGES = load_stage_map("greenhouse").stages
CANON = list(ORDERED_STAGES)


def load(root: Path) -> dict:
    """Parse an export: records per object (the malformed page skipped), history, manifest."""
    man = json.loads((root / "manifest.json").read_text())
    bad = man["defects"]["malformed_file"]["path"]
    data = {}
    for obj in JSON_OBJECTS:
        recs = []
        for rel in man["files"][obj]:
            if rel == bad:
                continue
            text = (root / rel).read_text(encoding="utf-8")
            recs += [json.loads(line) for line in text.splitlines()] if rel.endswith(
                ".jsonl") else json.loads(text)
        data[obj] = recs
    with (root / "application_history" / "application_history.csv").open() as fh:
        data["history"] = list(csv.DictReader(fh))
    data["manifest"] = man
    return data


@pytest.fixture(scope="module")
def export(tmp_path_factory):
    root = tmp_path_factory.mktemp("demo") / "export"
    calls = []
    man = generate(root, candidates=300, seed=7, as_of=AS_OF,
                   progress=lambda step, done, total: calls.append((step, done, total)))
    return root, man, load(root), calls


@pytest.fixture(scope="module")
def big(tmp_path_factory):
    root = tmp_path_factory.mktemp("demo_big") / "export"
    generate(root, candidates=2000, seed=11, as_of=AS_OF)
    return load(root)


def files_of(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file()}


def test_reproducible_byte_identical(export, tmp_path):
    root, man, _, _ = export
    again = generate(tmp_path / "again", candidates=300, seed=7, as_of=AS_OF)
    assert again == man
    assert files_of(tmp_path / "again") == files_of(root)
    generate(tmp_path / "other", candidates=300, seed=8, as_of=AS_OF)
    other = files_of(tmp_path / "other")
    assert other["candidates/page-0001.json"] != files_of(root)["candidates/page-0001.json"]


def test_layout_and_manifest_counts_match_disk(export):
    root, man, data, calls = export
    assert man["seed"] == 7 and man["candidates"] == 300 and man["as_of"] == AS_OF_ISO
    assert json.loads((root / "manifest.json").read_text()) == man
    listed = {rel for rels in man["files"].values() for rel in rels} | {"manifest.json"}
    assert listed == set(files_of(root))
    assert man["files"]["jobs"] == ["jobs/page-0001.json"]
    assert man["files"]["activity_feed"][0] == "activity_feed/page-0001.jsonl"
    bad = man["defects"]["malformed_file"]
    for obj in JSON_OBJECTS:
        lost = bad["records"] if obj == "scheduled_interviews" else 0
        assert man["counts"][obj] == len(data[obj]) + lost, obj
        assert all(re.fullmatch(rf"{obj}/page-\d{{4}}\.jsonl?", f) for f in man["files"][obj])
    assert man["counts"]["application_history"] == len(data["history"])
    assert man["counts"]["candidates"] == 300 == len(data["activity_feed"])
    assert 300 < man["counts"]["applications"] < 380
    for obj in ("candidates", "applications"):  # full pages of 500, except the last
        assert len(man["files"][obj]) == -(-man["counts"][obj] // 500)
    steps = {s for s, _, _ in calls}
    assert {"plan", "export", "jobs", "manifest"} <= steps
    assert all(0 < done <= total for _, done, total in calls)


def test_every_json_file_parses_except_the_malformed_one(export):
    root, man, _, _ = export
    bad = man["defects"]["malformed_file"]
    assert bad["path"] == man["files"]["scheduled_interviews"][-1] and bad["records"] >= 1
    for rels in man["files"].values():
        for rel in rels:
            if not rel.endswith((".json", ".jsonl")):
                continue
            text = (root / rel).read_text(encoding="utf-8")
            if rel == bad["path"]:
                with pytest.raises(json.JSONDecodeError):
                    json.loads(text)
                assert text.count('"external_event_id"') == bad["records"]
            elif rel.endswith(".jsonl"):
                assert all(json.loads(line)["candidate_id"] for line in text.splitlines())
            else:
                assert isinstance(json.loads(text), list)


@pytest.mark.skipif(not EXAMPLES.is_dir(), reason="Greenhouse docs examples not available")
def test_shapes_match_harvest_docs_examples(big):
    data = big  # large enough for intact scheduled_interviews pages besides the malformed one
    ref = {"candidates": "candidates__the_candidate_object.json",
           "applications": "applications__the_application_object.json",
           "jobs": "jobs__the_job_object.json",
           "job_stages": "job_stages__the_job_stage_object.json",
           "scheduled_interviews": "scheduled_interviews__the_scheduled_interview_object.json",
           "offers": "offers__the_offer_object.json"}
    ex = {obj: json.loads((EXAMPLES / f).read_text()) for obj, f in ref.items()}
    for obj in ref:
        assert data[obj], obj
        for rec in data[obj]:
            assert set(rec) == set(ex[obj]), (obj, set(rec) ^ set(ex[obj]))
    app_keys = set(ex["applications"])
    for cand in data["candidates"]:
        assert all(set(a) == app_keys for a in cand["applications"])
        assert [a["id"] for a in cand["applications"]] == cand["application_ids"]
    nested = [("jobs", "hiring_team"), ("jobs", "openings"), ("job_stages", "interviews"),
              ("scheduled_interviews", "interviewers"), ("scheduled_interviews", "organizer"),
              ("applications", "rejection_reason"), ("applications", "recruiter")]
    for obj, key in nested:
        want = ex[obj][key]
        want = set(want[0] if isinstance(want, list) else want)
        for rec in data[obj]:
            for item in rec[key] if isinstance(rec[key], list) else [rec[key]]:
                assert item is None or set(item) == want, (obj, key, set(item) ^ want)
    feed = json.loads((EXAMPLES / "activity_feed__the_activity_feed_object.json").read_text())
    for line in data["activity_feed"]:
        assert set(line) == {"candidate_id", "notes", "emails", "activities"}
        for key in ("notes", "emails", "activities"):
            assert all(set(item) == set(feed[key][0]) for item in line[key]), key


def iter_strings(obj, path=""):
    if isinstance(obj, dict):
        for k, v in obj.items():
            yield from iter_strings(v, f"{path}.{k}")
    elif isinstance(obj, list):
        for v in obj:
            yield from iter_strings(v, path)
    elif isinstance(obj, str):
        yield path, obj


def test_no_timestamp_after_as_of_except_injected(export):
    _, man, data, _ = export
    future_ids = set(man["defects"]["future_timestamps"]["email_ids"])
    assert len(future_ids) == 2
    late, seen = [], 0
    for obj in JSON_OBJECTS:
        for rec in data[obj]:
            if obj == "activity_feed":
                future = [e for e in rec["emails"] if e["id"] in future_ids]
                for e in future:
                    assert e["created_at"][:10] == (AS_OF + timedelta(days=3)).strftime("%Y-%m-%d")
                    seen += 1
                rec = {**rec, "emails": [e for e in rec["emails"] if e["id"] not in future_ids]}
            for path, s in iter_strings(rec, obj):
                if re.match(r"^\d{4}-\d\d-\d\dT", s):
                    assert ISO_MS.match(s), (path, s)
                    if s > AS_OF_ISO:
                        late.append((path, s))
                elif re.fullmatch(r"\d{4}-\d\d-\d\d", s) and not path.endswith(
                        (".starts_at", ".start_date")):  # planned start dates may lie ahead
                    assert s <= AS_OF_ISO[:10], (path, s)
    assert seen == 2 and late == []
    naive = AS_OF.strftime("%Y-%m-%d %H:%M:%S")
    for row in data["history"]:
        assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", row["updated_at"])
        assert row["updated_at"] <= naive and row["_fivetran_synced"][:19] <= naive


def test_history_is_consistent_with_applications(export):
    _, man, data, _ = export
    stages = {s["id"]: s for s in data["job_stages"]}
    apps = {a["id"]: a for a in data["applications"]}
    rows = defaultdict(list)
    for r in data["history"]:
        rows[int(r["application_id"])].append(r)
    assert set(rows) == set(apps)
    for aid, app in apps.items():
        moves = [r for r in rows[aid] if r["new_stage_id"]]
        assert all(r["new_status"] == "active" for r in moves)
        assert all(stages[int(r["new_stage_id"])]["job_id"] == app["jobs"][0]["id"]
                   for r in moves)
        first = [r for r in moves if stages[int(r["new_stage_id"])]["name"] == "Application Review"]
        assert len(first) == 1
        assert first[0]["updated_at"] == app["applied_at"][:19].replace("T", " ")
        assert int(max(moves, key=lambda r: r["updated_at"])["new_stage_id"]) == \
            app["current_stage"]["id"]
        status = [r["new_status"] for r in rows[aid] if not r["new_stage_id"]]
        assert status == ([] if app["status"] == "active" else [app["status"]])
        assert (app["rejected_at"] is not None) == (app["status"] == "rejected")
        assert len(app["jobs"]) == 1 and app["prospect"] is False


def test_deliberate_defects_are_present_and_recorded(export):
    _, man, data, _ = export
    d = man["defects"]
    stages = {s["id"]: s for s in data["job_stages"]}
    unmapped = {s["job_id"] for s in stages.values() if s["name"] not in STAGES}
    assert len(unmapped) == 2
    assert {s["name"] for s in stages.values() if s["name"] not in STAGES} == {"Culture Add Chat"}
    cac = d["unmapped_stage"]
    in_cac = sorted(a["id"] for a in data["applications"]
                    if a["current_stage"]["name"] == "Culture Add Chat")
    assert cac["stage"] == "Culture Add Chat" and in_cac == sorted(cac["application_ids"])
    assert 1 <= len(in_cac) <= 10
    moved = [r for r in data["history"]
             if r["new_stage_id"] and stages[int(r["new_stage_id"])]["name"] == "Culture Add Chat"]
    assert len(moved) == cac["history_rows"] == len(in_cac)
    rows = defaultdict(list)
    for r in data["history"]:
        rows[int(r["application_id"])].append(r)
    assert 1 <= len(d["backwards_timestamps"]["application_ids"]) <= 5
    for aid in d["backwards_timestamps"]["application_ids"]:
        hired = [r for r in rows[aid] if r["new_status"] == "hired"]
        offer = [r for r in rows[aid] if r["new_stage_id"]
                 and stages[int(r["new_stage_id"])]["name"] == "Offer"]
        assert hired[0]["updated_at"] < offer[0]["updated_at"]
    assert d["missing_ids"] == {
        "candidates": sum(c["id"] is None for c in data["candidates"]),
        "applications": sum(a["candidate_id"] is None for a in data["applications"]),
        "offers": sum(o["application_id"] is None for o in data["offers"])}
    assert d["missing_ids"] == {"candidates": 3, "applications": 3, "offers": 2}


def test_hires_fill_openings(export):
    _, _, data, _ = export
    apps = {a["id"]: a for a in data["applications"]}
    hired = {aid for aid, a in apps.items() if a["status"] == "hired"}
    filled = {}
    for job in data["jobs"]:
        assert sum(r["responsible"] for r in job["hiring_team"]["recruiters"]) == 1
        for op in job["openings"]:
            if op["application_id"] is not None:
                filled[op["application_id"]] = job
                assert op["close_reason"]["name"] == "Hired" and op["status"] == "closed"
        if job["status"] == "closed":
            assert job["openings"] and all(op["application_id"] for op in job["openings"])
            assert not any(a["jobs"][0]["id"] == job["id"] and
                           (a["status"] == "active" or a["applied_at"] > job["closed_at"])
                           for a in apps.values())
    assert set(filled) == hired and hired
    assert all(apps[aid]["jobs"][0]["id"] == job["id"] for aid, job in filled.items())


def test_funnel_and_timing_look_like_real_recruiting(big):
    stages = {s["id"]: s for s in big["job_stages"]}
    rows = defaultdict(list)
    for r in big["history"]:
        rows[int(r["application_id"])].append(r)
    reach = Counter()
    for rs in rows.values():
        level = max(CANON.index(STAGES.get(stages[int(r["new_stage_id"])]["name"], "applied"))
                    for r in rs if r["new_stage_id"])
        level = 5 if any(r["new_status"] == "hired" for r in rs) else level
        reach.update(CANON[: level + 1])
    n = len(rows)
    share = {k: reach[k] / n for k in CANON}
    assert 0.27 < share["screened"] < 0.45
    assert 0.14 < share["submitted"] < 0.28
    assert 0.08 < share["interviewing"] < 0.18
    assert 0.02 < share["offer"] < 0.07
    apps = big["applications"]
    withdrawn = sum(1 for a in apps if a["rejection_reason"]
                    and a["rejection_reason"]["type"]["name"] == "They rejected us")
    assert 0.025 < withdrawn / len(apps) < 0.08
    offers = Counter(o["status"] for o in big["offers"])
    assert 0.6 < offers["accepted"] / (offers["accepted"] + offers["rejected"]) < 0.9
    assert 1.05 < len(apps) / 2000 < 1.25
    # first recruiter email after applying: median ~20 h, only on weekdays, ~12% never
    parse = lambda s: datetime.fromisoformat(s.replace("Z", "+00:00"))  # noqa: E731
    by_cand = defaultdict(list)
    for a in apps:
        by_cand[a["candidate_id"]].append(a)
    hours, never, old, weekday = [], 0, 0, Counter()
    for line in big["activity_feed"]:
        outbound = sorted(parse(e["created_at"]) for e in line["emails"] if e["user"])
        weekday.update(t.weekday() for t in outbound if t <= AS_OF)
        for a in by_cand.get(line["candidate_id"], []):
            t0 = parse(a["applied_at"])
            if AS_OF - t0 > timedelta(days=60):
                old += 1
                later = [t for t in outbound if t > t0]
                if later:
                    hours.append((later[0] - t0).total_seconds() / 3600)
                else:
                    never += 1
    hours.sort()  # recruiters write in office hours: no Sundays, Saturday (UTC) = US Friday night
    assert weekday[6] == 0 and weekday[5] < 0.03 * sum(weekday.values())
    assert 12 < hours[len(hours) // 2] < 32 and hours[int(len(hours) * 0.9)] > 48
    assert 0.06 < never / old < 0.2
    for e in (e for line in big["activity_feed"] for e in line["emails"] if e["user"] is None):
        assert e["from"].startswith("no-reply@") or e["to"].endswith(".example")


def test_interviews_and_offers_timing(big):
    parse = lambda s: datetime.fromisoformat(s.replace("Z", "+00:00"))  # noqa: E731
    ivs = big["scheduled_interviews"]
    assert len({i["external_event_id"] for i in ivs}) == len(ivs)
    assert {i["status"] for i in ivs} <= {"scheduled", "awaiting_feedback", "complete"}
    for i in ivs:
        lead = parse(i["start"]["date_time"]) - parse(i["created_at"])
        assert timedelta(days=2) <= lead <= timedelta(days=21)
        assert i["end"]["date_time"] > i["start"]["date_time"]
        assert i["updated_at"] >= i["created_at"]
    for o in big["offers"]:
        assert re.fullmatch(r"\d{4}-\d\d-\d\d", o["starts_at"])
        if o["status"] in ("accepted", "rejected"):
            days = (parse(o["resolved_at"]).date() - datetime.fromisoformat(o["sent_at"]).date())
            assert timedelta(0) <= days <= timedelta(days=11)


def test_stage_change_activities_read_like_greenhouse(export):
    _, _, data, _ = export
    bodies = [a["body"] for line in data["activity_feed"] for a in line["activities"]
              if a["subject"] == "Candidate Stage Change"]
    assert bodies
    pattern = re.compile(r"^.+ was moved into (.+) for (.+) on \d\d/\d\d/\d{4} by .+$")
    assert all(pattern.match(b) for b in bodies)


def test_refuses_to_clear_a_foreign_directory_and_replaces_an_old_export(tmp_path):
    (tmp_path / "notes.txt").write_text("keep me")
    with pytest.raises(ValueError):
        generate(tmp_path, candidates=5, as_of=AS_OF)
    assert (tmp_path / "notes.txt").read_text() == "keep me"
    out = tmp_path / "export"
    generate(out, candidates=40, as_of=AS_OF)
    (out / "offers" / "page-0099.json").write_text("[]")
    man = generate(out, candidates=5, as_of=AS_OF)
    assert not (out / "offers" / "page-0099.json").exists()
    assert man["counts"]["candidates"] == 5


def test_default_as_of_is_todays_utc_midnight(tmp_path):
    man = generate(tmp_path / "x", candidates=3)
    today = datetime.now(timezone.utc).strftime("%Y-%m-%d")
    assert man["as_of"] in (f"{today}T00:00:00.000Z",
                            (datetime.now(timezone.utc) - timedelta(minutes=1))
                            .strftime("%Y-%m-%dT00:00:00.000Z"))
