"""Persons: connected components over accepted links, with pairs that must stay apart kept apart.

Links are applied strongest first: people's "same person" decisions, then deterministic rules
in priority order, then probabilistic links by falling probability. A link that would put two
records with a standing "must stay apart" in one person is skipped (and reported), so a chain
of links can never merge what a person, or a hard-negative rule, kept apart. People's "not the
same person" decisions bind every link; the rules' hard negatives (relatives sharing a phone)
bind automatic links only, so a person who knows better can still merge.

Person ids derive from the smallest record key of the person: a rebuild in which a person's
membership does not change (indeed, in which its smallest member stays) gives the same id.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import dataclass, field

import polars as pl


@dataclass
class Clusters:
    keys: list[str]
    parent: list[int] = field(init=False)
    members: dict[int, list[int]] = field(init=False)
    human_neg: dict[int, set[int]] = field(default_factory=lambda: defaultdict(set))
    rule_neg: dict[int, set[int]] = field(default_factory=lambda: defaultdict(set))
    skipped: list[tuple[str, str, str]] = field(default_factory=list)

    def __post_init__(self):
        self.index = {k: i for i, k in enumerate(self.keys)}
        self.parent = list(range(len(self.keys)))
        self.members = {i: [i] for i in range(len(self.keys))}

    def find(self, i: int) -> int:
        root = i
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[i] != root:
            self.parent[i], i = root, self.parent[i]
        return root

    def forbid(self, a: str, b: str, *, human: bool) -> None:
        if a not in self.index or b not in self.index:
            return
        i, j = self.index[a], self.index[b]
        table = self.human_neg if human else self.rule_neg
        table[i].add(j)
        table[j].add(i)

    def _blocked(self, ra: int, rb: int, human: bool) -> bool:
        small, other = (ra, rb) if len(self.members[ra]) <= len(self.members[rb]) else (rb, ra)
        tables = (self.human_neg,) if human else (self.human_neg, self.rule_neg)
        for m in self.members[small]:
            for table in tables:
                if m in table and any(self.find(x) == other for x in table[m]):
                    return True
        return False

    def link(self, a: str, b: str, *, human: bool = False, why: str = "") -> bool:
        """Join the persons of a and b unless a standing negative forbids it; True when joined (or already one)."""
        if a not in self.index or b not in self.index:
            return False
        ra, rb = self.find(self.index[a]), self.find(self.index[b])
        if ra == rb:
            return True
        if self._blocked(ra, rb, human):
            self.skipped.append((a, b, why))
            return False
        if len(self.members[ra]) < len(self.members[rb]):
            ra, rb = rb, ra
        self.parent[rb] = ra
        self.members[ra].extend(self.members.pop(rb))
        return True

    def same(self, a: str, b: str) -> bool:
        return self.find(self.index[a]) == self.find(self.index[b])

    def assignment(self) -> pl.DataFrame:
        """record_key -> person_id and cluster_size."""
        rows_key, rows_person, rows_size = [], [], []
        for members in self.members.values():
            keys = [self.keys[m] for m in members]
            pid = person_id(min(keys))
            rows_key.extend(keys)
            rows_person.extend([pid] * len(keys))
            rows_size.extend([len(keys)] * len(keys))
        return pl.DataFrame({"record_key": rows_key, "person_id": rows_person, "cluster_size": rows_size},
                            schema={"record_key": pl.String, "person_id": pl.String, "cluster_size": pl.Int32})


def person_id(smallest_member: str) -> str:
    return "P-" + hashlib.blake2b(smallest_member.encode(), digest_size=6).hexdigest()
