"""Static reference data for the demo company: users, departments, offices, sources, jobs.

Everything here is small (hundreds of rows) and derived from the seed, so both generation
passes (and every chunk) see the same world.
"""

from __future__ import annotations

import unicodedata

import numpy as np

from pipelines.stages import load_stage_map

DAY = 86_400_000
HOUR = 3_600_000
MINUTE = 60_000
WINDOW_DAYS = 182  # 26 weeks of hiring history before as_of

COMPANY = "Acme Analytics"
DOMAIN = "acme.example"  # the organisation domain of data/stagetruth.toml ([organisation] domains)

# Id ranges, one per object type (Greenhouse-style large integers, never overlapping).
ID = {
    "user": 4_100_000_000, "department": 4_010_000_000, "office": 4_020_000_000,
    "source": 4_030_000_000, "rejection_reason": 4_040_000_000, "close_reason": 4_050_000_000,
    "reason_type": 4_060_000_000, "job": 4_200_000_000, "job_post": 4_210_000_000,
    "opening": 4_300_000_000, "offer": 4_400_000_000, "job_stage": 5_200_000_000,
    "interview_step": 5_600_000_000, "interview_kit": 5_700_000_000, "scorecard": 9_600_000_000,
    "candidate": 17_000_000_000, "application": 19_000_000_000, "email": 21_000_000_000,
    "note": 23_000_000_000, "scheduled_interview": 40_000_000_000, "activity": 94_000_000_000,
}

# Stage kinds. Order inside a template is always the order below (CAC sits after HMR).
AR, PPS, HMR, THT, TI, F2F, ONS, CAC, RC, OFFER = range(10)
STAGE_NAMES = ["Application Review", "Preliminary Phone Screen", "Hiring Manager Review",
               "Take Home Test", "Technical Interview", "Face to Face", "Onsite Interview",
               "Culture Add Chat", "Reference Check", "Offer"]
UNMAPPED_STAGE = "Culture Add Chat"
INTERVIEW_KINDS = (THT, TI, F2F, ONS)
# Interview steps per stage kind: (name, schedulable, minutes).
STEPS = {
    AR: [("Application Review", False, 1)], PPS: [("Preliminary Screening Call", True, 30)],
    HMR: [("Hiring Manager Review", False, 15)], THT: [("Take Home Test", False, 120)],
    TI: [("Technical Interview", True, 60)],
    F2F: [("Hiring Manager Interview", True, 45), ("Culture Fit Interview", True, 30)],
    ONS: [("Panel Interview", True, 60), ("Case Study Presentation", True, 60),
          ("Executive Interview", True, 30)],
    CAC: [("Culture Add Chat", True, 30)], RC: [("Reference Check", False, 30)], OFFER: [],
}
S_MAX = 9  # longest template: AR PPS HMR + 3 interview stages + CAC + RC + OFFER

