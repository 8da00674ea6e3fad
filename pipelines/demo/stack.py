"""The demo stack: one simulated hiring history written as every system around the ATS holds it.

`generate_stack(out_dir, ...)` writes, chunk by chunk from the same simulation as the Greenhouse
export (never holding the whole history in memory):

    greenhouse/      the Harvest export (pipelines.demo.generate), with manual corrections and late moves
    job_boards/      indeed.csv, linkedin.csv, ziprecruiter.json       (kind job_board)
    calendar/        invites-NNNN.ics: REQUEST, REPLY, CANCEL           (kind calendar)
    mail/            recruiting-NNNN.mbox                               (kind email)
    sms/             messages_NNNN_PPP.json, Twilio list pages          (kind twilio)
    checkr/          candidates/*.json, reports/*.jsonl                 (kind checkr)
    docusign/        connect/envelopes-NNNN.jsonl, Connect JSON SIM     (kind docusign)
    payroll/         new_hires.csv                                      (kind payroll)
    merge_issues/    issues_NNNN.json                                   (kind merge_issues)
    ground_truth/    persons.csv, mismatches.csv, corrections.csv
    manifest.json    counts per source, planted defects, the quarantine each source should show

Defects are planted on purpose and listed in ground_truth/mismatches.csv (one row per
application and defect; see DEFECTS) and corrections.csv; the tools otherwise agree with the ATS.
"""

from __future__ import annotations

import csv
import json
from datetime import datetime
from pathlib import Path
from typing import Callable

import numpy as np

from . import history as H
from .adjust import adjust
from .boards import Boards
from .greenhouse_export import checked_args, generate, prepare_dir
from .invites import Invites
from .mailboxes import Mailboxes
from .paperwork import Paperwork, _uuid
from .people import ChunkView, first_response, iso_s, want
from .texts import Texts
from .world import COMPANY, DAY, DOMAIN, HMR, HOUR, MINUTE, OFFER, PPS, RC, WINDOW_DAYS

SOURCES = {  # folder -> (kind, what the lead's settings entry needs besides kind and path)
    "greenhouse": ("greenhouse", {}), "job_boards": ("job_board", {}),
    "calendar": ("calendar", {"internal_domains": [DOMAIN]}), "mail": ("email", {"internal_domains": [DOMAIN]}),
    "sms": ("twilio", {}), "checkr": ("checkr", {}), "docusign": ("docusign", {}), "payroll": ("payroll", {}),
    "merge_issues": ("merge_issues", {}),
}
DEFECTS = {
    "calendar_confirmed_before_ats_interviewing":
        "an interview confirmed in the calendar while the ATS still has the application before interviewing",
    "ats_rejected_interview_booked": "the ATS rejected the application while an interview is still booked ahead in the calendar",
    "interview_not_in_ats": "a calendar interview the ATS never recorded",
    "ats_record_unreadable": "the ATS interview sits on the cut-off scheduled_interviews page, so only the calendar has it",
    "esign_signed_ats_not_accepted": "the offer was signed in DocuSign, the ATS offer is still unresolved",
    "envelope_without_ats_offer": "an offer envelope was sent for an application with no ATS offer",
    "check_complete_app_at_offer": "the background check completed while the ATS application is stuck at Offer",
    "hired_without_payroll_handoff": "hired in the ATS, start date passed, no payroll new hire",
    "payroll_hire_without_ats_hire": "a payroll new hire the ATS never marked hired",
    "ats_stage_update_late": "the ATS moved the application into interviewing only after the interview took place",
    "first_response_only_in_mailbox": "the first human reply is only in the mailbox, not in the ATS activity feed",
    "board_application_not_in_ats": "a job-board application that never reached the ATS",
}
KNOWN = set(SOURCES) | {"ground_truth", "manifest.json"}


