"""Job boards: the applications Indeed, LinkedIn and ZipRecruiter received, as their exports hold them.

A share of the Greenhouse applications whose channel is one of these boards appears here too:
the same person entered twice, as the board wrote them down (a nickname or a typo in the name,
the address in other case or with stray spaces, a second address, the phone in another format).
The board's status follows the ATS with a lag. A few board applications never reached the ATS
(defect board_application_not_in_ats). Files: indeed.csv, linkedin.csv, ziprecruiter.json.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np

from . import history as H
from .people import MAIL_HOSTS, NICK, ChunkView, dashed, digest, e164, email_case, iso_s, plain, typo, want
from .world import DAY, DEPT_CODE, FIRST, LAST, MINUTE, OFFICES, SOURCES, WINDOW_DAYS

COLUMNS = ["board", "application_id", "applied_at", "job_id", "first_name", "last_name", "email", "phone", "location", "status"]
BOARDS = {"Indeed": (0.8, "indeed.csv"), "ZipRecruiter": (0.85, "ziprecruiter.json"), "LinkedIn": (0.35, "linkedin.csv")}
SRC = {name: i for i, (name, *_) in enumerate(SOURCES)}


def second_email(first: str, last: str, key: str) -> str:
    """The other address a person gives some forms (stable per person)."""
    h = int(digest("second", key, n=8), 16)
    local = (plain(first) + plain(last)).lower().replace("'", "").replace(" ", "")
    return f"{local}{h % 90 + 10}@{MAIL_HOSTS[h % len(MAIL_HOSTS)]}"


class Boards:
    def __init__(self, root: Path):
        root.mkdir(parents=True)
        self.root = root
        self.csv = {}
        for board, (_, name) in BOARDS.items():
            if name.endswith(".csv"):
                fh = (root / name).open("w", encoding="utf-8", newline="")
                self.csv[board] = (fh, csv.writer(fh))
                self.csv[board][1].writerow(COLUMNS)
        self.json = (root / "ziprecruiter.json").open("w", encoding="utf-8")
        self.json.write("[")
        self.json_n = 0
        self.n = {b: 0 for b in BOARDS}
        self.quarantine: dict = {}

    def _write(self, board: str, rec: list) -> None:
        self.n[board] += 1
        if board in self.csv:
            self.csv[board][1].writerow(["" if x is None else x for x in rec])
        else:
            self.json.write(("," if self.json_n else "") + "\n" + json.dumps(dict(zip(COLUMNS, rec)), ensure_ascii=False))
            self.json_n += 1

    def _board_id(self, board: str, key) -> str:
        h = digest("board", board, key, n=16)
        return {"Indeed": h, "ZipRecruiter": f"zr-{int(h[:9], 16) % 10**9:09d}", "LinkedIn": str(4 * 10**9 + int(h[:8], 16) % 10**9)}[board]

    def chunk(self, v: ChunkView, planted: dict, truth) -> None:
        w, rng = v.w, v.rng(1)
        names = {SRC[b]: b for b in BOARDS}
        share = np.zeros(len(SOURCES))
        for b, (p, _) in BOARDS.items():
            share[SRC[b]] = p
        U = rng.random((8, v.N))
        rows = np.flatnonzero(U[0] < share[v.a_src])
        t = iso_s(v.a_applied[rows] - (MINUTE + U[1, rows] * 44 * MINUTE).astype(np.int64))
        cands, apps = [], []
        for k, r in enumerate(rows.tolist()):
            c, j, board, u = int(v.a_cand[r]), int(v.a_job[r]), names[int(v.a_src[r])], U[:, r]
            key = v.person(c)
            first, last, email = self._identity(v, c, key, u)
            phone = None if u[6] < 0.2 else self._phone(v.phone[c], v.c_style[c], board)
            st = int(v.a_status[r])
            status = ("Withdrawn" if v.a_withdrawn[r] else "Rejected") if st == H.REJECTED and u[7] < 0.6 else \
                "Reviewed" if (v.a_pos[r] > 0 or st != H.ACTIVE) and u[7] < 0.8 else "Applied"
            bid = self._board_id(board, int(v.a_id[r]))
            self._write(board, [board, bid, t[k], f"{DEPT_CODE[w.job_dept[j]]}-{1001 + j}", first, last, email, phone,
                                OFFICES[w.job_office[j]][1], status])
            cands.append((f"{board}|{email}", key))
            apps.append((f"{board}|{bid}", key))
        self._orphans(v, rows.size, truth, cands, apps, rng)
        truth.persons("job_boards", "candidate_record", dict(cands).items())  # one record per board and address
        truth.persons("job_boards", "application", apps)

    def _identity(self, v: ChunkView, c: int, key: str, u) -> tuple[str, str, str]:
        first, last, email = v.fn[c], v.ln[c], v.email[c]
        if first in NICK and u[2] < 0.3:
            first = NICK[first]
        elif u[2] > 0.97:
            first = typo(first, u[3])
        if last != plain(last) and u[3] < 0.5:
            last = plain(last)
        elif u[3] > 0.97:
            last = typo(last, u[2])
        if first != plain(first) and u[4] < 0.5:
            first = plain(first)
        x = u[5]
        if x < 0.10:
            email = email_case(email)
        elif x < 0.15:
            email = f" {email}" if x < 0.125 else f"{email} "
        elif x < 0.30:
            email = v.work_email[c] or second_email(v.fn[c], v.ln[c], key)
        return first, last, email

    @staticmethod
    def _phone(phone: str, style: str, board: str) -> str:
        return {"Indeed": e164, "ZipRecruiter": dashed}.get(board, lambda p, s: p)(phone, style)

    def _orphans(self, v: ChunkView, n_board: int, truth, cands: list, apps: list, rng) -> None:
        """Board applications that never reached the ATS: people Greenhouse does not have."""
        w = v.w
        for k in range(want(0.005, n_board, 1)):
            board = list(BOARDS)[int(rng.integers(0, len(BOARDS)))]
            first, last = str(rng.choice(FIRST)), str(rng.choice(LAST))
            key = f"B{v.ci:04d}{k:04d}"
            email = second_email(first, last, key)
            day = int(rng.integers(WINDOW_DAYS - 60, WINDOW_DAYS - 2))
            at = w.start + day * DAY + int(rng.uniform(8, 20) * 3_600_000)
            live = np.flatnonzero((w.job_opened <= at) & (at < w.job_post_end))
            j = int(rng.choice(live)) if live.size else 0
            bid = self._board_id(board, key)
            self._write(board, [board, bid, iso_s([at])[0], f"{DEPT_CODE[w.job_dept[j]]}-{1001 + j}", first, last, email,
                                None, OFFICES[w.job_office[j]][1], "Applied"])
            cands.append((f"{board}|{email}", key))
            apps.append((f"{board}|{bid}", key))
            truth.mismatch("board_application_not_in_ats", None, "job_boards|greenhouse",
                           f"{board} application {bid} ({first} {last}, {email}) never reached the ATS")

    def close(self) -> None:
        for fh, _ in self.csv.values():
            fh.close()
        self.json.write("\n]\n")
        self.json.close()

    @property
    def counts(self) -> dict:
        return {"job_boards": {f"{b.lower()}_applications": n for b, n in self.n.items()}}