DEPARTMENTS = ["Engineering", "Sales", "Customer Success", "Marketing", "Finance", "People"]
DEPT_SHARE = [0.40, 0.20, 0.13, 0.10, 0.09, 0.08]
DEPT_CODE = ["ENG", "SAL", "CS", "MKT", "FIN", "PPL"]
DEPT_RECRUITERS = [3, 1, 1, 1, 1, 1]
DEPT_RESP = np.array([1.0, 0.8, 2.4, 1.1, 1.3, 0.9])    # first-response time multiplier (Customer Success: slow)
DEPT_DWELL = np.array([1.0, 0.85, 1.8, 1.0, 1.2, 1.0])  # time-in-stage multiplier
DEPT_PASS = np.array([0.95, 1.1, 1.0, 1.0, 1.05, 1.0])
TITLES = [
    ["Backend Engineer", "Frontend Engineer", "Senior Backend Engineer", "Data Engineer",
     "Site Reliability Engineer", "Engineering Manager", "iOS Engineer", "QA Engineer",
     "Machine Learning Engineer", "Staff Engineer", "Security Engineer", "Platform Engineer"],
    ["Account Executive", "Sales Development Representative", "Enterprise Account Executive",
     "Sales Engineer", "Sales Manager", "Partnerships Manager"],
    ["Customer Success Manager", "Support Engineer", "Implementation Consultant",
     "Technical Account Manager", "Support Team Lead"],
    ["Product Marketing Manager", "Content Marketing Manager", "Growth Marketing Manager",
     "Marketing Operations Specialist", "Brand Designer"],
    ["Financial Analyst", "Senior Accountant", "FP&A Manager", "Payroll Specialist",
     "Revenue Accountant"],
    ["Technical Recruiter", "People Partner", "Talent Sourcer", "People Operations Coordinator",
     "Learning & Development Lead"],
]
# name, location, utc offset (hours, no DST), country, address city line, phone style
OFFICES = [
    ("New York", "New York, NY, United States", -5, "United States", "New York, NY 10013", "us"),
    ("London", "London, United Kingdom", 0, "United Kingdom", "London EC1V 9HX", "uk"),
    ("Berlin", "Berlin, Germany", 1, "Germany", "10115 Berlin", "de"),
    ("Austin", "Austin, TX, United States", -6, "United States", "Austin, TX 78701", "us"),
    ("Remote - US", "Remote, United States", -6, "United States", "Denver, CO 80202", "us"),
]
OFFICE_SHARE = [0.30, 0.22, 0.15, 0.13, 0.20]
# name, weight, pass multiplier at Application Review, later-stage multiplier, source type
SOURCES = [
    ("LinkedIn", 0.30, 1.0, 1.0, "Prospecting"), ("Indeed", 0.21, 0.65, 0.95, "Job Board"),
    ("Company Website", 0.20, 0.95, 1.0, "Company Marketing"),
    ("Referral", 0.10, 1.8, 1.15, "Referral"), ("ZipRecruiter", 0.08, 0.8, 0.95, "Job Board"),
    ("Agency", 0.07, 1.45, 1.0, "Agencies"), ("Internal Applicant", 0.04, 2.0, 1.2, "Internal"),
]
REFERRAL, AGENCY, INTERNAL = 3, 5, 6
REASON_TYPES = ["We rejected them", "They rejected us", "None specified"]
# (name, type index); the code picks reasons by index ranges defined below.
REJECTION_REASONS = [
    ("Lacking skill(s)/qualification(s)", 0), ("Not enough relevant experience", 0),
    ("Location / work authorization", 0), ("Salary expectations too high", 0),
    ("Communication skills", 0), ("Did not pass technical assessment", 0),
    ("Another candidate was a stronger fit", 0), ("Culture / values misalignment", 0),
    ("Negative reference", 0), ("Position filled", 0), ("Hired another candidate", 0),
    ("Accepted another offer", 1), ("Compensation", 1), ("No longer interested", 1),
    ("Relocation", 1), ("Unresponsive", 1), ("Offer declined", 1), ("Other", 2),
]
REASON_BY_STAGE = {  # we-rejected reasons per stage kind
    AR: [0, 1, 2], PPS: [3, 4, 0, 1], HMR: [1, 0, 6], THT: [5], TI: [5, 6], F2F: [6, 7],
    ONS: [6, 7, 5], CAC: [7], RC: [8], OFFER: [10],
}
WITHDRAW_REASONS = [11, 12, 13, 14, 15]
OFFER_DECLINE_REASONS = [16, 11, 12]
POSITION_FILLED, SILENT_REASON = 9, 17
CLOSE_REASONS = ["Hired", "Backfill", "Position cancelled"]

