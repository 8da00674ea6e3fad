"""The [retention] section of the settings file."""

from __future__ import annotations

from pathlib import Path

from pipelines.config import SettingsError, settings_document


def retention_days(path: Path | None = None) -> int | None:
    doc, path = settings_document(path)
    days = (doc or {}).get("retention", {}).get("days")
    if days is None:
        return None
    if not isinstance(days, int) or days < 1:
        raise SettingsError(f"{path}: [retention] days = {days!r}: a whole number of days >= 1")
    return days
