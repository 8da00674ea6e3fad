"""KPI settings from data/stagetruth.toml: targets, benchmarks, the stale threshold, go-live dates.

    [kpis]
    stale_after_days = 14                 # stale_applications: no movement for more than N days
    [kpis.targets]                        # override a definition's own target (its header)
    time_to_fill = 35
    [kpis.go_live]                        # integration impact: when a connector went live
    calendar = "2026-08-03"
    [benchmarks.time_to_fill]             # external reference lines on charts
    value = 42
    label = "widely quoted average time to fill"

Read at each call (cheap), so a changed file shows on the next page run.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from pipelines.config import settings_document

DEFAULT_STALE_DAYS = 14


class KpiSettingsError(ValueError):
    """A [kpis] or [benchmarks] entry is wrong; the message names the entry."""


@dataclass(frozen=True)
class Benchmark:
    value: float
    label: str


@dataclass(frozen=True)
class KpiSettings:
    stale_after_days: float = DEFAULT_STALE_DAYS
    targets: dict[str, float] = field(default_factory=dict)
    benchmarks: dict[str, Benchmark] = field(default_factory=dict)
    go_live: dict[str, date] = field(default_factory=dict)


def _number(value, where: str, problems: list[str]) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        problems.append(f"{where} = {value!r}: must be a number")
        return None
    return float(value)


def load(path: Path | None = None) -> KpiSettings:
    doc, path = settings_document(path, KpiSettingsError)
    if doc is None:
        return KpiSettings()
    problems: list[str] = []
    kpis = doc.get("kpis", {})
    stale = _number(kpis.get("stale_after_days", DEFAULT_STALE_DAYS), "[kpis] stale_after_days", problems)
    targets = {}
    for name, value in kpis.get("targets", {}).items():
        number = _number(value, f"[kpis.targets] {name}", problems)
        if number is not None:
            targets[name] = number
    go_live = {}
    for source, value in kpis.get("go_live", {}).items():
        try:
            go_live[source] = value if isinstance(value, date) else date.fromisoformat(str(value))
        except ValueError:
            problems.append(f"[kpis.go_live] {source} = {value!r}: must be a date, YYYY-MM-DD")
    benchmarks = {}
    for name, entry in doc.get("benchmarks", {}).items():
        if not isinstance(entry, dict) or "value" not in entry:
            problems.append(f"[benchmarks.{name}]: needs value = NUMBER and label = TEXT")
            continue
        number = _number(entry["value"], f"[benchmarks.{name}] value", problems)
        if number is not None:
            benchmarks[name] = Benchmark(number, str(entry.get("label", "benchmark")))
    if problems:
        raise KpiSettingsError(f"{path}: " + "; ".join(problems))
    return KpiSettings(stale or DEFAULT_STALE_DAYS, targets, benchmarks, go_live)
