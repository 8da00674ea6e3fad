"""One simulated chunk as the tools around the ATS see it: people, applications, times, ids.

`ChunkView` gathers, per chunk, what the Greenhouse formatter wrote (ids, names, addresses,
phones, interview and offer ids) beside the simulated history, so every other system is written
from the same people and events. The helpers format times the way each tool writes them and make
the identity variants real systems hold (nicknames, typos, address case, other phone formats).
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from datetime import datetime, timedelta

import numpy as np

from . import history as H
from .greenhouse_export import CHUNK
from .identity import event_id
from .world import DAY, OFFICES, REJECTION_REASONS, World

DOW = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
MON = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
NICK = {"James": "Jim", "Daniel": "Dan", "Samuel": "Sam", "Oliver": "Ollie", "Andrei": "Andy", "Dmitri": "Dima",
        "Victor": "Vic", "Emily": "Em", "Elena": "Lena", "Julia": "Jules", "Lukas": "Luke", "Mateo": "Teo",
        "Tomás": "Tom", "Benjamin": "Ben", "Matthew": "Matt", "Henrik": "Henk", "Ibrahim": "Ibo", "Sofia": "Sophie",
        "Hannah": "Hanna", "Nadia": "Nadya", "Theo": "Teddy", "Chiara": "Kiki", "Samir": "Sam", "Jonas": "Jon",
        "Camila": "Cami", "Fatima": "Tima", "Ruth": "Ruthie", "Esther": "Essie", "Ingrid": "Inga"}
MAIL_HOSTS = ["example.com", "example.net", "example.org", "mail.example.com", "inbox.example.net"]
WE_REJECTED = np.array([t == 0 for _, t in REJECTION_REASONS] + [False])


def digest(*parts, n: int = 16) -> str:
    return hashlib.blake2b(":".join(map(str, parts)).encode(), digest_size=(n + 1) // 2).hexdigest()[:n]


def plain(s: str) -> str:
    """Accents dropped (Müller -> Muller), as many boards and HR forms store names."""
    return unicodedata.normalize("NFKD", s).encode("ascii", "ignore").decode()


def typo(s: str, u: float) -> str:
    """One slip of the keyboard: two neighbouring letters swapped, or one doubled."""
    if len(s) < 4:
        return s + s[-1]
    k = 1 + int(u * (len(s) - 2))
    return s[:k] + s[k + 1] + s[k] + s[k + 2:] if u < 0.6 else s[:k] + s[k] + s[k:]


def email_case(addr: str) -> str:
    local, _, host = addr.partition("@")
    return ".".join(p[:1].upper() + p[1:] for p in local.split(".")) + "@" + host.capitalize()


def e164(phone: str, style: str) -> str:
    """A phone as Twilio and most boards store it (digits with the country code)."""
    d = re.sub(r"\D", "", phone)
    if style == "us":
        return "+1" + d[-10:]
    if style == "uk":
        d = d[2:] if d.startswith("44") else d
        return "+44" + d.lstrip("0")
    d = d[2:] if d.startswith("49") else d
    return "+49" + d.lstrip("0")


def dashed(phone: str, style: str) -> str:
    d = re.sub(r"\D", "", e164(phone, style))
    return f"{d[-10:-7]}-{d[-7:-4]}-{d[-4:]}" if style == "us" else e164(phone, style)[:3] + " " + d[2:]


# -- times ----------------------------------------------------------------------------------

def _parts(ms) -> list[str]:
    return np.datetime_as_string(np.asarray(ms, np.int64).astype("datetime64[ms]"), unit="ms").tolist()


def iso_s(ms) -> list[str]:
    """2026-11-05T14:00:00Z."""
    return [s[:19] + "Z" for s in _parts(ms)]


def ics(ms) -> list[str]:
    """20261105T140000Z."""
    return [s[:19].replace("-", "").replace(":", "") + "Z" for s in _parts(ms)]


def docusign(ms) -> list[str]:
    """2026-11-16T08:55:00.1230000Z (DocuSign writes seven fractional digits)."""
    return [s + "0000Z" for s in _parts(ms)]


def rfc2822(ms, offset_ms) -> list[str]:
    """Mon, 16 Nov 2026 09:15:00 -0500 (the local time and its offset)."""
    ms, off = np.asarray(ms, np.int64), np.broadcast_to(np.asarray(offset_ms, np.int64), np.shape(ms))
    local = ms + off
    dow = ((local // DAY) + 3) % 7
    out = []
    for s, d, o in zip(_parts(local), dow.tolist(), (off // 60_000).tolist()):
        sign, o = ("-", -o) if o < 0 else ("+", o)
        out.append(f"{DOW[d]}, {s[8:10]} {MON[int(s[5:7]) - 1]} {s[:4]} {s[11:19]} {sign}{o // 60:02d}{o % 60:02d}")
    return out


def asctime(ms) -> list[str]:
    """Mon Nov  2 14:00:00 2026 (mbox 'From ' lines, UTC)."""
    ms = np.asarray(ms, np.int64)
    return [f"{DOW[d]} {MON[int(s[5:7]) - 1]} {int(s[8:10]):2d} {s[11:19]} {s[:4]}"
            for s, d in zip(_parts(ms), (((ms // DAY) + 3) % 7).tolist())]


EPOCH = datetime(1970, 1, 1)


def ics1(ms: int) -> str:
    """One time as ics() writes it (scalar: cheaper than numpy for one value)."""
    return (EPOCH + timedelta(milliseconds=int(ms))).strftime("%Y%m%dT%H%M%SZ")


def rfc1(ms: int, offset_ms: int) -> str:
    """One time as rfc2822() writes it."""
    d = EPOCH + timedelta(milliseconds=int(ms) + int(offset_ms))
    o = int(offset_ms) // 60_000
    sign, o = ("-", -o) if o < 0 else ("+", o)
    return f"{DOW[d.weekday()]}, {d.day:02d} {MON[d.month - 1]} {d.year} {d:%H:%M:%S} {sign}{o // 60:02d}{o % 60:02d}"


def asctime1(ms: int) -> str:
    d = EPOCH + timedelta(milliseconds=int(ms))
    return f"{DOW[d.weekday()]} {MON[d.month - 1]} {d.day:2d} {d:%H:%M:%S} {d.year}"


def want(rate: float, pool: int, floor: int = 2) -> int:
    """How many of a defect to plant in a chunk: a share of the pool, at least `floor`."""
    return min(pool, max(floor, int(round(rate * pool))))


class ChunkView:
    """Per chunk: a_* per application row, c_* per candidate row, iv / of / em event tables."""

    def __init__(self, w: World, sim: H.Sim, fmt, ci: int, inj: dict, seed: int):
        self.w, self.sim, self.ci, self.seed, self.as_of = w, sim, ci, seed, w.as_of
        c = sim.cols
        self.iv, self.of, self.em, self.mv = c["interviews"], c["offers"], c["emails"], c["moves"]
        self.n, self.N = sim.n_cand, sim.a_cand.size
        self.c_id = fmt.cand_id
        self.c_null = np.zeros(self.n, bool)
        self.c_null[inj["candidates"]] = True
        self.fn, self.ln, self.email, self.work_email = fmt.fn, fmt.ln, fmt.email, fmt.work_email
        self.phone = [p for p, _ in fmt.phone]
        self.phone_known = np.array([k for _, k in fmt.phone], bool)
        self.c_style = [OFFICES[w.job_office[j]][5] for j in sim.a_job[np.searchsorted(sim.a_cand, np.arange(self.n))]]
        self.a_id = fmt.app_id
        self.a_cand, self.a_job, self.a_src = sim.a_cand, sim.a_job, sim.a_src
        self.a_applied, self.a_status, self.a_pos, self.a_end = sim.a_applied, sim.a_status, sim.a_pos, sim.a_end
        self.a_tz = w.job_tz[sim.a_job]
        self.a_kind = w.job_kinds[sim.a_job, sim.a_pos]
        self.a_rec, self.a_coord = w.job_recruiter[sim.a_job], w.job_coord[sim.a_job]
        self.a_withdrawn = (sim.a_status == H.REJECTED) & ~WE_REJECTED[sim.a_reason]
        entered = sim.a_applied.copy()
        np.maximum.at(entered, self.mv["app"], self.mv["t"])
        self.a_entered = entered  # when the application entered its current stage
        self.a_latest = np.zeros(self.N, bool)  # the candidate's latest application (joins by address pick it)
        self.a_latest[np.r_[np.flatnonzero(np.diff(sim.a_cand)), self.N - 1]] = True
        bad = np.zeros(self.N, bool)  # rows the Greenhouse export spoilt on purpose: never plant on them
        bad[inj["cac"]] = True
        bad[list(inj["back"])] = True
        bad[inj["applications"]] = True
        bad |= self.c_null[sim.a_cand]
        self.a_clean = ~bad
        self.iv_id = fmt.iv_ids
        self.iv_eid = [event_id(seed, int(i)) for i in fmt.iv_ids]
        self.of_id = fmt.offer_ids
        self.em_id = fmt.email_ids
        self.em_future = np.zeros(self.em["t"].size, bool)
        self.em_future[inj["future"]] = True
        # the latest offer version of each application (its truth as the ATS holds it)
        self.a_offer = np.full(self.N, -1)
        order = np.lexsort((self.of["version"], self.of["app"]))
        self.a_offer[self.of["app"][order]] = order
        self.a_has_iv = np.zeros(self.N, bool)
        self.a_has_iv[self.iv["app"]] = True

    def person(self, c: int) -> str:
        return f"P{self.ci * CHUNK + int(c):08d}"

    def rng(self, stream: int) -> np.random.Generator:
        return np.random.default_rng([self.seed, 40 + stream, self.ci])

    def app_key(self, r: int) -> str:
        return str(int(self.a_id[r]))

    def offer(self, col: str, missing: int = -1) -> np.ndarray:
        """Per application: a column of its latest offer version (missing where it has none)."""
        if self.of["app"].size == 0:
            return np.full(self.N, missing, np.int64)
        return np.where(self.a_offer >= 0, self.of[col][np.maximum(self.a_offer, 0)], missing)

    def start_dates(self) -> np.ndarray:
        """Per application: the planned first day (ms, UTC midnight) of its latest offer, -1 without one."""
        out = np.full(self.N, -1, np.int64)
        has = self.a_offer >= 0
        out[has] = self.of["starts"][self.a_offer[has]] // DAY * DAY
        return out


def first_response(v: ChunkView) -> np.ndarray:
    """Per application: the ATS's first human response (a person's email, a stage move or a
    rejection after applying), BIG when none. Emails count for all the candidate's applications."""
    from .history import E_ACCEPT, E_ACK, E_REPLY, E_WITHDRAW

    fr = np.full(v.N, H.BIG, np.int64)
    e, m = v.em, v.mv
    human = ~np.isin(e["kind"], [E_ACK, E_REPLY, E_WITHDRAW, E_ACCEPT]) & ~v.em_future
    # an email reaches the candidate: it counts for each of their applications applied before it
    first = np.searchsorted(v.a_cand, np.arange(v.n))
    last = np.searchsorted(v.a_cand, np.arange(v.n), side="right")
    ce, te = v.a_cand[e["app"][human]], e["t"][human]
    cnt = last[ce] - first[ce]
    rows = np.repeat(first[ce], cnt) + np.arange(cnt.sum()) - np.repeat(np.cumsum(cnt) - cnt, cnt)
    tt = np.repeat(te, cnt)
    ok = v.a_applied[rows] <= tt
    np.minimum.at(fr, rows[ok], tt[ok])
    moved = m["pos"] > 0
    np.minimum.at(fr, m["app"][moved], m["t"][moved])
    rej = (v.a_status == H.REJECTED) & ~v.a_withdrawn
    fr[rej] = np.minimum(fr[rej], v.a_end[rej])
    return fr

