"""The recruiting mailbox (.mbox): recruiter <-> candidate mail as the mail server kept it.

Most of the mail in the Greenhouse activity feed is here too (sent through the mail system, with
the organisation's domain on one side and the candidate's address on the other): automated
acknowledgements from no-reply@ with Auto-Submitted: auto-generated, recruiters' and
coordinators' mail, candidates' replies, and candidates' out-of-office auto-replies
(Auto-Submitted: auto-replied). Planted: first_response_only_in_mailbox, a recruiter's first
reply sent from their own mail client, never logged in the ATS. One file per chunk,
mail/recruiting-NNNN.mbox, in time order.
"""

from __future__ import annotations

from email.utils import formataddr
from pathlib import Path

import numpy as np

from .history import E_ACK, E_REPLY, snap
from .people import ChunkView, asctime1, digest, iso_s, rfc1
from .world import COMPANY, DOMAIN, EMAILS, HOUR, MINUTE

KEEP = 0.9         # share of the ATS's mail that went through the mailbox exported
OUT_OF_OFFICE = 0.03


def _message(mid: str, t: int, off: int, sender: tuple[str, str], to: tuple[str, str], subject: str, body: str,
             extra: list[str]) -> tuple[int, str]:
    date = rfc1(t, off)
    head = [f"From {sender[1]} {asctime1(t)}", f"From: {formataddr(sender, 'utf-8')}", f"To: {formataddr(to, 'utf-8')}",
            f"Subject: {subject}", f"Date: {date}", f"Message-ID: {mid}", "MIME-Version: 1.0",
            'Content-Type: text/plain; charset="utf-8"', "Content-Transfer-Encoding: 8bit", *extra]
    lines = [(">" + x if x.startswith("From ") else x) for x in body.splitlines()]
    return t, "\n".join(head) + "\n\n" + "\n".join(lines) + "\n\n"


class Mailboxes:
    def __init__(self, root: Path):
        root.mkdir(parents=True)
        self.root = root
        self.n = {"messages": 0, "automated": 0, "mailbox_only": 0}
        self.quarantine: dict = {}

    def chunk(self, v: ChunkView, planted: dict, truth) -> None:
        w, rng, e = v.w, v.rng(3), v.em
        users, mail = w.users, w.user_email
        out: list[tuple[int, str]] = []
        keys = []
        noreply = (f"{COMPANY} Recruiting", f"no-reply@{DOMAIN}")
        U = rng.random((3, e["t"].size))
        for i in np.flatnonzero((U[0] < KEEP) & ~v.em_future).tolist():
            r = int(e["app"][i])
            c, j, kind, t = int(v.a_cand[r]), int(v.a_job[r]), int(e["kind"][i]), int(e["t"][i])
            who, subj, body = EMAILS[kind]
            rec = int(w.job_recruiter[j])
            me = {"rec": rec, "coord": int(w.job_coord[j])}.get(who)
            f = {"co": COMPANY, "first": v.fn[c], "job": w.job_name[j], "me": users[me]["name"] if me is not None else "",
                 "rf": users[rec]["first_name"]}
            cand = (f"{v.fn[c]} {v.ln[c]}", v.email[c])
            staff = noreply if me is None else (users[me]["name"], mail[me])
            sender, to = (cand, (users[rec]["name"], mail[rec])) if who == "cand" else (staff, cand)
            host = sender[1].split("@")[1]
            mid = f"<{digest(v.seed, 'mail', int(v.em_id[i]), n=24)}@{host}>"
            extra = []
            if kind == E_ACK:
                extra = ["Auto-Submitted: auto-generated", "X-Auto-Response-Suppress: All"]
                self.n["automated"] += 1
            if kind == E_REPLY or subj.format(**f).startswith("Re:"):
                extra.append(f"In-Reply-To: <{digest(v.seed, 'thread', r, n=24)}@{DOMAIN}>")
            out.append(_message(mid, t, int(v.a_tz[r]), sender, to, subj.format(**f), body.format(**f), extra))
            keys.append((mid, v.person(c)))
            if who in ("rec", "coord") and U[1, i] < OUT_OF_OFFICE:  # the candidate's out-of-office answer
                back = t + int((1 + 4 * U[2, i]) * MINUTE)
                if back <= v.as_of:
                    oid = f"<{digest(v.seed, 'ooo', int(v.em_id[i]), n=24)}@{cand[1].split('@')[1]}>"
                    out.append(_message(oid, back, int(v.a_tz[r]), cand, sender, f"Automatic reply: {subj.format(**f)}",
                                        f"Hi,\n\nI am out of the office with limited access to email and will reply "
                                        f"when I am back.\n\n{v.fn[c]}", ["Auto-Submitted: auto-replied", "X-Autoreply: yes"]))
                    keys.append((oid, v.person(c)))
                    self.n["automated"] += 1
        self._first_replies(v, planted, truth, rng, out, keys)
        out.sort(key=lambda m: m[0])
        self.n["messages"] += len(out)
        (self.root / f"recruiting-{v.ci + 1:04d}.mbox").write_text("".join(m for _, m in out), encoding="utf-8")
        truth.persons("mail", "message", keys)

    def _first_replies(self, v: ChunkView, planted: dict, truth, rng, out: list, keys: list) -> None:
        """A recruiter answers from their own mail client; the ATS's feed never hears of it."""
        w, fr = v.w, planted["first_response"]
        for r in planted["mailbox_first"].tolist():
            c, j = int(v.a_cand[r]), int(v.a_job[r])
            applied, limit = int(v.a_applied[r]), min(int(fr[r]) - HOUR, v.as_of - 10 * MINUTE)
            t = int(snap(np.array([applied + int(np.exp(rng.normal(np.log(5 * HOUR), 0.6)))]), v.a_tz[r:r + 1], rng.random(1))[0])
            if not applied < t < limit:
                t = applied + int((limit - applied) * rng.uniform(0.05, 0.3))
                if not applied < t < limit:
                    continue
            rec = int(w.job_recruiter[j])
            me = (w.users[rec]["name"], w.user_email[rec])
            mid = f"<{digest(v.seed, 'direct', int(v.a_id[r]), n=24)}@{DOMAIN}>"
            body = (f"Hi {v.fn[c]},\n\nThanks for applying for the {w.job_name[j]} role. Could you tell me a bit "
                    f"about your notice period and salary expectations?\n\nBest,\n{me[0]}")
            out.append(_message(mid, t, int(v.a_tz[r]), me, (f"{v.fn[c]} {v.ln[c]}", v.email[c]),
                                f"Quick question about your application ({w.job_name[j]})", body, ["X-Mailer: Microsoft Outlook 16.0"]))
            keys.append((mid, v.person(c)))
            self.n["mailbox_only"] += 1
            ats = "none" if fr[r] >= 2**62 else f"{(fr[r] - applied) / HOUR:.1f} h"
            truth.mismatch("first_response_only_in_mailbox", int(v.a_id[r]), "mail|greenhouse",
                           f"recruiter mail {mid} {(t - applied) / HOUR:.1f} h after applying ({iso_s([t])[0]}); "
                           f"ATS first response: {ats}")

    def close(self) -> None:
        pass

    @property
    def counts(self) -> dict:
        return {"mail": dict(self.n)}

