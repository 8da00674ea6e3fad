"""Load and publish in one go: ingest the chosen sources, then build the warehouse."""

from __future__ import annotations

from datetime import datetime
from typing import Callable

from pipelines.build import BuildResult, build
from pipelines.config import Settings
from pipelines.load import LoadResult, ingest

Progress = Callable[[str, float], None]


def refresh(settings: Settings, names: list[str] | None = None, *, full: bool = False,
            progress: Progress | None = None, as_of: datetime | None = None) -> tuple[list[LoadResult], BuildResult]:
    """Ingest each named source (default: all), then publish; progress goes from 0 to 1."""
    sources = [settings.source(n) for n in names] if names else list(settings.sources)
    say = progress or (lambda *_: None)
    steps = len(sources) + 1
    results = []
    for i, source in enumerate(sources):
        def per_step(label: str, done: int, total: int, i: int = i) -> None:
            say(label, (i + done / max(total, 1)) / steps)

        results.append(ingest(source, settings, progress=per_step, full=full))
    published = build(settings.warehouse, as_of=as_of, join_rules=settings.join_rules, progress=lambda label, done, total: say(
        f"build: {label}", (len(sources) + done / max(total, 1)) / steps))
    say("done", 1.0)
    return results, published