class GroundTruth:
    """persons.csv, mismatches.csv, corrections.csv, appended chunk by chunk."""

    def __init__(self, root: Path):
        root.mkdir(parents=True)
        self.files = {n: (root / f"{n}.csv").open("w", encoding="utf-8", newline="") for n in ("persons", "mismatches", "corrections")}
        self.out = {n: csv.writer(f) for n, f in self.files.items()}
        self.out["persons"].writerow(["source", "object", "source_id", "person_key"])
        self.out["mismatches"].writerow(["type", "application_id", "systems", "detail"])
        self.out["corrections"].writerow(["application_id", "kind", "at", "detail"])
        self.counts: dict[str, dict[str, int]] = {"mismatches": {k: 0 for k in DEFECTS}, "corrections": {}, "persons": {}}

    def persons(self, source: str, obj: str, rows) -> None:
        rows = [(source, obj, sid, key) for sid, key in rows]
        self.out["persons"].writerows(rows)
        self.counts["persons"][source] = self.counts["persons"].get(source, 0) + len(rows)

    def mismatch(self, kind: str, app_id, systems: str, detail: str) -> None:
        self.out["mismatches"].writerow([kind, "" if app_id is None else app_id, systems, detail])
        self.counts["mismatches"][kind] += 1

    def correction(self, app_id: int, kind: str, at: int, detail: str) -> None:
        self.out["corrections"].writerow([app_id, kind, iso_s([at])[0], detail])
        self.counts["corrections"][kind] = self.counts["corrections"].get(kind, 0) + 1

    def close(self) -> None:
        for f in self.files.values():
            f.close()