FIRST = ("James Mary Priya Wei Olga Tomás Aisha Lukas Sofia Mateo Hannah Kwame Yuki Noah Emma "
         "Liam Chloe Arjun Fatima Diego Elena Jonas Amara Ravi Zoe Ahmed Ines Marco Leila Oliver "
         "Grace Daniel Mei Samuel Clara Ethan Nadia Felix Laura Omar Julia Tariq Ana Henrik Sara "
         "Kofi Lea Victor Maya Hugo Nora Pedro Alice Ibrahim Eva Jin Rosa Max Layla Ben Tara "
         "Andrei Lucy Musa Freya Carlos Hana Jack Ada Yusuf Emily Paulo Ingrid Sean Divya Theo "
         "Chiara Kai Naomi Luis Ruth Dmitri Ama Ryan Lina Oscar Keiko Adam Elif Finn Zara Tom "
         "Camila Ali Nina Leo Esther Jamal Mia").split()
LAST = ("Smith Johnson Patel Chen Nguyen Müller Garcia Okafor Kowalski Rossi Silva Kim Tanaka "
        "Schmidt Brown Williams Jones Singh Ahmed Lopez Martin Fischer Weber Haddad Novak Costa "
        "Ivanova Dubois Jensen Andersson O'Brien Murphy Hughes Khan Mensah Sato Park Yilmaz "
        "Fernandez Romero Becker Wagner Hoffmann Kumar Sharma Das Ali Hassan Cohen Levi Moreau "
        "Laurent Bianchi Ricci Santos Pereira Oliveira Nakamura Zhang Wang Li Liu Taylor Wilson "
        "Davies Evans Thomas Roberts Walker Wright Thompson White Green Hall Clarke Baker Lee "
        "Adeyemi Boateng Eriksen Nielsen Virtanen Horvath Popescu Petrov Sokolov Vandenberg "
        "DeVries Jansen Byrne Walsh Gallagher Reyes Cruz Morales Ortiz").split()
EMPLOYERS = ["Bluefin Systems", "Cobalt Retail Group", "Harbor Logistics", "Quarry Labs",
             "Meridian Health", "Juniper Bank", "Atlas Freight", "Lumen Media", "Sable Software",
             "Orchid Insurance", "Pinecrest Consulting", "Vantage Analytics", "Kestrel Energy",
             "Northstar Telecom", "Redwood Fintech", "Tidewater Foods", "Granite Cloud",
             "Summit Learning", "Copperleaf Games", "Beacon Travel", "Ironbridge Capital",
             "Willow Robotics", "Saffron Hospitality", "Crescent Pharma", "Elmstreet Studios"]


def user_obj(first: str, last: str, uid: int, emp: str | None) -> dict:
    return {"id": uid, "first_name": first, "last_name": last, "name": f"{first} {last}",
            "employee_id": emp}


class World:
    """The company. Times are ms since the epoch; user references are indexes into `users`.

    Per job (arrays indexed by job index): job_name, job_dept, job_office, job_tz (office UTC
    offset, ms), job_weight (popularity), job_created, job_opened, job_post_end (posting taken
    down; as_of if still live), job_recruiter, job_recruiter2 (-1 none), job_coord, job_hm
    (n_jobs x 2, -1 padded), job_sourcer, job_kinds (n_jobs x S_MAX stage kinds, -1 padded),
    job_nst (stages), job_int_pass (pass rate per interview stage), job_confidential,
    job_salary. Per user: resp_factor / dwell_factor (speed). day_cdf: per window day, the
    cumulative choice distribution over jobs whose posting is live that day.
    """

    def __init__(self, as_of: int):
        self.as_of, self.start = as_of, as_of - WINDOW_DAYS * DAY
        self.users: list[dict] = []
        self.user_email: list[str] = []
        self.recruiters: list[int] = []
        self.dept_recruiters: list[list[int]] = []
        self.dept_coords: list[list[int]] = []
        self.dept_hms: list[list[int]] = []
        self.dept_interviewers: list[list[int]] = []
        self.job_name: list[str] = []
        self.job_salary: list[tuple[int, int, str]] = []


def _scaled(base: int, candidates: int) -> int:
    return base if candidates <= 3000 else int(round(base * (candidates / 3000) ** 0.35))


