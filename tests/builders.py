"""Write small Greenhouse Harvest exports for tests, record by record, in the real object shapes."""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path


def iso(ts: datetime | None) -> str | None:
    if ts is None:
        return None
    return ts.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=timezone.utc)


def _user(name: str, uid: int) -> dict:
    first, _, last = name.partition(" ")
    return {"id": uid, "first_name": first, "last_name": last, "name": name, "employee_id": str(uid)}


@dataclass
class GreenhouseExport:
    candidates: list[dict] = field(default_factory=list)
    applications: list[dict] = field(default_factory=list)
    jobs: list[dict] = field(default_factory=list)
    job_stages: list[dict] = field(default_factory=list)
    interviews: list[dict] = field(default_factory=list)
    offers: list[dict] = field(default_factory=list)
    feeds: dict[int, dict] = field(default_factory=dict)
    history: list[tuple] = field(default_factory=list)

    def job(self, jid: int, name: str, department: str = "Engineering", office: str = "Berlin",
            recruiter: str = "Sam Lee", stages: dict[int, str] | None = None, opened: datetime | None = None,
            filled: tuple[datetime, int] | None = None) -> None:
        self.jobs.append({
            "id": jid, "name": name, "requisition_id": f"REQ-{jid}", "notes": None, "confidential": False,
            "status": "open", "created_at": iso(opened or utc(2026, 9, 1)), "opened_at": iso(opened or utc(2026, 9, 1)),
            "closed_at": None, "updated_at": iso(opened or utc(2026, 9, 1)), "is_template": False, "copied_from_id": None,
            "departments": [{"id": 1, "name": department, "parent_id": None, "child_ids": [], "external_id": None}],
            "offices": [{"id": 2, "name": office, "location": {"name": office}, "primary_contact_user_id": None,
                         "parent_id": None, "child_ids": [], "external_id": None}],
            "custom_fields": {}, "keyed_custom_fields": {},
            "hiring_team": {"hiring_managers": [_user("Hana Manager", 90)],
                            "recruiters": [dict(_user(recruiter, 91), responsible=True)],
                            "coordinators": [], "sourcers": []},
            "openings": [{"id": jid * 10, "opening_id": f"{jid}-1", "status": "open", "opened_at": iso(opened or utc(2026, 9, 1)),
                          "closed_at": iso(filled[0]) if filled else None,
                          "application_id": filled[1] if filled else None, "close_reason": None}],
        })
        for priority, (sid, stage_name) in enumerate((stages or {}).items()):
            self.job_stages.append({"id": sid, "name": stage_name, "created_at": iso(utc(2026, 9, 1)),
                                    "updated_at": iso(utc(2026, 9, 1)), "active": True, "job_id": jid,
                                    "priority": priority, "interviews": []})

    def candidate(self, cid: int | None, first: str, last: str, email: str, phone: str = "+1 415-555-0100") -> None:
        self.candidates.append({
            "id": cid, "first_name": first, "last_name": last, "company": None, "title": None,
            "created_at": iso(utc(2026, 9, 1)), "updated_at": iso(utc(2026, 9, 1)), "last_activity": iso(utc(2026, 9, 1)),
            "is_private": False, "photo_url": None, "attachments": [], "application_ids": [],
            "phone_numbers": [{"value": phone, "type": "mobile"}], "addresses": [],
            "email_addresses": [{"value": email, "type": "personal"}], "website_addresses": [],
            "social_media_addresses": [], "recruiter": None, "coordinator": None, "can_email": True, "tags": [],
        })

    def application(self, aid: int, cid: int | None, jid: int, applied: datetime, stage: tuple[int, str] | None,
                    status: str = "active", rejected_at: datetime | None = None, source: str = "LinkedIn",
                    recruiter: str = "Sam Lee", rejection_type: str | None = None) -> None:
        self.applications.append({
            "id": aid, "candidate_id": cid, "prospect": False, "applied_at": iso(applied), "rejected_at": iso(rejected_at),
            "last_activity_at": iso(applied), "location": None, "source": {"id": 5, "public_name": source},
            "credited_to": None, "recruiter": _user(recruiter, 91), "coordinator": None,
            "rejection_reason": None if rejection_type is None else
            {"id": 8, "name": "Other", "type": {"id": 1, "name": rejection_type}},
            "rejection_details": None, "jobs": [{"id": jid, "name": "job"}], "job_post_id": None, "status": status,
            "current_stage": None if stage is None else {"id": stage[0], "name": stage[1]},
            "answers": [], "prospective_office": None, "prospective_department": None,
            "prospect_detail": {"prospect_pool": None, "prospect_stage": None, "prospect_owner": None},
            "custom_fields": {}, "keyed_custom_fields": {}, "attachments": [],
        })

    def move(self, aid: int, at: datetime, stage_id: int | None = None, status: str = "active") -> None:
        self.history.append((aid, at.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%S"), "2026-11-23 01:00:00.000",
                             "" if stage_id is None else stage_id, status))

    def offer(self, oid: int, aid: int, cid: int, jid: int, sent: datetime, status: str, resolved: datetime | None) -> None:
        self.offers.append({
            "id": oid, "version": 1, "application_id": aid, "job_id": jid, "candidate_id": cid, "opening": None,
            "created_at": iso(sent), "updated_at": iso(resolved or sent), "sent_at": sent.date().isoformat(),
            "resolved_at": iso(resolved), "starts_at": None, "status": status, "custom_fields": {}, "keyed_custom_fields": {},
        })

    def interview(self, iid: int, aid: int, invited: datetime, start: datetime) -> None:
        self.interviews.append({
            "id": iid, "application_id": aid, "external_event_id": f"evt{iid}", "start": {"date_time": iso(start)},
            "end": {"date_time": iso(start)}, "location": None, "video_conferencing_url": None, "status": "scheduled",
            "created_at": iso(invited), "updated_at": iso(invited), "interview": {"id": 1, "name": "Onsite"},
            "organizer": _user("Sam Lee", 91), "interviewers": [],
        })

    def email(self, cid: int, eid: int, at: datetime, sender: str, to: str, user: str | None) -> None:
        feed = self.feeds.setdefault(cid, {"candidate_id": cid, "notes": [], "emails": [], "activities": []})
        feed["emails"].append({"id": eid, "created_at": iso(at), "subject": "Your application", "body": "Hello",
                               "to": to, "from": sender, "cc": None, "user": None if user is None else _user(user, 91)})

    def write(self, root: Path) -> Path:
        for name, records in (("candidates", self.candidates), ("applications", self.applications), ("jobs", self.jobs),
                              ("job_stages", self.job_stages), ("scheduled_interviews", self.interviews),
                              ("offers", self.offers)):
            (root / name).mkdir(parents=True, exist_ok=True)
            (root / name / "page-0001.json").write_text(json.dumps(records, indent=1))
        (root / "activity_feed").mkdir(parents=True, exist_ok=True)
        (root / "activity_feed" / "page-0001.jsonl").write_text("".join(json.dumps(f) + "\n" for f in self.feeds.values()))
        (root / "application_history").mkdir(parents=True, exist_ok=True)
        with open(root / "application_history" / "application_history.csv", "w", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(["application_id", "updated_at", "_fivetran_synced", "new_stage_id", "new_status"])
            writer.writerows(self.history)
        return root


def build_demo_stack(tmp: Path, size: int, seed: int, as_of: datetime, decisions: Path | None = None):
    """Every demo source generated, ingested and built in `tmp`: (demo root, manifest, settings, load
    results per source). With `decisions`, the build reads that decisions store."""
    import os

    from pipelines.build import build
    from pipelines.config import Settings, SourceSettings, _preset
    from pipelines.demo.stack import generate_stack
    from pipelines.load import ingest

    root = tmp / "demo"
    manifest = generate_stack(root, candidates=size, seed=seed, as_of=as_of)
    settings = Settings(warehouse=tmp / "wh" / "stagetruth.duckdb")
    results = {}
    for name, entry in manifest["sources"].items():
        kind = entry["kind"]
        mapping = None if kind in ("greenhouse", "calendar") else _preset(kind)
        source = SourceSettings(name, kind, root / entry["path"], mapping=mapping,
                                internal_domains=tuple(entry.get("internal_domains", ())))
        results[name] = ingest(source, settings, loaded_at=as_of)
    saved = os.environ.get("STAGETRUTH_DECISIONS")
    if decisions is not None:
        os.environ["STAGETRUTH_DECISIONS"] = str(decisions)
    try:
        build(settings.warehouse, as_of=as_of)
    finally:
        os.environ.pop("STAGETRUTH_DECISIONS", None) if saved is None else os.environ.__setitem__("STAGETRUTH_DECISIONS", saved)
    return root, manifest, settings, results