def plant(v: ChunkView) -> dict[str, np.ndarray]:
    """Which applications of the chunk carry which cross-system defect (local rows, disjoint)."""
    rng, as_of = v.rng(0), v.as_of
    taken = ~v.a_clean.copy()
    act = v.a_status == H.ACTIVE
    out = {}

    def pick(name, mask, rate, floor=2, of_pool=False):
        """rate: a share of the chunk's applications (of the eligible ones with of_pool), at least floor."""
        rows = np.flatnonzero(mask & ~taken)
        n = want(rate, rows.size, floor) if of_pool else min(rows.size, want(rate, v.N, floor))
        out[name] = np.sort(rng.choice(rows, size=n, replace=False)) if n else rows[:0]
        taken[out[name]] = True

    off = v.a_offer
    sent, created = v.offer("sent"), v.offer("created")
    unresolved = (off >= 0) & (v.offer("status") == H.OF_UNRESOLVED)
    pick("signed", act & (v.a_kind == OFFER) & unresolved & (created >= 0) & (np.maximum(sent, created) <= as_of - DAY), 0.0015)
    s = out["signed"]
    out["check_stuck"] = np.sort(rng.permutation(s)[: -(-7 * s.size // 10)])  # 70%, at least one
    out["payroll_early"] = np.sort(rng.permutation(s)[: -(-s.size // 2)])
    kinds = v.w.job_kinds[v.a_job]
    before_offer = kinds[np.arange(v.N), np.minimum(v.a_pos + 1, kinds.shape[1] - 1)] == OFFER
    pick("envelope_no_offer", act & ((v.a_kind == RC) | before_offer) & (v.a_kind != OFFER) & (off < 0)
         & (v.a_entered <= as_of - 2 * DAY), 0.001, 1)
    pick("calendar_before_ats", act & np.isin(v.a_kind, [PPS, HMR]) & v.a_latest & (v.a_entered <= as_of - DAY), 0.002)
    pick("rejected_booked", (v.a_status == H.REJECTED) & ~v.a_withdrawn & v.a_latest & (v.a_pos >= 1)
         & (v.a_end >= as_of - 12 * DAY) & (v.a_end <= as_of - 2 * HOUR), 0.001)
    last_iv = np.full(v.N, -1, np.int64)
    np.maximum.at(last_iv, v.iv["app"], v.iv["end"])
    until = np.where(v.a_end >= 0, v.a_end, as_of)
    pick("extra_interview", v.a_has_iv & v.a_latest & (until - last_iv >= 2 * DAY), 0.001)
    starts = v.start_dates()
    pick("hired_no_payroll", (v.a_status == H.HIRED) & (starts >= 0) & (starts <= as_of - DAY), 0.04, 1, of_pool=True)
    fr = first_response(v)
    pick("mailbox_first", (fr - v.a_applied > 48 * HOUR) & (v.a_applied <= as_of - 3 * DAY), 0.05, of_pool=True)
    out["first_response"] = fr
    return out


class Stack:
    """The hook pipelines.demo.generate calls: adjusts the history, then writes every other system."""

    def __init__(self, root: Path, seed: int, candidates: int):
        self.root, self.seed, self.candidates = root, seed, candidates
        self.truth = GroundTruth(root / "ground_truth")
        self.writers = [Boards(root / "job_boards"), Invites(root / "calendar"), Mailboxes(root / "mail"),
                        Texts(root / "sms"), Paperwork(root)]

    def start(self, w, plan) -> None:
        self.w = w

    def adjust(self, sim, ci: int, app_off: int, inj: dict) -> None:
        corrections, mismatches = adjust(sim, self.w, np.random.default_rng([self.seed, 39, ci]), app_off, inj)
        for row in corrections:
            self.truth.correction(*row)
        for row in mismatches:
            self.truth.mismatch(*row)

    def chunk(self, sim, fmt, ci: int, inj: dict) -> None:
        v = ChunkView(self.w, sim, fmt, ci, inj, self.seed)
        t = self.truth
        t.persons("greenhouse", "candidate_record", ((int(v.c_id[c]), v.person(c)) for c in range(v.n) if not v.c_null[c]))
        t.persons("greenhouse", "application", ((int(v.a_id[r]), v.person(v.a_cand[r])) for r in range(v.N)))
        t.persons("greenhouse", "interview", ((int(i), v.person(v.a_cand[a])) for i, a in zip(v.iv_id, v.iv["app"])))
        t.persons("greenhouse", "offer", ((int(i), v.person(v.a_cand[a])) for i, a in zip(v.of_id, v.of["app"])))
        planted = plant(v)
        for wr in self.writers:
            wr.chunk(v, planted, t)

    def finish(self, held: list[str]) -> None:
        """The cut-off scheduled_interviews page: its interviews exist only in the calendar."""
        for text in held:
            rec = json.loads(text)
            self.truth.mismatch("ats_record_unreadable", rec["application_id"], "greenhouse|calendar",
                                f"scheduled interview {rec['id']} (event {rec['external_event_id']}) is on the cut-off page")


def merge_issues(root: Path, w, seed: int, candidates: int) -> int:
    """Merge's Issues feed for the ATS integration: sync errors resolved after hours or days, a few ongoing."""
    rng = np.random.default_rng([seed, 60])
    n = max(6, int(round(12 * (candidates / 3000) ** 0.35)))
    kinds = [("Missing Permissions", "GET /ats/v1/applications returned 403: the API key lacks applications.read"),
             ("Rate Limited", "Greenhouse Harvest returned 429 Too Many Requests; retried with backoff"),
             ("Invalid Credentials", "Harvest API key was revoked or rotated"),
             ("Timeout", "GET /ats/v1/scheduled-interviews timed out after 120 s"),
             ("Internal Server Error", "Greenhouse returned 500 on /v1/candidates page 38")]
    ongoing = rng.random(n) < 0.25
    first = np.where(ongoing, w.as_of - rng.uniform(1, 14, n) * DAY, w.start + rng.uniform(0, WINDOW_DAYS - 2, n) * DAY).astype(np.int64)
    last = np.where(ongoing, w.as_of - rng.uniform(0, 12, n) * HOUR, first + np.exp(rng.normal(np.log(5), 1.3, n)) * HOUR).astype(np.int64)
    last = np.minimum(last, w.as_of - MINUTE)
    resolved = ~ongoing & (last < w.as_of - HOUR)
    results = []
    for i in np.argsort(-first).tolist():
        code, detail = kinds[int(rng.integers(0, len(kinds)))]
        results.append({
            "id": _uuid(seed, "issue", i),
            "status": "RESOLVED" if resolved[i] else "ONGOING", "error_description": code,
            "end_user": {"id": "eu-7f3a", "end_user_organization_name": COMPANY, "end_user_email_address": f"it@{DOMAIN}",
                         "end_user_origin_id": "acme-analytics"},
            "first_incident_time": iso_s([first[i]])[0], "last_incident_time": iso_s([last[i]])[0],
            "is_muted": bool(rng.random() < 0.1), "error_details": [detail] if rng.random() < 0.8 else []})
    root.mkdir(parents=True)
    for p in range(0, len(results), 100):
        page = {"next": f"https://api.merge.dev/api/ats/v1/issues?cursor=p{p // 100 + 2}" if p + 100 < len(results) else None,
                "previous": None, "results": results[p:p + 100]}
        (root / f"issues_{p // 100 + 1:04d}.json").write_text(json.dumps(page, indent=1) + "\n", encoding="utf-8")
    return len(results)


def generate_stack(out_dir: Path, candidates: int = 3000, seed: int = 7, as_of: datetime | None = None,
                   progress: Callable[[str, int, int], None] | None = None) -> dict:
    """Write the Greenhouse export and every tool around it from one simulated history.

    Removes a previous stack in out_dir first (and refuses a folder holding anything else).
    Returns the manifest, also written to out_dir/manifest.json. Same arguments, same bytes.
    """
    as_of = checked_args(candidates, as_of)
    out_dir = Path(out_dir)
    prepare_dir(out_dir, KNOWN, "demo stack")
    stack = Stack(out_dir, seed, candidates)
    gh = generate(out_dir / "greenhouse", candidates, seed, as_of, progress, hook=stack)
    counts = {"greenhouse": gh["counts"]}
    quarantine = {s: {} for s in SOURCES} | {"greenhouse": _greenhouse_quarantine(gh)}
    for wr in stack.writers:
        wr.close()
        counts.update(wr.counts)
        for src, rules in wr.quarantine.items():
            quarantine.setdefault(src, {}).update(rules)
    counts["merge_issues"] = {"issues": merge_issues(out_dir / "merge_issues", stack.w, seed, candidates)}
    stack.truth.close()
    files = {s: sorted(str(p.relative_to(out_dir / s)) for p in (out_dir / s).rglob("*") if p.is_file()) for s in SOURCES}
    manifest = {
        "seed": seed, "as_of": gh["as_of"], "candidates": candidates, "organisation_domain": DOMAIN,
        "sources": {s: {"kind": k, "path": s, **extra, "files": len(files[s]), "counts": counts.get(s, {})}
                    for s, (k, extra) in SOURCES.items()},
        "defects": {k: {"count": n, "means": DEFECTS[k]} for k, n in stack.truth.counts["mismatches"].items()},
        "corrections": stack.truth.counts["corrections"],
        "expected_quarantine": quarantine,  # source -> object -> rule -> records
        "ground_truth": {"persons": stack.truth.counts["persons"], "files": ["ground_truth/persons.csv",
                         "ground_truth/mismatches.csv", "ground_truth/corrections.csv"]},
        "greenhouse_manifest": "greenhouse/manifest.json",
    }
    (out_dir / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    if progress:
        progress("stack", 1, 1)
    return manifest


def _greenhouse_quarantine(gh: dict) -> dict:
    """The quarantine the export's own planted defects give, per object and rule (greenhouse/manifest.json);
    records of a quarantined candidate or application follow it (unknown_candidate, unknown_application)."""
    d = gh["defects"]
    unmapped = d["unmapped_stage"]
    return {"candidates": {"required": d["missing_ids"]["candidates"]},
            "applications": {"required": d["missing_ids"]["applications"], "unmapped_stage": len(unmapped["application_ids"])},
            "application_history": {"unmapped_stage": unmapped["history_rows"],
                                    "stage_order": len(d["backwards_timestamps"]["application_ids"])},
            "job_stages": {"unmapped_stage": 2}, "offers": {"required": d["missing_ids"]["offers"]},
            "activity_feed": {"not_in_future": len(d["future_timestamps"]["email_ids"])},
            "scheduled_interviews": {"malformed_file": 1},
            "cascades": ["unknown_candidate", "unknown_application"]}