def build_world(seed: int, as_of: int, candidates: int) -> World:
    rng = np.random.default_rng([seed, 0xC0FFEE])
    valid = load_stage_map("greenhouse").stages
    if any((name in valid) == (kind == CAC) for kind, name in enumerate(STAGE_NAMES)):
        raise ValueError(f"the stage map must map every demo stage except {UNMAPPED_STAGE!r}: {sorted(valid)}")
    w = World(as_of)
    used: set[str] = set()

    def new_user(role_speed: float = 1.0) -> int:
        while True:
            first, last = rng.choice(FIRST), rng.choice(LAST)
            if f"{first} {last}" not in used:
                break
        used.add(f"{first} {last}")
        idx = len(w.users)
        emp = None if rng.random() < 0.1 else f"E{10000 + idx * 7 + int(rng.integers(0, 7))}"
        w.users.append(user_obj(str(first), str(last), ID["user"] + idx, emp))
        slug = unicodedata.normalize("NFKD", f"{first}.{last}").encode("ascii", "ignore").decode()  # mail needs ASCII
        slug = slug.lower().replace(" ", "").replace("'", "")
        w.user_email.append(f"{slug}@{DOMAIN}")
        speeds.append(role_speed)
        return idx

    speeds: list[float] = []
    nd = len(DEPARTMENTS)
    for d in range(nd):
        recs = [new_user(float(np.exp(rng.normal(0, 0.35)))) for _ in range(_scaled(DEPT_RECRUITERS[d], candidates))]
        w.dept_recruiters.append(recs)
        w.recruiters.extend(recs)
    # one conspicuously fast and one conspicuously slow recruiter (both in Engineering)
    speeds[w.dept_recruiters[0][0]] = 0.55
    speeds[w.dept_recruiters[0][-1]] = 1.9
    coords = [new_user() for _ in range(_scaled(4, candidates))]
    for d in range(nd):
        w.dept_coords.append([coords[(d + k) % len(coords)] for k in range(2)])
        w.dept_hms.append([new_user() for _ in range(_scaled(2, candidates))])
        w.dept_interviewers.append([new_user() for _ in range(_scaled(3, candidates))])
    w.sourcers = [new_user() for _ in range(3)]
    w.resp_factor = np.array(speeds)
    w.dwell_factor = np.sqrt(w.resp_factor)

    n = w.n_jobs = _scaled(60, candidates)
    dept = rng.choice(nd, size=n, p=DEPT_SHARE)
    dept[:nd] = np.arange(nd)  # every department hires
    w.job_dept = dept
    w.job_office = rng.choice(len(OFFICES), size=n, p=OFFICE_SHARE)
    w.job_tz = np.array([OFFICES[o][2] * HOUR for o in w.job_office], dtype=np.int64)
    w.job_weight = rng.lognormal(0.0, 0.75, size=n)
    evergreen = rng.random(n) < 0.25
    evergreen[:5] = True
    opened_day = np.where(evergreen, -rng.integers(7, 150, size=n), rng.integers(0, WINDOW_DAYS - 21, size=n))
    w.job_opened = w.start + opened_day * DAY + rng.integers(14 * HOUR, 17 * HOUR, size=n)
    w.job_created = w.job_opened - rng.integers(1 * HOUR, 12 * DAY, size=n)
    post_len = rng.integers(50, 130, size=n) * DAY
    ends = (rng.random(n) < 0.4) & ~np.isin(np.arange(n), np.arange(5))
    end_t = w.job_opened + post_len
    ends &= end_t < as_of - 10 * DAY
    w.job_post_end = np.where(ends, end_t, as_of)
    w.job_confidential = rng.random(n) < 0.05

    counts: dict[str, int] = {}
    for j in range(n):
        title = TITLES[dept[j]][int(rng.integers(0, len(TITLES[dept[j]])))]
        key = f"{title}|{w.job_office[j]}"
        counts[key] = counts.get(key, 0) + 1
        name = f"{title} ({OFFICES[w.job_office[j]][0]})"
        if counts[key] > 1:
            name = f"{name} #{counts[key]}"
        w.job_name.append(name)
        lo = int(rng.integers(45, 140)) * 1000
        w.job_salary.append((lo, lo + int(rng.integers(15, 50)) * 1000, ["USD", "GBP", "EUR", "USD", "USD"][w.job_office[j]]))

    pick = lambda pool: pool[int(rng.integers(0, len(pool)))]  # noqa: E731
    w.job_recruiter = np.array([pick(w.dept_recruiters[d]) for d in dept])
    w.job_recruiter2 = np.array([pick(w.recruiters) if rng.random() < 0.3 else -1 for _ in dept])
    w.job_recruiter2 = np.where(w.job_recruiter2 == w.job_recruiter, -1, w.job_recruiter2)
    w.job_coord = np.array([pick(w.dept_coords[d]) for d in dept])
    w.job_hm = np.full((n, 2), -1)
    for j in range(n):
        hms = w.dept_hms[dept[j]]
        w.job_hm[j, 0] = pick(hms)
        if rng.random() < 0.3 and len(hms) > 1:
            w.job_hm[j, 1] = [h for h in hms if h != w.job_hm[j, 0]][0]
    w.job_sourcer = np.array([pick(w.sourcers) if rng.random() < 0.4 else -1 for _ in dept])

    # stage templates
    kinds = np.full((n, S_MAX), -1, dtype=np.int64)
    nst = np.zeros(n, dtype=np.int64)
    int_pass = np.zeros(n)
    open_thru = np.flatnonzero(w.job_post_end == as_of)
    order = open_thru[np.argsort(-w.job_weight[open_thru], kind="stable")]
    w.cac_jobs = sorted(int(j) for j in order[:2])
    w.cac_created = as_of - 21 * DAY + 15 * HOUR
    for j in range(n):
        k = int(rng.choice([1, 2, 3], p=[0.3, 0.5, 0.2]))
        prefs = [0.3, 0.35, 0.15, 0.2] if dept[j] == 0 else [0.25, 0.05, 0.45, 0.25]
        chosen = sorted(rng.choice(4, size=k, replace=False, p=prefs))
        tmpl = [AR, PPS, HMR] + ([CAC] if j in w.cac_jobs else [])
        tmpl += [INTERVIEW_KINDS[c] for c in chosen] + [RC, OFFER]
        kinds[j, : len(tmpl)] = tmpl
        nst[j] = len(tmpl)
        int_pass[j] = (0.36 / 0.92) ** (1.0 / k)
    w.job_kinds, w.job_nst, w.job_int_pass = kinds, nst, int_pass

    # per-day job choice distribution (only jobs whose posting is live that day)
    day_mid = w.start + np.arange(WINDOW_DAYS)[:, None] * DAY + DAY // 2
    live = (w.job_opened[None, :] <= day_mid) & (day_mid < w.job_post_end[None, :])
    weights = live * w.job_weight[None, :]
    w.day_cdf = np.cumsum(weights, axis=1) / weights.sum(axis=1, keepdims=True)
    return w


