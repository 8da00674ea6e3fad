"""Every simulated person gets an email address and a phone number nobody else has.

Real people rarely share an address or a number, and the joins between systems (mail and
invites by address, texts by the last ten digits of a phone) depend on that. Names repeat in
the demo (a hundred first and a hundred last names), so an address built from the name is
checked against every address handed out before (8-byte hashes in a sorted numpy array, so a
million people cost a few megabytes) and gets digits until it is unique. Phones keep their
country's written styles (see world.PHONES) in fictional-looking ranges (555 lines, 07700,
030 90) and are drawn until their last ten digits are unique. Deterministic: chunks are
numbered and processed in order, from their own random streams.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata

import numpy as np

from .world import EMPLOYERS, PHONES

AREA_CODES = [212, 646, 415, 512, 737, 303, 720, 917, 201, 202, 206, 213, 214, 267, 305, 312, 313, 314, 347, 404,
              408, 410, 425, 469, 503, 510, 602, 617, 619, 650, 702, 713, 718, 732, 773, 786, 801, 808, 813, 818,
              832, 845, 858, 908, 919, 929, 971, 972, 973, 978, 980, 984, 985, 989, 240, 248, 281, 301, 302, 310,
              315, 316, 317, 319, 321, 323, 330, 336, 339, 346, 351, 352, 360, 361, 380, 385, 386, 401, 402, 405,
              406, 407, 409, 412, 413, 414, 417, 419, 423, 424, 430, 432, 434, 435, 440, 442, 443, 445, 458, 463]
LINES = {"us": 10_000, "uk": 1_000_000, "de": 1_000_000}  # subscriber numbers per prefix


def _hash(keys: list[str]) -> np.ndarray:
    return np.array([int.from_bytes(hashlib.blake2b(k.encode(), digest_size=8).digest(), "little") for k in keys],
                    dtype=np.uint64)


class Registry:
    """Keys handed out so far (as sorted 8-byte hashes)."""

    def __init__(self):
        self.seen = np.zeros(0, dtype=np.uint64)

    def fresh(self, keys: list[str]) -> np.ndarray:
        """Which keys are new: not handed out before and not repeated earlier in the list."""
        h = _hash(keys)
        pos = np.searchsorted(self.seen, h).clip(0, max(self.seen.size - 1, 0))
        new = ~(self.seen[pos] == h) if self.seen.size else np.ones(h.size, bool)
        first = np.zeros(h.size, bool)
        first[np.unique(h, return_index=True)[1]] = True
        return new & first

    def add(self, keys: list[str]) -> None:
        self.seen = np.union1d(self.seen, _hash(keys))


def phone_text(style: str, fmt: int, area: int, line: int) -> str:
    tpl = PHONES[style][fmt]
    if style == "us":
        return tpl.format(a=AREA_CODES[area], n=line)
    return tpl.format(n=line)


def event_id(seed: int, interview_id: int) -> str:
    """A scheduled interview's external_event_id: the UID of its calendar event."""
    return hashlib.blake2b(f"{seed}:{interview_id}".encode(), digest_size=13).hexdigest()


def _ascii(s: str) -> str:
    return unicodedata.normalize("NFKD", s).encode("ascii", "ignore").decode().lower().replace("'", "").replace(" ", "")


def digits10(phone: str) -> str:
    return re.sub(r"\D", "", phone)[-10:]


class Identities:
    def __init__(self, seed: int):
        self.seed = seed
        self.emails, self.phones = Registry(), Registry()

    def assign(self, emails: list[str], first: list[str], last: list[str], R: np.ndarray, styles: list[str], chunk: int):
        """A chunk's people: (personal emails, work emails or None, phones), every one unique.
        R: the formatter's per-person draws (R[5] employer, R[7] has a work address, R[10] style, R[11] area)."""
        emails = self.unique_emails(emails, chunk)
        work = np.flatnonzero(R[7] < 0.1)
        addr = [f"{_ascii(first[i])}.{_ascii(last[i])}@{_ascii(EMPLOYERS[int(R[5, i] * len(EMPLOYERS))])}.example" for i in work]
        work_emails = [None] * len(emails)
        for i, a in zip(work.tolist(), self.unique_emails(addr, 10**6 + chunk)):
            work_emails[i] = a
        return emails, work_emails, self.unique_phones(styles, (R[10] * 4).astype(int), (R[11] * 8).astype(int), chunk)

    def unique_emails(self, emails: list[str], chunk: int) -> list[str]:
        rng = np.random.default_rng([self.seed, 7, chunk])
        out = list(emails)
        todo = np.arange(len(out))
        while todo.size:
            keys = [out[i].lower() for i in todo]
            ok = self.emails.fresh(keys)
            self.emails.add([k for k, good in zip(keys, ok) if good])
            todo = todo[~ok]
            for i in todo.tolist():  # name.surname@host -> name.surname47@host
                local, _, host = emails[i].partition("@")
                out[i] = f"{local}{int(rng.integers(2, 9999))}@{host}"
        return out

    def unique_phones(self, styles: list[str], fmt: np.ndarray, area: np.ndarray, chunk: int) -> list[str]:
        """One phone per person in its office country's style (fmt: 0-3, area: index into AREA_CODES)."""
        rng = np.random.default_rng([self.seed, 8, chunk])
        n = len(styles)
        lines = np.array([int(rng.integers(0, LINES[s])) for s in styles], dtype=np.int64)
        out = [""] * n
        todo = np.arange(n)
        while todo.size:
            for i in todo.tolist():
                out[i] = phone_text(styles[i], int(fmt[i]), int(area[i]), int(lines[i]))
            keys = [digits10(out[i]) for i in todo]
            ok = self.phones.fresh(keys)
            self.phones.add([k for k, good in zip(keys, ok) if good])
            todo = todo[~ok]
            for i in todo.tolist():
                lines[i] = int(rng.integers(0, LINES[styles[i]]))
                area[i] = int(rng.integers(0, len(AREA_CODES)))
        return out
