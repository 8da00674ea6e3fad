"""Twilio text messages to and from candidates' phones (Message resources in list pages).

Candidates who gave the ATS a phone and opted in to texts get a scheduling text when a recruiter
first reaches out and a reminder the day before each interview day (outbound-api, sent by the
scheduling integration); some answer (inbound), and the number's auto-responder acknowledges
some answers (outbound-reply). date_sent is RFC 2822 in UTC, as Twilio writes it. A few texts
are undelivered or failed: the twilio preset quarantines those (rule allowed_values), and the
manifest says how many. Files: sms/messages_CCCC_PPP.json, pages of up to 1,000 messages.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from .history import E_ADVANCE
from .people import ChunkView, digest, e164, rfc1
from .world import DAY, HOUR, MINUTE

ACCOUNT = "AC" + "5e1c0ad7a43f9b2e8d6c1f0a9b8e7d6c"
SERVICE = "MG" + "0b9c8d7e6f5a4b3c2d1e0f9a8b7c6d5e"
FROM = {"us": "+18885550123", "uk": "+442079460999", "de": "+493012345678"}  # outside every candidate's range
PAGE = 1000
OPT_IN = 0.6


class Texts:
    def __init__(self, root: Path):
        root.mkdir(parents=True)
        self.root = root
        self.n = {"messages": 0, "inbound": 0, "undelivered_or_failed": 0}

    def _msg(self, v: ChunkView, k: int, t: int, direction: str, status: str, frm: str, to: str, body: str) -> dict:
        sid = "SM" + digest(v.seed, "sms", v.ci, k, n=32)
        sent, made, upd = rfc1(t, 0), rfc1(t - 1000, 0), rfc1(t + 2000, 0)
        err = {"undelivered": 30003, "failed": 30008}.get(status)
        return {"account_sid": ACCOUNT, "api_version": "2010-04-01", "body": body, "date_created": made,
                "date_sent": sent, "date_updated": upd, "direction": direction, "error_code": err,
                "error_message": None, "from": frm, "messaging_service_sid": SERVICE if direction != "inbound" else None,
                "num_media": "0", "num_segments": "1", "price": None if direction == "inbound" else "-0.00790",
                "price_unit": "USD", "sid": sid, "status": status, "to": to,
                "uri": f"/2010-04-01/Accounts/{ACCOUNT}/Messages/{sid}.json",
                "subresource_uris": {"media": f"/2010-04-01/Accounts/{ACCOUNT}/Messages/{sid}/Media.json"}}

    def chunk(self, v: ChunkView, planted: dict, truth) -> None:
        rng, as_of, iv, e = v.rng(4), v.as_of, v.iv, v.em
        opted = v.phone_known & (rng.random(v.n) < OPT_IN)
        msgs, keys = [], []

        def send(t, c, direction, status, body):
            style = v.c_style[c]
            ours, theirs = FROM[style], e164(v.phone[c], style)
            frm, to = (theirs, ours) if direction == "inbound" else (ours, theirs)
            m = self._msg(v, len(msgs), int(t), direction, status, frm, to, body)
            msgs.append((int(t), m))
            keys.append((m["sid"], v.person(c)))
            self.n["inbound"] += direction == "inbound"
            if status in ("undelivered", "failed"):
                self.n["undelivered_or_failed"] += 1

        def outcome() -> str:
            u = rng.random()
            return "delivered" if u < 0.93 else "sent" if u < 0.95 else "undelivered" if u < 0.98 else "failed"

        # a reminder the day before each interview day (first slot of an application's stage)
        key = iv["app"] * 100 + iv["pos"]
        order = np.lexsort((iv["start"], key))
        first = order[np.r_[True, key[order][1:] != key[order][:-1]]] if order.size else order
        for i in first.tolist():
            r = int(iv["app"][i])
            c = int(v.a_cand[r])
            at = int(iv["start"][i]) - DAY
            if not opted[c] or at <= iv["invite"][i] or at > as_of:
                continue
            st = outcome()
            send(at, c, "outbound-api", st, f"Reminder: your interview with {v.w.job_name[int(v.a_job[r])]} is tomorrow. "
                                           "Reply C to confirm or R to reschedule.")
            if st == "delivered" and rng.random() < 0.35:
                back = at + int(np.clip(np.exp(rng.normal(np.log(40 * MINUTE), 1.0)), MINUTE, 12 * HOUR))
                if back <= as_of:
                    send(back, c, "inbound", "received", "C")
                    if rng.random() < 0.5 and back + 2000 <= as_of:
                        send(back + 2000, c, "outbound-reply", "delivered", "Thanks, you're confirmed. See you tomorrow!")
        # a scheduling text beside the recruiter's first mail
        for i in np.flatnonzero(e["kind"] == E_ADVANCE).tolist():
            r = int(e["app"][i])
            c = int(v.a_cand[r])
            at = int(e["t"][i]) + int(rng.uniform(1, 10) * MINUTE)
            if opted[c] and at <= as_of and not v.em_future[i] and rng.random() < 0.5:
                send(at, c, "outbound-api", outcome(), f"Hi {v.fn[c]}, it's the recruiting team at Acme: we emailed you "
                                                     "about next steps. Pick a time here: https://acme.example/s/" + digest(r, n=6))
        msgs.sort(key=lambda m: -m[0])  # Twilio lists newest first
        for p in range(0, len(msgs), PAGE):
            part = [m for _, m in msgs[p:p + PAGE]]
            base = f"/2010-04-01/Accounts/{ACCOUNT}/Messages.json?PageSize={PAGE}"
            page = {"first_page_uri": base + "&Page=0", "end": p + len(part) - 1, "previous_page_uri": None,
                    "messages": part, "uri": f"{base}&Page={p // PAGE}", "page_size": PAGE, "start": p,
                    "next_page_uri": f"{base}&Page={p // PAGE + 1}" if p + PAGE < len(msgs) else None, "page": p // PAGE}
            (self.root / f"messages_{v.ci + 1:04d}_{p // PAGE + 1:03d}.json").write_text(
                json.dumps(page, ensure_ascii=False) + "\n", encoding="utf-8")
        self.n["messages"] += len(msgs)
        truth.persons("sms", "message", keys)

    def close(self) -> None:
        pass

    @property
    def counts(self) -> dict:
        return {"sms": dict(self.n)}

    @property
    def quarantine(self) -> dict:
        return {"sms": {"messages": {"allowed_values": self.n["undelivered_or_failed"]}}}