def iso(a) -> list:
    """ms since epoch -> ISO-8601 UTC strings with milliseconds and Z (None where < 0)."""
    a = np.asarray(a, dtype=np.int64)
    out = [s + "Z" for s in np.datetime_as_string(a.astype("datetime64[ms]"), unit="ms").tolist()]
    for i in np.flatnonzero(a < 0).tolist():
        out[i] = None
    return out


def fmt(a, unit: str, sep: str = "T") -> list[str]:
    """ms since epoch -> 'YYYY-MM-DD' (unit D) or naive 'YYYY-MM-DD HH:MM:SS[.mmm]'."""
    a = np.asarray(a, np.int64).astype("datetime64[ms]").astype(f"datetime64[{unit}]")
    return [s.replace("T", sep) for s in np.datetime_as_string(a, unit=unit).tolist()]


def iso1(t: int) -> str:
    return iso([t])[0]


def stage_id(j, pos):
    return ID["job_stage"] + np.asarray(j) * 100 + np.asarray(pos)


def step_id(j, pos, step):
    return ID["interview_step"] + np.asarray(j) * 1000 + np.asarray(pos) * 10 + np.asarray(step)


def job_records(w: World, plan: dict) -> list[dict]:
    out = []
    for j in range(w.n_jobs):
        d, o = int(w.job_dept[j]), int(w.job_office[j])
        closed = plan["close"][j] < 2**62
        lo, hi, unit = w.job_salary[j]
        ht = plan["hire_times"][j]
        u = lambda i, **kw: {**w.users[int(i)], **kw}  # noqa: E731
        team = {"hiring_managers": [u(h) for h in w.job_hm[j] if h >= 0],
                "recruiters": [u(w.job_recruiter[j], responsible=True)]
                + ([u(w.job_recruiter2[j], responsible=False)] if w.job_recruiter2[j] >= 0 else []),
                "coordinators": [u(w.job_coord[j], responsible=True)],
                "sourcers": [u(w.job_sourcer[j])] if w.job_sourcer[j] >= 0 else []}
        upd = max(int(w.job_opened[j]), int(plan["close"][j]) if closed else 0,
                  int(ht[-1]) if ht.size else 0)
        out.append({
            "id": ID["job"] + j, "name": w.job_name[j], "requisition_id": f"{DEPT_CODE[d]}-{1001 + j}",
            "notes": None if j % 3 else f"<p>Budgeted headcount for {DEPARTMENTS[d]}.</p>",
            "confidential": bool(w.job_confidential[j]), "status": "closed" if closed else "open",
            "created_at": iso1(int(w.job_created[j])), "opened_at": iso1(int(w.job_opened[j])),
            "closed_at": iso1(int(plan["close"][j])) if closed else None, "updated_at": iso1(upd),
            "is_template": False, "copied_from_id": None,
            "departments": [{"id": ID["department"] + d, "name": DEPARTMENTS[d], "parent_id": None,
                             "child_ids": [], "external_id": DEPT_CODE[d]}],
            "offices": [{"id": ID["office"] + o, "name": OFFICES[o][0],
                         "location": {"name": OFFICES[o][1]},
                         "primary_contact_user_id": w.users[w.dept_recruiters[0][0]]["id"],
                         "parent_id": None, "child_ids": [], "external_id": f"OFF-{o + 1}"}],
            "custom_fields": {"employment_type": "Full-Time",
                              "salary_range": {"min_value": lo, "max_value": hi, "unit": unit}},
            "keyed_custom_fields": {
                "employment_type": {"name": "Employment Type", "type": "single_select",
                                    "value": "Full-Time"},
                "salary_range": {"name": "Salary Range", "type": "currency_range",
                                 "value": {"min_value": lo, "max_value": hi, "unit": unit}}},
            "hiring_team": team, "openings": plan["openings"][j]})
    return out


