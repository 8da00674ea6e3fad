"""Vectorised simulation of one chunk of candidates and their hiring history.

A chunk is simulated from its own seeded generator, so the same chunk always yields the same
history. All times are int64 milliseconds since the epoch (UTC). The simulation walks every
application through its job's stage template one stage per iteration; each iteration draws a
fixed block of random numbers for *all* applications, which keeps the random stream identical
between the planning pass (horizon = as_of) and the export pass (horizon cut at job closure).
"""

from __future__ import annotations

import numpy as np

from .world import (AGENCY, AR, CAC, CLOSE_REASONS, DAY, DEPT_DWELL, DEPT_PASS, DEPT_RESP, F2F, HMR, HOUR, ID,
                    INTERNAL, MINUTE, OFFER, OFFER_DECLINE_REASONS, ONS, POSITION_FILLED, PPS, RC, REASON_BY_STAGE,
                    REFERRAL, SILENT_REASON, SOURCES, THT, TI, WINDOW_DAYS, WITHDRAW_REASONS, World, iso1)

ACTIVE, REJECTED, HIRED = 0, 1, 2
OF_UNRESOLVED, OF_ACCEPTED, OF_REJECTED, OF_DEPRECATED = 0, 1, 2, 3
# email kinds
(E_ACK, E_ADVANCE, E_REJECT, E_REPLY, E_INVITE, E_WITHDRAW, E_WD_ACK, E_OFFER, E_ACCEPT, E_CLOSED,
 E_RESCHEDULED) = range(11)
N_SCREEN, N_HM, N_DEBRIEF, N_OFFER = range(4)  # note kinds
BIG = np.int64(2**62)

# Scheduled interview slots per stage kind: (minutes, interviewer roles); role 0 recruiter,
# 1 hiring manager, 2 interviewer from the department pool.
SLOTS = {PPS: [(30, (0,))], TI: [(60, (2, 2))], F2F: [(45, (1,)), (30, (2,))],
         ONS: [(60, (2, 2)), (60, (1, 2)), (30, (2,))], CAC: [(30, (2,))]}
PLAIN_MED = {HMR: 2.5, THT: 5.0, RC: 3.0}   # median days in non-interview stages
PLAIN_SIG = {HMR: 0.9, THT: 0.5, RC: 0.6}
BASE_PASS = {AR: 0.40, PPS: 0.59, HMR: 0.56, CAC: 0.85, RC: 0.92}
WITHDRAW = {AR: 0.01, PPS: 0.13, HMR: 0.11, THT: 0.22, TI: 0.17, F2F: 0.17, ONS: 0.17, CAC: 0.1,
            RC: 0.4}
RESP_MED_H = 8.0     # raw first-response delay before snapping into working hours
NEVER_ANSWERED = 0.13


class Sim:
    """One simulated chunk. Applications (sorted by candidate, then applied_at) are parallel
    arrays a_cand (candidate index in the chunk), a_job, a_src, a_applied, a_status, a_pos
    (current stage position), a_end (rejected/hired time, -1), a_reason, a_horizon; `cols`
    holds the event tables (moves, emails, notes, interviews, offers) as dicts of columns."""

    def __init__(self, n_cand, a_cand, a_job, a_src, a_applied, a_status, a_pos, a_end,
                 a_reason, a_horizon, cols):
        self.n_cand, self.cols = n_cand, cols
        self.a_cand, self.a_job, self.a_src, self.a_applied = a_cand, a_job, a_src, a_applied
        self.a_status, self.a_pos, self.a_end = a_status, a_pos, a_end
        self.a_reason, self.a_horizon = a_reason, a_horizon


def lognorm(med, sig, z):
    return np.asarray(med * np.exp(sig * z))


