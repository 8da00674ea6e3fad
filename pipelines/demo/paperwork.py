"""The paperwork after an offer: DocuSign envelopes, Checkr background checks, payroll new hires.

- docusign/connect/envelopes-NNNN.jsonl: Connect JSON SIM messages (sent, delivered, then
  completed / declined / voided) for every offer Greenhouse sent, in time order, each carrying
  the envelope summary with the application_id text custom field. A superseded offer's envelope
  is voided when the new version is drafted. Two NDA envelopes (no application_id) are the
  account's other business: the docusign preset quarantines them (rule required).
- checkr/candidates/candidates-NNNN.json and reports/reports-NNNN.jsonl: a contingent check
  once the offer is accepted (rarely in Berlin); custom_id = the application id for most, the
  email only for the rest.
- payroll/new_hires.csv: every hire handed to payroll a day or so after the ATS marks it hired,
  with its first day and the onboarded flag; the application id for most, the email for all.
Planted: esign_signed_ats_not_accepted (with check_complete_app_at_offer and a payroll new hire
for some of them: payroll_hire_without_ats_hire), envelope_without_ats_offer,
hired_without_payroll_handoff, and a direct hire payroll has and the ATS never saw.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np

from . import history as H
from .history import snap
from .people import ChunkView, digest, docusign, e164, email_case, iso_s, plain
from .world import COMPANY, DAY, DOMAIN, FIRST, HOUR, LAST, MINUTE, OFFICES, STAGE_NAMES

PAYROLL = ["employee_id", "application_id", "email", "first_name", "last_name", "hire_date", "onboarded", "created_at"]


def _uuid(*parts) -> str:
    h = digest(*parts, n=32)
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


class Paperwork:
    def __init__(self, root: Path):
        self.ds = root / "docusign" / "connect"
        self.ck = root / "checkr"
        for p in (self.ds, self.ck / "candidates", self.ck / "reports", root / "payroll"):
            p.mkdir(parents=True)
        self.pay = (root / "payroll" / "new_hires.csv").open("w", encoding="utf-8", newline="")
        self.pay_csv = csv.writer(self.pay)
        self.pay_csv.writerow(PAYROLL)
        self.n = {"envelopes": 0, "connect_messages": 0, "checks": 0, "new_hires": 0, "nda_envelopes": 0}

    # -- DocuSign --------------------------------------------------------------------------
    def _envelope(self, v: ChunkView, key: str, app: str | None, cand: tuple[str, str], sent: int, viewed: int | None,
                  final: tuple[str, int] | None, offer_id: int | None, subject: str) -> list[tuple[int, str]]:
        """Connect messages for one envelope; final = (completed|declined|voided, time)."""
        env = _uuid(v.seed, "envelope", key)
        created = sent - int(5 * MINUTE + 10 * MINUTE * int(digest(key, n=4), 16) / 65536)
        fields = [{"fieldId": "11", "name": "application_id", "value": app, "show": "false", "required": "false"}] if app else []
        if offer_id is not None:
            fields.append({"fieldId": "12", "name": "offer_id", "value": str(offer_id), "show": "false", "required": "false"})
        steps = [("sent", sent)] + ([("delivered", viewed)] if viewed is not None else []) + ([final] if final else [])
        out, times = [], {}
        for status, t in steps:
            times.update({"sent": {"initialSentDateTime": sent, "sentDateTime": sent}, "delivered": {"deliveredDateTime": t},
                          "completed": {"completedDateTime": t}, "declined": {"declinedDateTime": t},
                          "voided": {"voidedDateTime": t}}[status])
            stamp = {k: docusign([x])[0] for k, x in times.items()}
            signer = {"email": cand[1], "name": cand[0], "recipientId": "1", "routingOrder": "1",
                      "status": {"sent": "sent", "voided": "sent"}.get(status, status if status != "completed" else "completed")}
            if "deliveredDateTime" in stamp:
                signer["deliveredDateTime"] = stamp["deliveredDateTime"]
            summary = {"status": status, "envelopeId": env, "emailSubject": subject,
                       "createdDateTime": docusign([created])[0], **stamp,
                       "sender": {"userName": f"{COMPANY} People Team", "email": f"people@{DOMAIN}"},
                       "customFields": {"textCustomFields": fields, "listCustomFields": []},
                       "recipients": {"signers": [signer]}}
            msg = {"event": f"envelope-{status}", "apiVersion": "v2.1", "uri": f"/restapi/v2.1/accounts/7d1c/envelopes/{env}",
                   "retryCount": 0, "configurationId": 10501, "generatedDateTime": docusign([t + 900])[0],
                   "data": {"accountId": "7d1c", "userId": "4f2a", "envelopeId": env, "envelopeSummary": summary}}
            out.append((t, json.dumps(msg, ensure_ascii=False)))
        self.n["envelopes"] += 1
        return out

    def chunk(self, v: ChunkView, planted: dict, truth) -> None:
        rng, as_of, of = v.rng(5), v.as_of, v.of
        lines, keys = [], []
        signed = {int(r): None for r in planted["signed"]}
        cand = lambda c, u: (f"{v.fn[c]} {v.ln[c]}", email_case(v.email[c]) if u < 0.05 else v.email[c])  # noqa: E731
        latest_signed = np.isin(np.arange(of["app"].size), v.a_offer[list(signed)])
        for i in np.flatnonzero((of["sent"] >= 0) | latest_signed).tolist():
            r = int(of["app"][i])
            c, j = int(v.a_cand[r]), int(v.a_job[r])
            sent, st = int(of["sent"][i]), int(of["status"][i])
            sent = sent if sent >= 0 else int(of["created"][i]) + 2 * HOUR  # sent from DocuSign, not logged in the ATS
            end = {H.OF_ACCEPTED: int(of["resolved"][i]), H.OF_REJECTED: int(of["resolved"][i])}.get(st, as_of)
            viewed = sent + int(np.clip(np.exp(rng.normal(np.log(3 * HOUR), 1.0)), 2 * MINUTE, 3 * DAY))
            final = {H.OF_ACCEPTED: ("completed", end), H.OF_REJECTED: ("declined", end)}.get(st)
            if st == H.OF_DEPRECATED:
                final = ("voided", max(int(of["updated"][i]), sent + HOUR))
            if r in signed and v.a_offer[r] == i:  # planted: signed, the ATS never heard
                raw = sent + int((as_of - sent) * rng.uniform(0.15, 0.45))
                t_sign = int(snap(np.array([raw]), v.a_tz[r:r + 1], rng.random(1))[0])
                t_sign = t_sign if t_sign < as_of - 12 * HOUR else raw
                viewed = min(viewed, t_sign - 10 * MINUTE)
                final, signed[r] = ("completed", t_sign), t_sign
                truth.mismatch("esign_signed_ats_not_accepted", int(v.a_id[r]), "docusign|greenhouse",
                               f"envelope completed {iso_s([t_sign])[0]}; the ATS offer {int(v.of_id[i])} is unresolved")
            if final and final[1] > as_of:
                final = None
            end = final[1] if final else as_of
            viewed = viewed if viewed < end and viewed <= as_of else (end - 5 * MINUTE if final else None)
            lines += self._envelope(v, str(v.of_id[i]), str(int(v.a_id[r])), cand(c, rng.random()), sent, viewed, final,
                                    int(v.of_id[i]), f"Your offer from {COMPANY}: {v.w.job_name[j]}")
            keys.append((_uuid(v.seed, "envelope", str(v.of_id[i])), v.person(c)))
        for r in planted["envelope_no_offer"].tolist():
            c, j = int(v.a_cand[r]), int(v.a_job[r])
            sent = int(snap(np.array([v.a_entered[r] + int(rng.uniform(1, 2) * DAY)]), v.a_tz[r:r + 1], rng.random(1))[0])
            sent = min(sent, as_of - 2 * HOUR)
            viewed = sent + HOUR if rng.random() < 0.6 else None
            lines += self._envelope(v, f"early-{v.a_id[r]}", str(int(v.a_id[r])), cand(c, 1.0), sent, viewed, None, None,
                                    f"Your offer from {COMPANY}: {v.w.job_name[j]}")
            keys.append((_uuid(v.seed, "envelope", f"early-{v.a_id[r]}"), v.person(c)))
            truth.mismatch("envelope_without_ats_offer", int(v.a_id[r]), "docusign|greenhouse",
                           f"offer envelope sent {iso_s([sent])[0]}; the ATS has no offer (stage {STAGE_NAMES[int(v.a_kind[r])]})")
        if v.ci == 0:  # the account's other business: NDAs with vendors, no application
            for k, vendor in enumerate(("Bluefin Systems", "Quarry Labs")):
                t = as_of - (20 + 30 * k) * DAY + 15 * HOUR
                lines += self._envelope(v, f"nda-{k}", None, (f"{vendor} Legal", f"legal@{vendor.split()[0].lower()}.example"),
                                        t, t + 2 * HOUR, ("completed", t + DAY), None, f"Mutual NDA - {vendor} and {COMPANY}")
                self.n["nda_envelopes"] += 1
        lines.sort(key=lambda x: x[0])
        self.n["connect_messages"] += len(lines)
        (self.ds / f"envelopes-{v.ci + 1:04d}.jsonl").write_text("".join(m + "\n" for _, m in lines), encoding="utf-8")
        truth.persons("docusign", "offer", keys)
        self._checks(v, planted, truth, rng, signed)
        self._payroll(v, planted, truth, rng, signed)

    # -- Checkr ----------------------------------------------------------------------------
    def _checks(self, v: ChunkView, planted: dict, truth, rng, signed: dict) -> None:
        as_of, of = v.as_of, v.of
        cands, reports, keys = [], [], []
        stuck = {int(r) for r in planted["check_stuck"]}
        accepted = (v.a_offer >= 0) & (v.offer("status") == H.OF_ACCEPTED)
        for r in np.flatnonzero(accepted | np.isin(np.arange(v.N), list(stuck))).tolist():
            i = int(v.a_offer[r])
            c = int(v.a_cand[r])
            planted_row = r in stuck and signed.get(r) is not None
            if planted_row:
                req = signed[r] + int(rng.uniform(1, 6) * HOUR)
                done = min(req + int(rng.uniform(0.5, 2) * DAY), as_of - HOUR)
                if done <= req + HOUR:
                    continue
            else:
                if i < 0 or of["status"][i] != H.OF_ACCEPTED or OFFICES[v.w.job_office[v.a_job[r]]][3] == "Germany" \
                        and rng.random() > 0.2:
                    continue
                req = int(snap(np.array([int(of["resolved"][i]) + int(rng.uniform(1, 24) * HOUR)]), v.a_tz[r:r + 1], rng.random(1))[0])
                done = req + int(np.exp(rng.normal(np.log(2.5 * DAY), 0.6)))
                if req > as_of:
                    continue
            rid, cid = digest(v.seed, "report", int(v.a_id[r]), n=24), digest(v.seed, "ckcand", int(v.a_id[r]), n=24)
            complete = done <= as_of
            consider = complete and not planted_row and rng.random() < 0.08
            by_id = planted_row or rng.random() < 0.85
            cands.append({"id": cid, "object": "candidate", "uri": f"/v1/candidates/{cid}", "first_name": v.fn[c],
                          "last_name": v.ln[c], "email": v.email[c] if rng.random() < 0.9 else email_case(v.email[c]),
                          "phone": e164(v.phone[c], v.c_style[c]), "custom_id": str(int(v.a_id[r])) if by_id else None,
                          "created_at": iso_s([req - 5 * MINUTE])[0], "report_ids": [rid]})
            reports.append({"id": rid, "object": "report", "uri": f"/v1/reports/{rid}", "status": "complete" if complete else "pending",
                            "result": ("consider" if consider else "clear") if complete else None,
                            "adjudication": ("engaged" if rng.random() < 0.7 else "pre_adverse_action") if consider else None,
                            "created_at": iso_s([req])[0], "completed_at": iso_s([done])[0] if complete else None,
                            "turnaround_time": (done - req) // 1000 if complete else None, "package": "tasker_standard",
                            "candidate_id": cid, "ssn_trace_id": digest(rid, "ssn", n=24), "county_criminal_search_ids": []})
            keys.append((rid, v.person(c)))
            if planted_row:
                truth.mismatch("check_complete_app_at_offer", int(v.a_id[r]), "checkr|greenhouse",
                               f"report {rid} complete (clear) {iso_s([done])[0]}; the ATS application is still at Offer")
        page = {"object": "list", "data": cands, "count": len(cands), "next_href": None, "previous_href": None}
        (self.ck / "candidates" / f"candidates-{v.ci + 1:04d}.json").write_text(json.dumps(page, ensure_ascii=False) + "\n",
                                                                              encoding="utf-8")
        (self.ck / "reports" / f"reports-{v.ci + 1:04d}.jsonl").write_text(
            "".join(json.dumps(x, ensure_ascii=False) + "\n" for x in reports), encoding="utf-8")
        self.n["checks"] += len(reports)
        truth.persons("checkr", "check", keys)

    # -- payroll ---------------------------------------------------------------------------
    def _payroll(self, v: ChunkView, planted: dict, truth, rng, signed: dict) -> None:
        as_of, rows, keys = v.as_of, [], []
        starts = v.start_dates()
        skip = {int(r) for r in planted["hired_no_payroll"]}
        early = {int(r) for r in planted["payroll_early"] if signed.get(int(r)) is not None}
        emp = lambda r: f"W{v.ci * 200_000 + int(r) + 1_000_000:08d}"  # noqa: E731
        for r in np.flatnonzero((v.a_status == H.HIRED) | np.isin(np.arange(v.N), list(early))).tolist():
            c = int(v.a_cand[r])
            if r in skip:
                truth.mismatch("hired_without_payroll_handoff", int(v.a_id[r]), "greenhouse|payroll",
                               f"hired {iso_s([v.a_end[r]])[0]}, first day {iso_s([starts[r]])[0][:10]}, no payroll new hire")
                continue
            if r in early:
                base = min(signed[r] + int(rng.uniform(0.3, 1) * DAY), as_of - HOUR)
            else:
                base = int(v.a_end[r]) + int(np.exp(rng.normal(np.log(DAY), 0.7)))
            made = base if r in early else int(snap(np.array([base]), v.a_tz[r:r + 1], rng.random(1))[0])
            if made > as_of:
                continue
            u = rng.random(3)
            email = v.email[c] if u[0] < 0.85 else email_case(v.email[c]) if u[0] < 0.95 else f" {v.email[c]} "
            day = iso_s([starts[r]])[0][:10]
            onboarded = "true" if starts[r] <= as_of else ("true" if u[1] < 0.4 else "false")
            rows.append([emp(r), str(int(v.a_id[r])) if u[2] < 0.85 or r in early else "", email, v.fn[c], v.ln[c], day,
                         "false" if r in early else onboarded, iso_s([made])[0]])
            keys.append((emp(r), v.person(c)))
            if r in early:
                truth.mismatch("payroll_hire_without_ats_hire", int(v.a_id[r]), "payroll|greenhouse",
                               f"new hire {emp(r)} created {iso_s([made])[0]}; the ATS application is still at Offer")
        for k in range(1 if v.ci == 0 else 0):  # a direct hire the ATS never saw
            first, last = str(rng.choice(FIRST)), str(rng.choice(LAST))
            made = as_of - int(rng.uniform(5, 40)) * DAY + 10 * HOUR
            eid = f"W{v.ci * 200_000 + 190_000 + k + 1_000_000:08d}"
            local = plain(f"{first}.{last}").lower().replace("'", "").replace(" ", "")
            rows.append([eid, "", f"{local}.{k + 7}@example.net", first, last,
                         iso_s([made + 14 * DAY])[0][:10], "true", iso_s([made])[0]])
            keys.append((eid, f"D{v.ci:04d}{k:04d}"))
            truth.mismatch("payroll_hire_without_ats_hire", None, "payroll|greenhouse",
                           f"new hire {eid} ({first} {last}) was never an application in the ATS")
        self.pay_csv.writerows(rows)
        self.n["new_hires"] += len(rows)
        truth.persons("payroll", "handoff", keys)

    def close(self) -> None:
        self.pay.close()

    @property
    def counts(self) -> dict:
        n = self.n
        return {"docusign": {"envelopes": n["envelopes"], "connect_messages": n["connect_messages"], "nda_envelopes": n["nda_envelopes"]},
                "checkr": {"reports": n["checks"]}, "payroll": {"new_hires": n["new_hires"]}}

    @property
    def quarantine(self) -> dict:
        return {"docusign": {"connect": {"required": self.n["nda_envelopes"]}}}