def job_stage_records(w: World) -> list[dict]:
    out = []
    for j in range(w.n_jobs):
        created = iso1(int(w.job_created[j]))
        d = int(w.job_dept[j])
        for pos in range(int(w.job_nst[j])):
            kind = int(w.job_kinds[j, pos])
            ts = iso1(w.cac_created) if kind == CAC else created
            steps = []
            for s, (name, sched, mins) in enumerate(STEPS[kind]):
                sid = int(step_id(j, pos, s))
                users = [w.users[w.dept_interviewers[d][s % len(w.dept_interviewers[d])]]] \
                    if sched else []
                steps.append({"id": sid, "name": name, "schedulable": sched,
                              "estimated_minutes": mins, "default_interviewer_users": users,
                              "interview_kit": {"id": sid - ID["interview_step"]
                                                + ID["interview_kit"],
                                                "content": f"<p>Assess: {name.lower()}.</p>",
                                                "questions": [{"id": sid * 10 % 10**9 + 1,
                                                               "question": "Key strengths?"}]}})
            out.append({"id": int(stage_id(j, pos)), "name": STAGE_NAMES[kind],
                        "created_at": ts, "updated_at": ts, "active": True, "job_id": ID["job"] + j,
                        "priority": pos, "interviews": steps})
    return out