def snap(t, tz, u):
    """Move human-action times into working hours (Mon-Fri 09:00-18:00 office time)."""
    local = t + tz
    day = np.floor_divide(local, DAY)
    ms = local - day * DAY
    dow = (day + 3) % 7  # 1970-01-01 was a Thursday; 0 = Monday
    weekday = dow < 5
    ok = weekday & (ms >= 9 * HOUR) & (ms < 18 * HOUR)
    before = weekday & (ms < 9 * HOUR)
    target = np.where(before, day, day + np.where(dow == 4, 3, np.where(dow == 5, 2, 1)))
    jitter = (-np.log1p(-u * 0.97) * 40 * MINUTE).astype(np.int64)
    return np.where(ok, t, target * DAY + 9 * HOUR + jitter - tz).astype(np.int64)


def _slot(t):
    """Round up to the next half hour (calendar slots)."""
    return -(-t // (30 * MINUTE)) * 30 * MINUTE


def _ms(x):
    return np.asarray(x, dtype=np.float64).astype(np.int64)


class _Events:
    """Column-wise append buffers for one event table."""

    def __init__(self, *names: str):
        self.names = names
        self.parts: list[tuple] = []

    def add(self, mask, *cols):
        idx = np.flatnonzero(mask)
        if idx.size:
            self.parts.append(tuple(np.broadcast_to(c, mask.shape)[idx] if np.ndim(c) else
                                    np.full(idx.size, c) for c in cols))

    def done(self) -> dict:
        if not self.parts:
            return {n: np.zeros(0, dtype=np.int64) for n in self.names}
        return {n: np.concatenate([p[i] for p in self.parts]) for i, n in enumerate(self.names)}


def _arrivals(w: World, rng, n: int):
    """Draw n application times (ms) and the job each one applies to."""
    d = np.arange(WINDOW_DAYS)
    dow = (np.floor_divide(w.start, DAY) + d + 3) % 7
    wt = (1 + 0.4 * d / WINDOW_DAYS) * np.array([1.15, 1.1, 1.05, 1.0, 0.9, 0.55, 0.65])[dow]
    day = rng.choice(WINDOW_DAYS, size=n, p=wt / wt.sum())
    u = rng.random(n)
    job = (w.day_cdf[day] < u[:, None]).sum(axis=1).clip(0, w.n_jobs - 1)
    hour = np.where(rng.random(n) < 0.85, rng.normal(14.5, 4.0, n), rng.uniform(0, 24, n)) % 24
    t = w.start + day * DAY + _ms(hour * HOUR) - w.job_tz[job]
    t = np.clip(t, w.job_opened[job] + 5 * MINUTE, None)
    t = np.where(t >= w.as_of, t - DAY, t)
    return t.astype(np.int64), job


def simulate(w: World, seed: int, chunk: int, n_cand: int, close: np.ndarray | None = None) -> Sim:
    rng = np.random.default_rng([seed, 1, chunk])
    as_of = w.as_of
    # --- candidates and their applications ------------------------------------------------
    t1, j1 = _arrivals(w, rng, n_cand)
    gap = _ms(lognorm(18 * DAY, 0.9, rng.standard_normal(n_cand)))
    t2 = t1 + gap
    day2 = np.clip(np.floor_divide(t2 - w.start, DAY), 0, WINDOW_DAYS - 1)
    j2 = (w.day_cdf[day2] < rng.random(n_cand)[:, None]).sum(axis=1).clip(0, w.n_jobs - 1)
    two = (rng.random(n_cand) < 0.14) & (t2 < as_of - HOUR) & (j2 != j1)
    two &= (w.job_opened[j2] < t2) & (t2 < w.job_post_end[j2])
    cand = np.concatenate([np.arange(n_cand), np.flatnonzero(two)])
    order = np.argsort(cand, kind="stable")
    cand = cand[order]
    job = np.concatenate([j1, j2[two]])[order]
    applied = np.concatenate([t1, t2[two]])[order]
    N = cand.size
    src_w = np.array([s[1] for s in SOURCES])
    src = rng.choice(len(SOURCES), size=N, p=src_w / src_w.sum())
    # --- per-application parameters --------------------------------------------------------
    dept = w.job_dept[job]
    tz = w.job_tz[job]
    kinds = w.job_kinds[job]
    rec, coord, hm = w.job_recruiter[job], w.job_coord[job], w.job_hm[job, 0]
    f_resp = w.resp_factor[rec] * DEPT_RESP[dept]
    f_dwell = w.dwell_factor[rec] * DEPT_DWELL[dept]
    src_ar = np.array([s[2] for s in SOURCES])[src]
    src_late = np.array([s[3] for s in SOURCES])[src]
    hz = np.full(N, as_of, dtype=np.int64) if close is None else np.minimum(as_of, close[job])
    closing = hz < as_of
    pre_u = rng.random((3, N))
    never = pre_u[0] < np.clip(NEVER_ANSWERED * np.sqrt(f_resp), 0, 0.35)
    ghost = never & (pre_u[1] < 0.5)
    pool = np.array([p for p in w.dept_interviewers])
    ar = np.arange(N)

    mv = _Events("app", "pos", "t", "user")
    em = _Events("app", "t", "kind")
    nt = _Events("app", "t", "kind", "user")
    iv = _Events("app", "pos", "step", "invite", "resched", "start", "end", "u1", "u2", "r1", "r2", "c1", "c2")
    of = _Events("app", "version", "created", "sent", "resolved", "updated", "status", "starts")
    mv.add(np.ones(N, bool), ar, 0, applied, -1)
    ack = applied + _ms(MINUTE + pre_u[2] * 9 * MINUTE)
    em.add(ack <= as_of, ar, ack, E_ACK)

    pos = np.zeros(N, dtype=np.int64)
    t_in = applied.copy()
    live = np.ones(N, bool)
    status = np.zeros(N, dtype=np.int8)
    end = np.full(N, -1, dtype=np.int64)
    reason = np.full(N, -1, dtype=np.int64)

    def nxt_of(p):
        q = np.minimum(p + 1, kinds.shape[1] - 1)
        return np.where(kinds[ar, q] == CAC, q + 1, q)

    for _ in range(kinds.shape[1] + 1):
        U = rng.random((16, N))
        Z = rng.standard_normal((8, N))
        Zc = rng.standard_normal((6, N))
        Uc = rng.random((12, N))
        k = kinds[ar, pos]
        act = live.copy()
        is_int = np.isin(k, list(SLOTS))
        # ---- pass probability ----
        base = np.select([k == AR, k == PPS, k == HMR, k == RC, np.isin(k, [THT, TI, F2F, ONS])],
                         [BASE_PASS[AR] * src_ar, BASE_PASS[PPS] * src_late, BASE_PASS[HMR] * src_late,
                          BASE_PASS[RC] * np.ones(N), w.job_int_pass[job] * src_late], 0.85)
        passes = (U[0] < np.clip(base * DEPT_PASS[dept], 0.02, 0.97)) & ~(never & (k == AR))
        wd_p = np.select([k == kk for kk in WITHDRAW], list(WITHDRAW.values()), 0.0)
        withdraw = ~passes & (U[1] < wd_p) & ~(never & (k == AR))
        early_wd = withdraw & is_int & (U[4] < 0.4)
        # ---- decision times per stage kind ----
        d_ar = snap(applied + _ms(lognorm(RESP_MED_H * HOUR * f_resp, 1.15, Z[0])), tz, U[5])
        bulk = snap(applied + _ms(lognorm(40 * DAY, 0.35, Z[0])), tz, U[5])
        d_ar = np.where(never, np.where(ghost, BIG, bulk), d_ar)
        invite = snap(t_in + _ms(np.clip(lognorm(16 * HOUR * np.sqrt(f_resp), 0.9, Z[1]), HOUR, 72 * HOUR)), tz, U[6])
        invite = np.where(invite - t_in > 72 * HOUR, snap(t_in + HOUR, tz, U[6]), invite)  # weekend in between
        start = _slot(snap(invite + _ms((2 + 8 * U[7]) * DAY), tz, U[8]))
        resched = U[3] < 0.12
        resched_t = snap(invite + _ms((start - invite) * (0.2 + 0.7 * U[9])), tz, U[10])
        start = np.where(resched, _slot(snap(start + _ms((1 + 4 * U[11]) * DAY), tz, U[12])), start)
        span = np.select([k == kk for kk in SLOTS], [sum(m for m, _ in s) + 15 * (len(s) - 1) for s in SLOTS.values()], 0)
        d_int = snap(start + span * MINUTE + _ms(lognorm(1.2 * DAY * f_dwell, 0.8, Z[3])), tz, U[13])
        d_early = snap(t_in + _ms(lognorm(2 * DAY, 0.7, Z[0])), tz, U[13])
        med = np.select([k == kk for kk in PLAIN_MED], list(PLAIN_MED.values()), 1.0)
        sig = np.select([k == kk for kk in PLAIN_SIG], list(PLAIN_SIG.values()), 0.5)
        d_plain = snap(t_in + _ms(lognorm(med * DAY * f_dwell, sig, Z[0])), tz, U[5])
        dec = np.select([k == AR, is_int & early_wd, is_int], [d_ar, d_early, d_int], d_plain)
        # ---- offers ----
        mo = act & (k == OFFER)
        created = snap(t_in + _ms(lognorm(0.7 * DAY, 0.6, Z[0])), tz, U[5])
        sent1 = snap(created + _ms(lognorm(0.4 * DAY, 0.8, Z[1])), tz, U[6])
        v2 = U[9] < 0.15
        v2c = snap(sent1 + _ms(lognorm(1.5 * DAY, 0.5, Z[3])), tz, U[7])
        v2s = snap(v2c + _ms(lognorm(0.3 * DAY, 0.7, Z[4])), tz, U[8])
        fsent = np.where(v2, v2s, sent1)
        decision = fsent + _ms(np.clip(lognorm(3 * DAY, 0.6, Z[5]), DAY, 10 * DAY))
        acc_p = np.clip(0.75 * np.where(src == REFERRAL, 1.12, np.where(src == AGENCY, 0.9, 1.0))
                        * np.where(dept == 1, 1.08, 1.0), 0, 0.97)  # referrals accept more, agencies less
        accept = U[0] < acc_p
        final = snap(decision + _ms(lognorm(np.where(accept, 3, 5) * HOUR, 0.7, Z[6])), tz, U[10])
        has_offer = mo & (created <= hz)
        has_v2 = has_offer & v2 & (v2c <= hz)
        decided = has_offer & (decision <= hz)
        st = np.where(decided, np.where(accept, OF_ACCEPTED, OF_REJECTED), np.where(closing, OF_DEPRECATED, OF_UNRESOLVED))
        starts = np.where(decided, decision, created + 30 * DAY) + _ms((14 + 28 * U[14]) * DAY)
        resolved = np.where(decided, decision, -1)
        upd1 = np.minimum(np.maximum.reduce([created, np.where(sent1 <= hz, sent1, 0), resolved + 900]), hz)
        upd2 = np.minimum(np.maximum.reduce([v2c, np.where(v2s <= hz, v2s, 0), resolved + 900]), hz)
        of.add(has_offer, ar, 1, created, np.where(sent1 <= hz, sent1, -1), np.where(has_v2, -1, resolved),
               np.where(has_v2, v2c, upd1), np.where(has_v2, OF_DEPRECATED, st), starts)
        of.add(has_v2, ar, 2, v2c, np.where(v2s <= hz, v2s, -1), resolved, upd2, st, starts)
        em.add(has_offer & (fsent <= hz), ar, fsent + _ms(U[15] * 20 * MINUTE), E_OFFER)
        em.add(decided & accept & (U[2] < 0.6), ar, decision, E_ACCEPT)
        off_done = mo & (final <= hz)
        nt.add(off_done & accept & (U[11] < 0.5), ar, final + 20 * MINUTE, N_OFFER, rec)
        # ---- outcomes ----
        ev = act & (k != OFFER)
        beyond = dec > hz
        moving = ev & passes & ~beyond
        failing = ev & ~passes & ~beyond
        stuck = (ev & beyond) | (mo & (final > hz))
        # interviews held in this stage (only those already over at the horizon are exported)
        held = ev & is_int & ~early_wd & (invite <= hz)
        em.add(held, ar, invite + _ms(U[15] * 10 * MINUTE), E_INVITE)
        em.add(held & resched & (resched_t <= hz), ar, resched_t + _ms(U[15] * 10 * MINUTE), E_RESCHEDULED)
        em.add(held & (U[2] < 0.4), ar, invite + _ms(lognorm(3 * HOUR, 1.0, Z[7]).clip(5 * MINUTE, 2 * DAY)), E_REPLY)
        for kk, slots in SLOTS.items():
            off = 0
            for s, (mins, roles) in enumerate(slots):
                s_start = start + off * MINUTE
                s_end = s_start + mins * MINUTE
                off += mins + 15
                m = held & (k == kk) & (s_end <= hz)
                users, cards, resp = [], [], []
                for r, role in enumerate(roles):
                    p = pool[dept, (Uc[2 * s + r] * pool.shape[1]).astype(int)]
                    if r == 1 and role == 2:
                        p = pool[dept, ((Uc[2 * s] * pool.shape[1]).astype(int) + 1  # a second, different one
                                        + (Uc[2 * s + r] * (pool.shape[1] - 1)).astype(int)) % pool.shape[1]]
                    users.append((rec, hm, p)[role])
                    lag = lognorm(5 * HOUR, 1.1, Zc[2 * s + r]) + (Uc[6 + 2 * s + r] < 0.1) * 3 * DAY
                    card = s_end + _ms(lag)
                    cards.append(np.where((card <= as_of) & (Uc[6 + 2 * s + r] > 0.03), card, -1))
                    resp.append(np.select([Uc[2 * s + r] * 7 % 1 < q for q in (0.01, 0.06, 0.12)], [3, 2, 1], 0))
                while len(users) < 2:
                    users.append(-1), cards.append(-1), resp.append(-1)
                iv.add(m, ar, pos, s, invite, np.where(resched, resched_t, -1), s_start, s_end, *users, *resp, *cards)
        # moves
        nxt = nxt_of(pos)
        skip_ar = (k == AR) & np.isin(src, [REFERRAL, INTERNAL]) & (U[2] < 0.3)
        nn = nxt_of(nxt)
        nn_int = np.isin(kinds[ar, np.minimum(nn, kinds.shape[1] - 1)], [THT, TI, F2F, ONS])
        skip = skip_ar | ((k == PPS) & (U[2] < 0.12) & nn_int) | (np.isin(k, [THT, TI, F2F, ONS]) & nn_int & (U[2] < 0.08))
        nxt = np.where(skip, nn, nxt)
        to_int = np.isin(kinds[ar, nxt], [THT, TI, F2F, ONS])
        mover = np.where(to_int & (U[12] < 0.5), coord, np.where(to_int & (k == HMR), hm, rec))
        mv.add(moving, ar, nxt, dec, mover)
        first = moving & (k == AR)
        em.add(first, ar, dec + _ms(U[15] * 3 * MINUTE), E_ADVANCE)
        em.add(first & (U[14] < 0.7), ar, dec + _ms(lognorm(4 * HOUR, 1.0, Z[7]).clip(2 * MINUTE, 4 * DAY)), E_REPLY)
        decided_stage = moving | failing
        nt.add(decided_stage & (k == PPS) & (U[11] < 0.8), ar, dec - _ms(U[14] * HOUR), N_SCREEN, rec)
        nt.add(decided_stage & (k == HMR) & (U[11] < 0.5), ar, dec - _ms(U[14] * HOUR), N_HM, hm)
        nt.add(decided_stage & is_int & (k != PPS) & ~early_wd & (U[11] < 0.4), ar, dec - _ms(U[14] * HOUR), N_DEBRIEF, hm)
        # rejections and withdrawals
        wd = failing & withdraw
        ours = failing & ~withdraw
        pick = lambda opts: np.asarray(opts)[(U[8] * len(opts)).astype(int)]  # noqa: E731
        r_stage = np.select([k == kk for kk in REASON_BY_STAGE], [pick(v) for v in REASON_BY_STAGE.values()], 0)
        r_ours = np.where(never, np.where(U[8] < 0.5, SILENT_REASON, 0), r_stage)
        em.add(ours & ~never & ((k == AR) | (U[14] < 0.85)), ar, dec + _ms(U[15] * 5 * MINUTE), E_REJECT)
        em.add(wd, ar, np.maximum(t_in + MINUTE, dec - _ms(lognorm(10 * HOUR, 0.8, Z[7]))), E_WITHDRAW)
        em.add(wd & (U[14] < 0.6), ar, dec + _ms(U[15] * 30 * MINUTE), E_WD_ACK)
        ended = failing | off_done
        status[failing] = REJECTED
        status[off_done] = np.where(accept, HIRED, REJECTED)[off_done]
        end = np.where(failing, dec, np.where(off_done, final, end))
        reason = np.where(wd, pick(WITHDRAW_REASONS), np.where(ours, r_ours, reason))
        reason = np.where(off_done & ~accept, pick(OFFER_DECLINE_REASONS), reason)
        # truncated by the horizon: still active at as_of, or rejected when the job closed
        cut = stuck & closing
        cut_t = np.minimum(snap(hz + _ms(lognorm(6 * HOUR, 0.8, Z[2])), tz, U[9]), as_of - MINUTE)
        cut_t = np.maximum(cut_t, t_in + MINUTE)
        status[cut] = REJECTED
        end = np.where(cut, cut_t, end)
        reason = np.where(cut, POSITION_FILLED, reason)
        em.add(cut & (U[14] < 0.7), ar, cut_t + _ms(U[15] * 5 * MINUTE), E_CLOSED)
        live &= ~(ended | stuck)
        pos = np.where(moving, nxt, pos)
        t_in = np.where(moving, dec, t_in)

    cols = {"moves": mv.done(), "emails": em.done(), "notes": nt.done(), "interviews": iv.done(), "offers": of.done()}
    e = cols["emails"]
    keep = e["t"] <= as_of
    cols["emails"] = {n: a[keep] for n, a in e.items()}
    return Sim(n_cand, cand, job, src, applied, status, pos, end, reason, hz, cols)


def hires(sim: Sim) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(local application row, job, hire time) of every hired application."""
    rows = np.flatnonzero(sim.a_status == HIRED)
    return rows, sim.a_job[rows], sim.a_end[rows]


def _pick(rng, rows: np.ndarray, n: int) -> np.ndarray:
    n = max(0, min(n, rows.size))
    return np.sort(rng.choice(rows, size=n, replace=False)) if n else rows[:0]


def inject_defects(sim: Sim, w: World, rng, want: dict) -> dict:
    """Plant this chunk's share of the deliberate defects; mutates sim, returns what it did."""
    as_of, c = w.as_of, sim.cols
    last = sim.a_applied.copy()
    for tab, col in (("moves", "t"), ("interviews", "end"), ("notes", "t"), ("emails", "t"),
                     ("offers", "updated")):
        np.maximum.at(last, c[tab]["app"], c[tab][col])
    k_now = w.job_kinds[sim.a_job, sim.a_pos]
    # unmapped stage: move active applications of the two jobs into "Culture Add Chat"
    ok = np.isin(sim.a_job, w.cac_jobs) & (sim.a_status == ACTIVE) & (k_now != OFFER)
    ok &= last < as_of - 12 * HOUR
    rows = np.flatnonzero(ok)
    pref = np.where(np.isin(k_now[rows], [PPS, HMR]), 0, np.where(k_now[rows] == AR, 1, 2))
    rows = np.sort(rows[np.lexsort((rng.random(rows.size), pref))][:max(0, want["cac"])])
    cac_pos = np.argmax(w.job_kinds[sim.a_job[rows]] == CAC, axis=1)
    lo = np.maximum(last[rows], w.cac_created) + HOUR
    t = snap(lo + _ms((as_of - 2 * HOUR - lo) * 0.8 * rng.random(rows.size)),
             w.job_tz[sim.a_job[rows]], rng.random(rows.size))
    t = np.where(t < as_of - MINUTE, t, lo)
    add = {"app": rows, "pos": cac_pos, "t": t, "user": w.job_recruiter[sim.a_job[rows]]}
    c["moves"] = {k: np.concatenate([v, add[k].astype(v.dtype)]) for k, v in c["moves"].items()}
    sim.a_pos[rows] = cac_pos
    # backwards timestamps: the "hired" history row predates the move into Offer
    hired = _pick(rng, np.flatnonzero(sim.a_status == HIRED), want["back"])
    m = c["moves"]
    offer_pos = w.job_nst[sim.a_job] - 1
    back = {}
    for r in hired:
        sel = (m["app"] == r) & (m["pos"] == offer_pos[r])
        back[int(r)] = int(m["t"][sel].min() - _ms(lognorm(2 * DAY, 0.5, rng.standard_normal())))
    # future timestamps: two recruiter emails dated three days after as_of
    e = c["emails"]
    fut = _pick(rng, np.flatnonzero(np.isin(e["kind"], [E_ADVANCE, E_REJECT])), want["future"])
    e["t"][fut] = as_of + 3 * DAY + _ms((9 + 8 * rng.random(fut.size)) * HOUR)
    # missing ids
    taken = np.concatenate([rows, hired])
    free = np.setdiff1d(np.arange(sim.a_cand.size), taken)
    free_c = np.setdiff1d(np.arange(sim.n_cand), sim.a_cand[taken])
    return {"cac": rows, "back": back, "future": fut,
            "candidates": _pick(rng, free_c, want["candidates"]),
            "applications": _pick(rng, free, want["applications"]),
            "offers": _pick(rng, np.arange(c["offers"]["app"].size), want["offers"])}


def plan_jobs(w: World, hires: list[tuple], seed: int) -> dict:
    """Close jobs whose posting ended once their hires are in; build every job's openings.

    hires: per chunk (job, hire time, application id) arrays from the planning pass. Each hire
    fills one opening (in hire-time order); open jobs keep one or two unfilled openings.
    """
    rng = np.random.default_rng([seed, 5])
    parts = list(zip(*hires)) if hires else [[np.zeros(0, np.int64)]] * 3
    job, t, app = (np.concatenate(x) for x in parts)
    close = np.full(w.n_jobs, BIG)
    plan = {"close": close, "hires": {}, "openings": [], "hire_times": []}
    u = rng.random((2, w.n_jobs))
    for j in range(w.n_jobs):
        sel = np.flatnonzero(job == j)
        sel = sel[np.lexsort((app[sel], t[sel]))]
        ht, ha = t[sel], app[sel]
        if ht.size and w.job_post_end[j] < w.as_of:
            c = max(int(ht[-1]), int(w.job_post_end[j])) + int((1 + 4 * u[0, j]) * DAY)
            c = int(snap(np.array([c]), w.job_tz[j:j + 1], u[1, j:j + 1])[0])
            if c < w.as_of - 2 * DAY:
                close[j] = c
        extra = 0 if close[j] < 2**62 else 1 + int(u[1, j] < 0.3)
        ops = []
        for k in range(ht.size + extra):
            filled = k < ht.size
            ops.append({"id": ID["opening"] + j * 100_000 + k, "opening_id": f"{j + 1}-{k + 1}",
                        "status": "closed" if filled else "open",
                        "opened_at": iso1(int(w.job_opened[j]) + k * 137),
                        "closed_at": iso1(int(ht[k])) if filled else None,
                        "application_id": int(ha[k]) if filled else None,
                        "close_reason": {"id": ID["close_reason"], "name": CLOSE_REASONS[0]}
                        if filled else None})
            if filled:
                plan["hires"][int(ha[k])] = k
        plan["openings"].append(ops)
        plan["hire_times"].append(ht)
    return plan
