"""Write the simulated hiring history as a Greenhouse Harvest API export (see generate())."""

from __future__ import annotations

import json
import shutil
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

import numpy as np

from . import history as H
from .identity import Identities, _ascii, event_id
from .world import (COMPANY, DEPARTMENTS, DOMAIN, EMAIL_DOMAINS, EMAILS, EMPLOYERS, FIRST, HOUR, ID, LAST,
                    MINUTE, NOTES, OFFICES, ONS, PPS, REASON_TYPES, REJECTION_REASONS, SOURCES, STAGE_NAMES,
                    STEPS, STREETS, TAGS, TITLES, UNMAPPED_STAGE, build_world, fmt as _fmt, iso, iso1, job_records,
                    job_stage_records, stage_id, step_id)

CHUNK = 20_000          # candidates simulated and written per chunk
PAGE = 500              # records (or JSON lines) per page
OBJECTS = ["candidates", "applications", "jobs", "job_stages", "scheduled_interviews", "offers", "activity_feed"]
KNOWN = set(OBJECTS) | {"application_history", "manifest.json"}
WANT = {"cac": 10, "back": 5, "future": 2, "candidates": 3, "applications": 3, "offers": 2}
STATUS = ["active", "rejected", "hired"]
RESPONSE = ["accepted", "needs_action", "tentative", "declined"]
OF_STATUS = ["unresolved", "accepted", "rejected", "deprecated"]
NOTICE = ["Immediately", "2 weeks", "1 month", "3 months"]
NO_PROSPECT = {"prospective_office": None, "prospective_department": None,
               "prospect_detail": {"prospect_pool": None, "prospect_stage": None, "prospect_owner": None}}
_enc = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


class Pages:
    """Buffers serialized records and writes numbered pages of PAGE records."""

    def __init__(self, root: Path, obj: str):
        self.root, self.obj, self.jsonl = root, obj, obj == "activity_feed"
        self.buf: list[str] = []
        self.files: list[str] = []
        self.last: list[str] = []
        self.count = 0
        (root / obj).mkdir(parents=True)

    def add(self, recs: list[str]) -> None:
        self.buf.extend(recs)
        self.count += len(recs)
        while len(self.buf) >= PAGE:
            self._flush(self.buf[:PAGE])
            del self.buf[:PAGE]

    def _flush(self, recs: list[str]) -> None:
        rel = f"{self.obj}/page-{len(self.files) + 1:04d}.{'jsonl' if self.jsonl else 'json'}"
        text = "".join(r + "\n" for r in recs) if self.jsonl else "[" + ",\n".join(recs) + "]\n"
        (self.root / rel).write_text(text, encoding="utf-8")
        self.files.append(rel)
        self.last = recs

    def close(self) -> None:
        if self.buf or not self.files:
            self._flush(self.buf)
            self.buf = []