# Email templates by history.E_* kind (same order): (sender, subject, body).
EMAILS = [
    ("noreply", "Thank you for applying to {co}", "Hi {first},\n\nThanks for applying for the "
     "{job} role at {co}. We review every application and will be in touch.\n\n{co} Recruiting"),
    ("rec", "Next steps: {job} at {co}", "Hi {first},\n\nThanks for your interest in the {job} "
     "role. I'd love to set up a short call. What does your week look like?\n\nBest,\n{me}"),
    ("rec", "Your application for {job}", "Hi {first},\n\nThank you for your interest in {co}. "
     "We have decided not to move forward with your application for {job}.\n\nBest,\n{me}"),
    ("cand", "Re: {job} at {co}", "Hi {rf},\n\nThanks for getting back to me, that works for me."
     "\n\n{first}"),
    ("coord", "Interview confirmation: {job}", "Hi {first},\n\nYour interview for {job} is "
     "confirmed; the calendar invite has the details.\n\n{me}"),
    ("cand", "Withdrawing my application", "Hi {rf},\n\nI have decided to withdraw my "
     "application for {job}. Thank you for your time.\n\n{first}"),
    ("rec", "Re: Withdrawing my application", "Hi {first},\n\nThanks for letting us know, and "
     "best of luck.\n\n{me}"),
    ("rec", "Your offer from {co}", "Hi {first},\n\nI'm delighted to share your offer for the "
     "{job} role; the details are attached.\n\n{me}"),
    ("cand", "Re: Your offer from {co}", "Hi {rf},\n\nI'm happy to accept the offer. Looking "
     "forward to starting!\n\n{first}"),
    ("rec", "Update on the {job} role", "Hi {first},\n\nThe {job} role has been filled, so we are"
     " closing the remaining applications. Thank you for your interest in {co}.\n\n{me}"),
    ("coord", "Rescheduled: your {job} interview", "Hi {first},\n\nWe had to move your interview for "
     "{job}; the updated calendar invite has the new time. Sorry for the change.\n\n{me}"),
]
NOTES = [  # by history.N_* kind
    ["Phone screen: clear communicator, relevant experience. Salary expectations in range.",
     "Phone screen: good motivation, a bit light on {dept} experience.",
     "Screen done. Notice period one month; open to hybrid."],
    ["HM review: strong CV for {job}.", "HM: worth a conversation, some gaps."],
    ["Debrief: mixed signals from the panel.", "Debrief: strong yes from the panel.",
     "Debrief: solid on fundamentals, weaker on system design."],
    ["Offer accepted. Start date confirmed with the candidate."]]
TAGS = ["Silver medalist", "Referral", "Boomerang", "Relocation", "Visa sponsorship",
        "Diversity outreach", "Event: meetup", "Python", "Enterprise sales", "Bilingual"]
EMAIL_DOMAINS = ["example.com", "example.net", "example.org", "mail.example.com"]
STREETS = ["Main St", "High Street", "Oak Ave", "Kastanienallee"]
PHONES = {  # real-world variety in fictional-looking ranges (555 lines, 07700, 030 90); see identity.py
    "us": ["+1 {a}-555-{n:04d}", "({a}) 555 {n:04d}", "{a}.555.{n:04d}", "{a}555{n:04d}"],
    "uk": ["07700 {n:06d}", "+44 7700 {n:06d}", "+44 (0)7700 {n:06d}", "07700{n:06d}"],
    "de": ["+49 30 90{n:06d}", "030 90{n:06d}", "+493090{n:06d}", "+49 (0)30 90{n:06d}"]}
AREA_CODES = [212, 646, 415, 512, 737, 303, 720, 917]
