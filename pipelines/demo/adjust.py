"""Changes to a chunk's Greenhouse history that real stacks carry, planted before it is written.

- backward_move: a recruiter moves an application back one stage (another screen, a mistake in
  the order) and forward again later; the first entry of every stage is unchanged.
- reverted_move: an application is moved one stage too far by mistake and moved back within
  hours; the mistaken stage keeps its (wrong) first entry.
- late update (mismatch ats_stage_update_late): the move into the first interviewing stage is
  recorded only after that stage's interviews took place.
Applications spoilt by the export's own defects are never used. Nothing here draws from the
history's random streams, so the rest of the export is unchanged.
"""

from __future__ import annotations

import numpy as np

from .history import Sim, snap
from .people import want
from .world import CAC, DAY, HOUR, ID, MINUTE, OFFER, ONS, RC, STAGE_NAMES, TI, THT, F2F, World

INTERVIEWING = [THT, TI, F2F, ONS, RC]
RATES = {"backward_move": 0.004, "reverted_move": 0.004, "ats_stage_update_late": 0.003}


def _next_pos(kinds: np.ndarray, pos: np.ndarray) -> np.ndarray:
    q = np.minimum(pos + 1, kinds.shape[1] - 1)
    q = np.where(kinds[np.arange(pos.size), q] == CAC, q + 1, q)
    return np.minimum(q, kinds.shape[1] - 1)


def adjust(sim: Sim, w: World, rng: np.random.Generator, app_off: int, inj: dict) -> tuple[list, list]:
    """Plant corrections and late moves in sim.cols["moves"]; return (corrections, mismatches)
    as rows (application_id, kind, at_ms, detail) and (type, application_id, systems, detail)."""
    m = sim.cols["moves"]
    n_app = sim.a_cand.size
    clean = np.ones(n_app, bool)
    for key in ("cac", "applications"):
        clean[inj[key]] = False
    clean[list(inj["back"])] = False
    clean[np.isin(sim.a_cand, inj["candidates"])] = False  # their candidate record is quarantined
    o = np.lexsort((m["t"], m["app"]))
    app, pos, t = m["app"][o], m["pos"][o], m["t"][o]
    same_next = np.r_[app[1:] == app[:-1], False]
    end_t = np.where(sim.a_end >= 0, sim.a_end, w.as_of - MINUTE)
    nxt_t = np.where(same_next, np.r_[t[1:], 0], end_t[app])
    k_in = np.arange(app.size) - np.searchsorted(app, app)  # move number within its application
    prev_pos = np.r_[-1, pos[:-1]]
    job = sim.a_job[app]
    kinds = w.job_kinds[job]
    kind = kinds[np.arange(app.size), pos]
    tz = w.job_tz[job]
    gap = nxt_t - t
    ok = clean[app] & (kind != CAC) & (kind != OFFER) & (gap >= DAY) & (nxt_t <= w.as_of)
    used = np.zeros(n_app, bool)
    corrections, mismatches, add = [], [], []
    names = lambda s: STAGE_NAMES[int(kinds[s, pos[s]])]  # noqa: E731
    aid = lambda s: int(ID["application"] + app_off + app[s])  # noqa: E731

    def choose(mask, rate):
        rows = np.flatnonzero(mask & ~used[app])
        rows = rows[np.unique(app[rows], return_index=True)[1]]  # one move per application
        n = min(rows.size, want(rate, n_app, 1))  # a share of the chunk's applications
        pick = np.sort(rng.choice(rows, size=n, replace=False)) if n else rows[:0]
        used[app[pick]] = True
        return pick.tolist()

    def timed(lo, hi, s, u):
        """A working-hours time between lo and hi (plain if snapping would leave the window)."""
        raw = int(lo + (hi - lo) * u)
        at = int(snap(np.array([raw]), tz[s:s + 1], rng.random(1))[0])
        return at if lo < at < hi else raw

    # backward move and re-advance
    for s in choose(ok & (k_in >= 2) & (prev_pos > 0), RATES["backward_move"]):
        back = timed(t[s], t[s] + gap[s] * 0.5, s, rng.uniform(0.2, 0.8))
        again = timed(back + HOUR, nxt_t[s] - MINUTE, s, rng.uniform(0.2, 0.7))
        user = int(w.job_recruiter[job[s]])
        add += [(app[s], prev_pos[s], back, user), (app[s], pos[s], again, user)]
        frm, to = names(s), STAGE_NAMES[int(kinds[s, prev_pos[s]])]
        corrections.append((aid(s), "backward_move", back, f"{frm} -> {to}, back to {frm} later"))
    # a move one stage too far, reverted within hours
    nxt = _next_pos(kinds, pos)
    nxt_kind = kinds[np.arange(app.size), nxt]
    for s in choose(ok & (k_in >= 1) & (nxt > pos) & (nxt_kind != OFFER) & (nxt_kind != CAC) & (nxt_kind >= 0),
                    RATES["reverted_move"]):
        wrong = timed(t[s], t[s] + gap[s] * 0.6, s, rng.uniform(0.1, 0.9))
        back = wrong + int(rng.uniform(10 * MINUTE, 4 * HOUR))
        if back >= nxt_t[s]:
            continue
        user = int(w.job_recruiter[job[s]])
        add += [(app[s], nxt[s], wrong, user), (app[s], pos[s], back, user)]
        corrections.append((aid(s), "reverted_move", back,
                            f"{names(s)} -> {STAGE_NAMES[int(nxt_kind[s])]} by mistake, reverted after "
                            f"{(back - wrong) / HOUR:.1f} h"))
    # the move into the first interviewing stage recorded after its interviews
    iv = sim.cols["interviews"]
    iv_end, iv_start = {}, {}
    for a, p, st, en in zip(iv["app"].tolist(), iv["pos"].tolist(), iv["start"].tolist(), iv["end"].tolist()):
        iv_end[(a, p)] = max(iv_end.get((a, p), 0), en)
        iv_start[(a, p)] = min(iv_start.get((a, p), 2**62), st)
    earlier = np.zeros(app.size, bool)  # an earlier move of the application into an interviewing stage
    seen = np.isin(kind, INTERVIEWING)
    for s in range(1, app.size):
        earlier[s] = app[s] == app[s - 1] and (earlier[s - 1] or seen[s - 1])
    has = np.array([(a, p) in iv_end for a, p in zip(app.tolist(), pos.tolist())], bool)
    late_ok = clean[app] & ~used[app] & np.isin(kind, [TI, F2F, ONS]) & ~earlier & has & (nxt_t <= w.as_of)
    for s in choose(late_ok, RATES["ats_stage_update_late"]):
        key = (int(app[s]), int(pos[s]))
        if nxt_t[s] - iv_end[key] < 2 * HOUR:
            used[app[s]] = False
            continue
        late = timed(iv_end[key], nxt_t[s] - HOUR, s, rng.uniform(0.3, 0.8))
        m["t"][o[s]] = late
        mismatches.append(("ats_stage_update_late", aid(s), "greenhouse|calendar",
                           f"moved into {names(s)} {(late - iv_start[key]) / DAY:.1f} days after its first interview"))
    if add:
        cols = list(zip(*add))
        m2 = {"app": cols[0], "pos": cols[1], "t": cols[2], "user": cols[3]}
        sim.cols["moves"] = {k: np.concatenate([v, np.asarray(m2[k], dtype=v.dtype)]) for k, v in m.items()}
    return corrections, mismatches
