"""The [retention] and [access] sections of the settings file."""

from __future__ import annotations

import tomllib
from pathlib import Path

from pipelines.config import SettingsError
from pipelines.paths import settings_path


def _doc(path: Path | None = None) -> dict:
    path = path or settings_path()
    if not path.exists():
        return {}
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise SettingsError(f"{path}: not valid TOML: {exc}") from exc


def retention_days(path: Path | None = None) -> int | None:
    days = _doc(path).get("retention", {}).get("days")
    if days is None:
        return None
    if not isinstance(days, int) or days < 1:
        raise SettingsError(f"{path or settings_path()}: [retention] days = {days!r}: a whole number of days >= 1")
    return days
