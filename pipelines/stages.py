"""The canonical stage taxonomy and the mapping of source stage names onto it.

One enum holds the taxonomy (SPEC: applied < screened < submitted < interviewing < offer <
hired; exits rejected and withdrawn). Source names reach it only through data/stage_map.toml:
a name that is not mapped is a contract violation, never a guess.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path

from pipelines.paths import stage_map_path


class Stage(str, Enum):
    APPLIED = "applied"
    SCREENED = "screened"
    SUBMITTED = "submitted"
    INTERVIEWING = "interviewing"
    OFFER = "offer"
    HIRED = "hired"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"

    @property
    def rank(self) -> int | None:
        """Position in the canonical order; None for exits."""
        return STAGE_RANK.get(self.value)

    @property
    def is_exit(self) -> bool:
        return self.value in EXITS


ORDERED_STAGES: tuple[str, ...] = ("applied", "screened", "submitted", "interviewing", "offer", "hired")
EXITS: tuple[str, ...] = ("rejected", "withdrawn")
ALL_STAGES: tuple[str, ...] = ORDERED_STAGES + EXITS
STAGE_RANK: dict[str, int] = {name: i for i, name in enumerate(ORDERED_STAGES)}


class StageMapError(ValueError):
    """The stage map file itself is wrong (not a data problem)."""


@dataclass(frozen=True)
class StageMap:
    """Source stage names, statuses and rejection types mapped to canonical stages."""

    stages: dict[str, str] = field(default_factory=dict)
    statuses: dict[str, str] = field(default_factory=dict)
    rejection_types: dict[str, str] = field(default_factory=dict)

    def stage(self, source_name: str | None) -> str | None:
        if source_name is None:
            return None
        return self.stages.get(source_name.strip())


def load_stage_map(kind: str, path: Path | None = None) -> StageMap:
    """Read one source kind's section of the stage map, checking every target is canonical."""
    path = path or stage_map_path()
    try:
        doc = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise StageMapError(f"{path}: cannot read the stage map: {exc}") from exc
    section = doc.get(kind)
    if section is None:
        raise StageMapError(f"{path}: no [{kind}] section; add [{kind}.stages] mapping its stage names")
    problems: list[str] = []
    tables: dict[str, dict[str, str]] = {}
    for table in ("stages", "statuses", "rejection_types"):
        raw = section.get(table, {})
        cleaned: dict[str, str] = {}
        for name, target in raw.items():
            if target not in ALL_STAGES:
                problems.append(
                    f"[{kind}.{table}] {name!r} = {target!r}: not a canonical stage "
                    f"(one of {', '.join(ALL_STAGES)})"
                )
            cleaned[name.strip()] = target
        tables[table] = cleaned
    for name, target in tables["rejection_types"].items():
        if target not in EXITS:
            problems.append(f"[{kind}.rejection_types] {name!r} = {target!r}: must be an exit ({', '.join(EXITS)})")
    if problems:
        raise StageMapError(f"{path}: " + "; ".join(problems))
    return StageMap(**tables)