class Formatter:
    """Turns one simulated chunk into Harvest-shaped records (ids continue across chunks)."""

    def __init__(self, w, plan, seed: int):
        self.w, self.plan, self.seed, self.history_rows = w, plan, seed, 0
        self.src = [{"id": ID["source"] + i, "public_name": s[0]} for i, s in enumerate(SOURCES)]
        self.reasons = [{"id": ID["rejection_reason"] + i, "name": n, "type": {"id": ID["reason_type"] + t,
                                                                             "name": REASON_TYPES[t]}}
                        for i, (n, t) in enumerate(REJECTION_REASONS)]
        self.ctr = dict.fromkeys(["email", "note", "activity", "scheduled_interview", "offer", "scorecard"], 0)
        self.ids = Identities(seed)  # addresses and phones unique across chunks

    def _ids(self, key: str, t, by=None) -> np.ndarray:
        """Sequential ids in time order (or by `by`, then time) within the chunk."""
        rank = np.empty(len(t), dtype=np.int64)
        rank[np.lexsort((t,) if by is None else (t, by))] = np.arange(len(t))
        self.ctr[key] += len(t)
        return ID[key] + self.ctr[key] - len(t) + rank

    def chunk(self, sim, ci: int, app_off: int, inj: dict) -> dict:
        C, nc = sim.cols, sim.n_cand
        self.rng = np.random.default_rng([self.seed, 2, ci])
        self.cand_id = ID["candidate"] + ci * CHUNK + np.arange(nc)
        self.app_id = ID["application"] + app_off + np.arange(sim.a_cand.size)
        mv, em, nt, iv, of = (C[k] for k in ("moves", "emails", "notes", "interviews", "offers"))
        fut = np.zeros(em["t"].size, bool)
        fut[inj["future"]] = True  # the future-dated defect emails count as no activity
        last = np.maximum(sim.a_applied, sim.a_end)
        for a, t in ((mv["app"], mv["t"]), (em["app"][~fut], em["t"][~fut]), (nt["app"], nt["t"]),
                     (iv["app"], np.maximum(iv["end"], iv["c1"])), (iv["app"], iv["c2"]), (of["app"], of["updated"])):
            np.maximum.at(last, a, t)
        R = self.rng.random((16, nc))  # people
        self.fn = [FIRST[i] for i in (R[0] * len(FIRST)).astype(int)]
        self.ln = [LAST[i] for i in (R[1] * len(LAST)).astype(int)]
        self.email = []
        for i in range(nc):
            f, la = _ascii(self.fn[i]), _ascii(self.ln[i])
            local = [f"{f}.{la}", f"{f}{la}{int(R[2, i] * 99)}", f"{f[0]}{la}", f"{f}_{la}"][int(R[3, i] * 4)]
            self.email.append(f"{local}@{EMAIL_DOMAINS[int(R[4, i] * 4)]}")
        styles = [OFFICES[self.w.job_office[j]][5] for j in sim.a_job[np.searchsorted(sim.a_cand, np.arange(nc))]]
        self.email, self.work_email, phones = self.ids.assign(self.email, self.fn, self.ln, R, styles, ci)
        self.phone = list(zip(phones, (R[13] < 0.85).tolist()))  # (phone, given to the ATS)
        apps = self._applications(sim, inj, last)
        bounds = np.searchsorted(sim.a_cand, np.arange(nc + 1)).tolist()
        app_json = [_enc(a) for a in apps]  # encoded once, spliced into the candidates
        cand_json = [_enc(c).replace('"applications":[]', '"applications":[' + ",".join(
            app_json[bounds[i]:bounds[i + 1]]) + "]", 1)
            for i, c in enumerate(self._candidates(sim, inj, last, R, bounds, apps, ci))]
        return {"candidates": cand_json, "applications": app_json, "history": self._history(sim, inj),
                "scheduled_interviews": self._interviews(sim), "offers": self._offers(sim, inj),
                "activity_feed": self._feed(sim, inj),
                "defects": {"cac": self.app_id[inj["cac"]].tolist(), "cac_rows": len(inj["cac"]),
                            "back": self.app_id[list(inj["back"])].tolist(),
                            "future": sorted(self.email_ids[inj["future"]].tolist()),
                            **{k: len(inj[k]) for k in ("candidates", "applications", "offers")}}}

    def _candidates(self, sim, inj, last, R, bounds, apps, ci) -> list[dict]:
        w, U, nc = self.w, self.w.users, sim.n_cand
        c_last = np.zeros(nc, np.int64)
        np.maximum.at(c_last, sim.a_cand, last)
        created, c_last = iso(sim.a_applied[bounds[:-1]] - 1000), iso(c_last)
        null = set(inj["candidates"].tolist())
        out = []
        for i in range(nc):
            j0, r, n = int(sim.a_job[bounds[i]]), R[:, i], int(R[8, i] * 100)
            emp, fa, la, office = int(r[5] * len(EMPLOYERS)), _ascii(self.fn[i]), _ascii(self.ln[i]), \
                OFFICES[w.job_office[j0]]
            titles = TITLES[w.job_dept[j0]]
            title, employed = titles[int(r[6] * len(titles))], r[9] < 0.85
            phone = self.phone[i][0]
            out.append({
                "id": None if i in null else int(self.cand_id[i]), "first_name": self.fn[i],
                "last_name": self.ln[i], "company": EMPLOYERS[emp] if employed else None,
                "title": title if employed else None, "created_at": created[i], "updated_at": c_last[i],
                "last_activity": c_last[i], "is_private": False, "photo_url": None,
                "attachments": apps[bounds[i]]["attachments"],
                "application_ids": [int(self.app_id[x]) for x in range(bounds[i], bounds[i + 1])],
                "phone_numbers": [{"value": phone, "type": ["mobile", "mobile", "home", "work"][n % 4]}]
                if r[13] < 0.85 else [],
                "addresses": [{"value": f"{10 + n * 7} {STREETS[n % 4]}\n{office[4]}", "type": "home"}]
                if r[14] < 0.45 else [],
                "email_addresses": [{"value": self.email[i], "type": "personal"}] + (
                    [{"value": self.work_email[i], "type": "work"}] if r[7] < 0.1 else []),
                "website_addresses": [{"value": f"{fa}{la}.dev", "type": "personal"}] if r[15] < 0.12 else [],
                "social_media_addresses": [{"value": f"linkedin.com/in/{fa}-{la}-{n:02d}"}] if r[15] < 0.6 else [],
                "recruiter": U[w.job_recruiter[j0]], "coordinator": U[w.job_coord[j0]],
                "can_email": bool(r[2] < 0.97), "tags": [TAGS[n % len(TAGS)]] if r[3] < 0.25 else [],
                "applications": [], "educations": [],
                "employments": [{"id": 8_000_000_000 + ci * CHUNK + i, "company_name": EMPLOYERS[emp],
                                 "title": title, "start_date": f"{2012 + n % 10}-0{1 + n % 9}-01T00:00:00.000Z",
                                 "end_date": None}] if employed else [],
                "linked_user_ids": [], "custom_fields": {}, "keyed_custom_fields": {}})
        return out

    def _applications(self, sim, inj, last) -> list[dict]:
        w, U, job, pos = self.w, self.w.users, sim.a_job, sim.a_pos
        applied, end, last = iso(sim.a_applied), iso(sim.a_end), iso(last)
        sid = stage_id(job, pos).tolist()
        null = set(inj["applications"].tolist())
        out = []
        for r in range(job.size):
            j, c, s, st = int(job[r]), int(sim.a_cand[r]), int(sim.a_src[r]), int(sim.a_status[r])
            rec, rej, office, aid = U[w.job_recruiter[j]], st == H.REJECTED, OFFICES[w.job_office[j]], int(self.app_id[r])
            credited = U[w.job_hm[(j + r) % w.n_jobs, 0]] if s == 3 else (
                U[w.job_sourcer[j]] if s == 0 and w.job_sourcer[j] >= 0 else rec)
            out.append({
                "id": aid, "candidate_id": None if r in null else int(self.cand_id[c]), "prospect": False,
                "applied_at": applied[r], "rejected_at": end[r] if rej else None, "last_activity_at": last[r],
                "location": {"address": office[1]} if r * 7 % 10 < 8 else None,
                "source": self.src[s], "credited_to": credited, "recruiter": rec, "coordinator": U[w.job_coord[j]],
                "rejection_reason": self.reasons[sim.a_reason[r]] if rej else None,
                "rejection_details": {"custom_fields": {}, "keyed_custom_fields": {}} if rej else None,
                "jobs": [{"id": ID["job"] + j, "name": w.job_name[j]}], "job_post_id": ID["job_post"] + j,
                "status": STATUS[st], "current_stage": {"id": sid[r], "name": STAGE_NAMES[w.job_kinds[j, pos[r]]]},
                "answers": [{"question": "How did you hear about this job?", "answer": SOURCES[s][0]},
                            {"question": f"Are you legally authorized to work in {office[3]}?",
                             "answer": "No" if r * 13 % 17 == 0 else "Yes"}],
                **NO_PROSPECT, "custom_fields": {"notice_period": NOTICE[r % 4]},
                "keyed_custom_fields": {"notice_period": {"name": "Notice Period", "type": "single_select",
                                                          "value": NOTICE[r % 4]}},
                "attachments": [{"filename": f"{self.fn[c]}_{self.ln[c]}_Resume.pdf".replace(" ", "_"),
                                 "url": f"https://files.{DOMAIN}/resumes/{aid}.pdf", "type": "resume",
                                 "created_at": applied[r]}]})
        return out

    def _history(self, sim, inj) -> str:
        """Fivetran application_history rows: every stage move, then hired/rejected."""
        mv, ended = sim.cols["moves"], np.flatnonzero(sim.a_end >= 0)
        end_t = sim.a_end[ended].copy()
        for r, t in inj["back"].items():  # defect: the hired row predates the move into Offer
            end_t[ended == r] = t
        app, t = np.concatenate([mv["app"], ended]), np.concatenate([mv["t"], end_t])
        stage = np.concatenate([stage_id(sim.a_job[mv["app"]], mv["pos"]), np.full(ended.size, -1)])
        st = np.concatenate([np.zeros(mv["app"].size, int), sim.a_status[ended]])
        o = np.lexsort((t, app))
        lag = (MINUTE + self.rng.random(o.size) * 6 * HOUR).astype(np.int64)
        synced = _fmt(np.minimum(t[o] + lag, self.w.as_of), "ms", " ")
        self.history_rows += o.size
        return "".join(f"{a},{u},{s},{'' if g < 0 else g},{STATUS[x]}\n" for a, u, s, g, x in zip(
            self.app_id[app[o]].tolist(), _fmt(t[o], "s", " "), synced, stage[o].tolist(), st[o].tolist()))

    def _interviews(self, sim) -> list[str]:
        w, iv, U = self.w, sim.cols["interviews"], self.w.users
        self.iv_ids = ids = self._ids("scheduled_interview", iv["start"], by=iv["app"])
        job = sim.a_job[iv["app"]]
        done = ((iv["u1"] < 0) | (iv["c1"] >= 0)) & ((iv["u2"] < 0) | (iv["c2"] >= 0))
        upd = np.minimum(np.maximum.reduce([iv[k] for k in ("invite", "resched", "end", "c1", "c2")]), w.as_of)
        inv, st, en, up, R = iso(iv["invite"]), iso(iv["start"]), iso(iv["end"]), iso(upd), self.rng.random((2, ids.size))
        out = []
        for i in np.argsort(ids).tolist():
            j, p, s = int(job[i]), int(iv["pos"][i]), int(iv["step"][i])
            kind, people = int(w.job_kinds[j, p]), []
            for u, c, r in ((iv["u1"], iv["c1"], iv["r1"]), (iv["u2"], iv["c2"], iv["r2"])):
                if u[i] >= 0:
                    card = ID["scorecard"] + self.ctr["scorecard"] if c[i] >= 0 else None
                    self.ctr["scorecard"] += int(c[i] >= 0)
                    people.append({"id": U[u[i]]["id"], "employee_id": U[u[i]]["employee_id"], "name": U[u[i]]["name"],
                                   "email": w.user_email[u[i]], "response_status": RESPONSE[r[i]], "scorecard_id": card})
            video = kind != ONS and R[0, i] < 0.85
            eid = event_id(self.seed, int(ids[i]))
            room = ["Hudson", "Thames", "Spree", "Colorado"][int(R[1, i] * 4)]
            out.append({
                "id": int(ids[i]), "application_id": int(self.app_id[iv["app"][i]]), "external_event_id": eid,
                "start": {"date_time": st[i]}, "end": {"date_time": en[i]},
                "location": None if video else f"{OFFICES[w.job_office[j]][0]} office, {room} room",
                "video_conferencing_url": f"https://meet.{DOMAIN}/{eid[:3]}-{eid[3:7]}-{eid[7:10]}" if video else None,
                "status": "complete" if done[i] else "awaiting_feedback", "created_at": inv[i], "updated_at": up[i],
                "interview": {"id": int(step_id(j, p, s)), "name": STEPS[kind][s][0]},
                "organizer": U[w.job_recruiter[j] if kind == PPS else w.job_coord[j]], "interviewers": people})
        return [_enc(x) for x in out]

    def _offers(self, sim, inj) -> list[str]:
        w, of, plan = self.w, sim.cols["offers"], self.plan
        self.offer_ids = ids = self._ids("offer", of["created"])
        for r in np.flatnonzero(sim.a_status == H.HIRED):
            assert int(self.app_id[r]) in plan["hires"], "planning and export passes diverged"
        cr, upd, res = iso(of["created"]), iso(of["updated"]), iso(of["resolved"])
        sent, starts = _fmt(np.maximum(of["sent"], 0), "D"), _fmt(of["starts"], "D")
        null = set(inj["offers"].tolist())
        out = []
        for i in np.argsort(ids).tolist():
            r = int(of["app"][i])
            j, aid = int(sim.a_job[r]), int(self.app_id[r])
            ops = plan["openings"][j]
            k = plan["hires"].get(aid) if of["status"][i] == H.OF_ACCEPTED else None
            if k is None:  # the opening being filled when the offer was drafted
                k = min(int(np.searchsorted(plan["hire_times"][j], of["created"][i])), len(ops) - 1)
            lo, hi, unit = w.job_salary[j]
            sal = {"value": (lo + hi) // 2, "currency": unit}
            out.append({
                "id": int(ids[i]), "version": int(of["version"][i]), "application_id": None if i in null else aid,
                "job_id": ID["job"] + j, "candidate_id": int(self.cand_id[sim.a_cand[r]]),
                "opening": ops[k] if ops else None, "created_at": cr[i], "updated_at": upd[i],
                "sent_at": sent[i] if of["sent"][i] >= 0 else None, "resolved_at": res[i], "starts_at": starts[i],
                "status": OF_STATUS[of["status"][i]], "custom_fields": {"employment_type": "Full-Time", "salary": sal},
                "keyed_custom_fields": {
                    "employment_type": {"name": "Employment Type", "type": "single_select", "value": "Full-Time"},
                    "salary": {"name": "Salary", "type": "currency", "value": sal}}})
        return [_enc(x) for x in out]

    def _feed(self, sim, inj) -> list[str]:
        w, U, C, job, rng = self.w, self.w.users, sim.cols, sim.a_job, self.rng
        name = [f"{a} {b}" for a, b in zip(self.fn, self.ln)]
        e, nt, mv = C["emails"], C["notes"], C["moves"]
        self.email_ids = ids = self._ids("email", e["t"])
        et, R = iso(e["t"]), rng.random(e["t"].size)
        emails = []
        for i in range(ids.size):
            r = int(e["app"][i])
            c, j = int(sim.a_cand[r]), int(job[r])
            rec, (who, subj, body) = int(w.job_recruiter[j]), EMAILS[int(e["kind"][i])]
            me = {"rec": rec, "coord": int(w.job_coord[j])}.get(who)
            f = {"co": COMPANY, "first": self.fn[c], "job": w.job_name[j], "me": U[me]["name"] if me is not None else "",
                 "rf": U[rec]["first_name"]}
            sender = w.user_email[me] if me is not None else f"no-reply@{DOMAIN}"
            emails.append({"id": int(ids[i]), "created_at": et[i], "subject": subj.format(**f), "body": body.format(**f),
                           "to": w.user_email[rec] if who == "cand" else self.email[c],
                           "from": self.email[c] if who == "cand" else sender,
                           "cc": w.user_email[rec] if who == "coord" and R[i] < 0.5 else None,
                           "user": U[me] if me is not None else None})
        nids, nts, R = self._ids("note", nt["t"]), iso(nt["t"]), rng.random((2, nt["t"].size))
        notes = []
        for i in range(nids.size):
            j, tpl = int(job[nt["app"][i]]), NOTES[int(nt["kind"][i])]
            vis = "private" if R[0, i] < 0.1 else "public"
            body = tpl[int(R[1, i] * len(tpl))].format(job=w.job_name[j], dept=DEPARTMENTS[w.job_dept[j]])
            notes.append({"id": int(nids[i]), "created_at": nts[i], "body": body, "user": U[nt["user"][i]],
                          "private": vis == "private", "visiblity": vis, "visibility": vis})
        # activities: application, stage changes, rejection / hire
        stg, ended, n = mv["pos"] > 0, np.flatnonzero(sim.a_end >= 0), job.size
        a_app = np.concatenate([np.arange(n), mv["app"][stg], ended])
        a_t = np.concatenate([sim.a_applied, mv["t"][stg], sim.a_end[ended]])
        kind = np.concatenate([np.zeros(n, int), np.ones(stg.sum(), int), 1 + sim.a_status[ended]])
        a_pos = np.concatenate([np.zeros(n, int), mv["pos"][stg], sim.a_pos[ended]])
        user = np.concatenate([np.full(n, -1), mv["user"][stg], w.job_recruiter[job[ended]]])
        aids, ats, days = self._ids("activity", a_t), iso(a_t), _fmt(a_t, "D")
        acts = []
        for i in range(aids.size):
            r, k = int(a_app[i]), int(kind[i])
            c, j, u = int(sim.a_cand[r]), int(job[r]), U[user[i]] if user[i] >= 0 else None
            y, m, d = days[i].split("-")
            body = [f"{name[c]} applied online to the {w.job_name[j]} job ({SOURCES[sim.a_src[r]][0]}).",
                    f"{name[c]} was moved into {STAGE_NAMES[w.job_kinds[j, a_pos[i]]]} for {w.job_name[j]} "
                    f"on {m}/{d}/{y} by {u and u['name']}",
                    f"Reason: {self.reasons[sim.a_reason[r]]['name']}",
                    f"{name[c]} was hired into {w.job_name[j]} by {u and u['name']}"][k]
            subject = [None, "Candidate Stage Change", "Candidate Rejected", "Candidate Hired"][k]
            acts.append({"id": int(aids[i]), "created_at": ats[i], "subject": subject, "body": body, "user": u})
        groups = []  # per candidate, newest first
        for key, items, app, t in (("notes", notes, nt["app"], nt["t"]), ("emails", emails, e["app"], e["t"]),
                                   ("activities", acts, a_app, a_t)):
            cand = sim.a_cand[app]
            o = np.lexsort((-t, cand))
            groups.append((key, items, o.tolist(), np.searchsorted(cand[o], np.arange(sim.n_cand + 1)).tolist()))
        return [_enc({"candidate_id": int(self.cand_id[c]),
                      **{key: [items[x] for x in o[b[c]:b[c + 1]]] for key, items, o, b in groups}})
                for c in range(sim.n_cand)]


def checked_args(candidates: int, as_of: datetime | None) -> datetime:
    """The demo's 'now': today's UTC midnight unless given; refuse sizes and naive times that make no sense."""
    if candidates < 1:
        raise ValueError("candidates must be >= 1")
    if as_of is None:
        now = datetime.now(timezone.utc)
        as_of = datetime(now.year, now.month, now.day, tzinfo=timezone.utc)
    if as_of.tzinfo is None:
        raise ValueError("as_of must be timezone-aware (UTC)")
    return as_of


def prepare_dir(out_dir: Path, known: set[str] = KNOWN, what: str = "demo export") -> None:
    """Remove a previous demo output; refuse to touch a directory holding anything else."""
    if out_dir.exists():
        stray = sorted(p.name for p in out_dir.iterdir() if p.name not in known)
        if stray:
            raise ValueError(f"refusing to clear {out_dir}: not a {what} ({stray[:3]})")
        for p in out_dir.iterdir():
            shutil.rmtree(p) if p.is_dir() else p.unlink()
    out_dir.mkdir(parents=True, exist_ok=True)


def generate(out_dir: Path, candidates: int = 3000, seed: int = 7, as_of: datetime | None = None,
             progress: Callable[[str, int, int], None] | None = None, hook=None) -> dict:
    """Simulate a hiring history and write it as a Greenhouse Harvest export under out_dir.

    Removes a previous export in out_dir first. Returns the manifest, also written to
    out_dir/manifest.json. Same seed, as_of and candidates give byte-identical files.
    progress(step, done, total) is called per chunk ("plan", then "export") and for "jobs" and "manifest".
    hook (pipelines.demo.stack.Stack): adjusts each chunk's history and writes the other systems from it.
    """
    as_of = checked_args(candidates, as_of)
    report = progress or (lambda step, done, total: None)
    out_dir = Path(out_dir)
    prepare_dir(out_dir)
    w = build_world(seed, int(round(as_of.timestamp() * 1000)), candidates)
    sizes = [min(CHUNK, candidates - c0) for c0 in range(0, candidates, CHUNK)]
    # pass 1: who is hired when (decides openings and job closures); keeps only those arrays
    hires, offsets, off = [], [], 0
    for ci, n in enumerate(sizes):
        sim = H.simulate(w, seed, ci, n)
        rows, hjob, ht = H.hires(sim)
        hires.append((hjob, ht, ID["application"] + off + rows))
        offsets.append(off)
        off += sim.a_cand.size
        report("plan", ci + 1, len(sizes))
    plan = H.plan_jobs(w, hires, seed)
    hook and hook.start(w, plan)
    # pass 2: simulate again with the closures, plant defects, write pages chunk by chunk
    pages = {o: Pages(out_dir, o) for o in OBJECTS}
    hist_rel = "application_history/application_history.csv"
    (out_dir / "application_history").mkdir()
    fmt = Formatter(w, plan, seed)
    found = {"cac": [], "back": [], "future": [], "cac_rows": 0, "candidates": 0, "applications": 0, "offers": 0}
    with (out_dir / hist_rel).open("w", encoding="utf-8", newline="") as hist:
        hist.write("application_id,updated_at,_fivetran_synced,new_stage_id,new_status\n")
        for ci, n in enumerate(sizes):
            sim = H.simulate(w, seed, ci, n, close=plan["close"])
            need = {k: v - (len(found[k]) if isinstance(found[k], list) else found[k]) for k, v in WANT.items()}
            inj = H.inject_defects(sim, w, np.random.default_rng([seed, 3, ci]), need)
            hook and hook.adjust(sim, ci, offsets[ci], inj)
            out = fmt.chunk(sim, ci, offsets[ci], inj)
            for k, v in out.pop("defects").items():
                found[k] += v
            hist.write(out.pop("history"))
            for obj, recs in out.items():
                pages[obj].add(recs)
            hook and hook.chunk(sim, fmt, ci, inj)
            del sim, out
            report("export", ci + 1, len(sizes))
    pages["jobs"].add([_enc(j) for j in job_records(w, plan)])
    pages["job_stages"].add([_enc(s) for s in job_stage_records(w)])
    report("jobs", 1, 1)
    for p in pages.values():
        p.close()
    # deliberate defect: the last scheduled_interviews page is cut off mid-record
    si = pages["scheduled_interviews"]
    held = si.last
    cut = held[:-1] + [held[-1][: max(1, len(held[-1]) // 2)]] if held else []
    (out_dir / si.files[-1]).write_text("[" + ",\n".join(cut), encoding="utf-8")
    hook and hook.finish(held)
    files = {o: list(pages[o].files) for o in OBJECTS}
    files["application_history"] = [hist_rel]
    manifest = {
        "seed": seed, "as_of": iso1(w.as_of), "candidates": candidates,
        "counts": {**{o: pages[o].count for o in OBJECTS}, "application_history": fmt.history_rows}, "files": files,
        "defects": {
            "unmapped_stage": {"stage": UNMAPPED_STAGE, "application_ids": found["cac"],
                               "history_rows": found["cac_rows"]},
            "backwards_timestamps": {"application_ids": found["back"]},
            "missing_ids": {k: found[k] for k in ("candidates", "applications", "offers")},
            "future_timestamps": {"email_ids": found["future"]},
            "malformed_file": {"path": si.files[-1], "records": len(held)}}}
    (out_dir / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    report("manifest", 1, 1)
    return manifest
