"""Integration impact: each velocity KPI before and after a connector went live.

The rows compared are each KPI's own cohort rows (metrics.drill.durations), so "before" and "after"
follow the KPI's cohort rule (first response by applied date, time to fill by filled date...):
the `weeks` whole weeks before the go-live day against the weeks from it (up to the data's
as-of day). The difference is after minus before, of the medians; its confidence interval is a
percentile bootstrap (each side resampled with replacement, seeded, so a run is repeatable).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

import numpy as np
import polars as pl

from metrics.catalog import load_definitions
from metrics.compute import Filters
from metrics.drill import durations

RESAMPLES = 2000
SEED = 7
# Resampled medians are computed in blocks of about this many values, to bound memory.
_BLOCK = 4_000_000


@dataclass(frozen=True)
class Comparison:
    kpi: str
    title: str
    unit: str
    n_before: int
    n_after: int
    median_before: float | None
    median_after: float | None
    difference: float | None
    ci_low: float | None
    ci_high: float | None

    @property
    def clear(self) -> bool:
        """True when the interval excludes zero: a change, not noise."""
        return self.ci_low is not None and (self.ci_low > 0 or self.ci_high < 0)


def _medians(values: np.ndarray, rng: np.random.Generator, resamples: int) -> np.ndarray:
    out = np.empty(resamples)
    block = max(1, _BLOCK // max(len(values), 1))
    for start in range(0, resamples, block):
        size = min(block, resamples - start)
        picks = rng.integers(0, len(values), size=(size, len(values)))
        out[start:start + size] = np.median(values[picks], axis=1)
    return out


def bootstrap_difference(before: np.ndarray, after: np.ndarray, *, resamples: int = RESAMPLES, seed: int = SEED,
                         level: float = 0.95) -> tuple[float, float, float]:
    """Median(after) - median(before) and its percentile-bootstrap interval."""
    rng = np.random.default_rng(seed)
    diffs = _medians(after, rng, resamples) - _medians(before, rng, resamples)
    tail = (1 - level) / 2 * 100
    low, high = np.percentile(diffs, [tail, 100 - tail])
    return float(np.median(after) - np.median(before)), float(low), float(high)


def periods(go_live: date, as_of: datetime, weeks: int) -> tuple[Filters, Filters]:
    last = as_of.date() - timedelta(days=1)
    if go_live > last:
        raise ValueError(f"go-live {go_live} is after the data's last day ({last}): nothing to compare yet")
    before = Filters(go_live - timedelta(weeks=weeks), go_live - timedelta(days=1))
    after = Filters(go_live, min(go_live + timedelta(weeks=weeks) - timedelta(days=1), last))
    return before, after


def _cut(base: Filters | None, period: Filters) -> Filters:
    if base is None:
        return period
    from dataclasses import replace

    return replace(base, start=period.start, end=period.end)


def compare(go_live: date, *, as_of: datetime, path: Path | None = None, filters: Filters | None = None,
            weeks: int = 12, resamples: int = RESAMPLES, seed: int = SEED) -> list[Comparison]:
    """Every velocity duration KPI, before against after the go-live day."""
    before_range, after_range = periods(go_live, as_of, weeks)
    out: list[Comparison] = []
    for kpi in load_definitions().values():
        if kpi.group != "velocity" or kpi.is_ratio:
            continue
        sides = []
        for period in (before_range, after_range):
            frame = durations(kpi, _cut(filters, period), as_of=as_of, path=path)
            sides.append(frame["duration"].drop_nulls().to_numpy().astype(float) if frame.height else np.array([]))
        before, after = sides
        med = lambda v: float(np.median(v)) if len(v) else None  # noqa: E731
        diff = low = high = None
        if len(before) and len(after):
            diff, low, high = bootstrap_difference(before, after, resamples=resamples, seed=seed)
        out.append(Comparison(kpi.name, kpi.title, kpi.unit, len(before), len(after), med(before), med(after), diff, low, high))
    return out


def as_frame(results: list[Comparison]) -> pl.DataFrame:
    return pl.DataFrame([{**r.__dict__, "clear_change": r.clear} for r in results]) if results else pl.DataFrame()
