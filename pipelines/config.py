"""Project settings from data/stagetruth.toml, with a clear error for every wrong entry."""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pipelines.paths import PROJECT_ROOT, settings_path, warehouse_path

PRESETS_DIR = Path(__file__).resolve().parent / "presets"
# greenhouse is read by code; "mapped" is mapped wholly in the settings; the rest are presets,
# mappings shipped as TOML in pipelines/presets/ that a source's own entries extend or override.
SOURCE_KINDS = ("greenhouse", "calendar", "mapped", *sorted(p.stem for p in PRESETS_DIR.glob("*.toml")))
CODED_KINDS = ("greenhouse", "calendar")


class SettingsError(ValueError):
    """The settings file is wrong; the message names the file and the entry."""


@dataclass(frozen=True)
class SourceSettings:
    name: str
    kind: str
    path: Path
    time_zone: str = "UTC"
    automated_senders: tuple[str, ...] = ("no-reply@", "noreply@", "do-not-reply@", "donotreply@")
    # Mapped kinds: the objects and lookups of the preset merged with the source's own entries.
    mapping: dict | None = None
    stage_map: str | None = None  # section of data/stage_map.toml (default: see stage_map_section)
    internal_domains: tuple[str, ...] = ()

    @property
    def stage_map_section(self) -> str:
        """Presets share their kind's section; a source mapped by hand has its own, by name."""
        return self.stage_map or (self.name if self.kind == "mapped" else self.kind)


@dataclass(frozen=True)
class Settings:
    clock_skew: timedelta = timedelta(minutes=15)
    freshness_warning_hours: float = 24.0
    join_rules: dict[str, tuple[str, ...]] = field(default_factory=dict)
    warehouse: Path = field(default_factory=warehouse_path)
    sources: tuple[SourceSettings, ...] = ()

    def source(self, name: str) -> SourceSettings:
        for s in self.sources:
            if s.name == name:
                return s
        known = ", ".join(s.name for s in self.sources) or "none"
        raise SettingsError(f"no source named {name!r} in the settings (configured: {known})")


def _resolve(path: str) -> Path:
    p = Path(path).expanduser()
    return p if p.is_absolute() else PROJECT_ROOT / p


def _preset(kind: str) -> dict:
    path = PRESETS_DIR / f"{kind}.toml"
    return tomllib.loads(path.read_text(encoding="utf-8")) if path.exists() else {}


def _merge_mapping(base: dict, override: dict) -> dict:
    """Tables of the override replace or extend the preset's, key by key."""
    out = dict(base)
    for key, value in override.items():
        out[key] = _merge_mapping(base[key], value) if isinstance(value, dict) and isinstance(base.get(key), dict) else value
    return out


def settings_document(path: Path | None = None, error: type[Exception] = SettingsError) -> tuple[dict | None, Path]:
    """The settings file parsed (None when there is none) and its path; invalid TOML raises `error`
    naming the file. Every section's loader reads the file through here."""
    path = path or settings_path()
    if not path.exists():
        return None, path
    try:
        return tomllib.loads(path.read_text(encoding="utf-8")), path
    except tomllib.TOMLDecodeError as exc:
        raise error(f"{path}: not valid TOML: {exc}") from exc


def load_settings(path: Path | None = None) -> Settings:
    doc, path = settings_document(path)
    if doc is None:
        return Settings()
    problems: list[str] = []
    skew = doc.get("load", {}).get("clock_skew_minutes", 15)
    if not isinstance(skew, (int, float)) or skew < 0:
        problems.append(f"[load] clock_skew_minutes = {skew!r}: must be a number of minutes >= 0")
        skew = 15
    sources: list[SourceSettings] = []
    for name, entry in doc.get("sources", {}).items():
        kind = entry.get("kind")
        if kind not in SOURCE_KINDS:
            problems.append(f"[sources.{name}] kind = {kind!r}: must be one of {', '.join(SOURCE_KINDS)}")
            continue
        if "path" not in entry:
            problems.append(f"[sources.{name}] path is required")
            continue
        tz = entry.get("time_zone", "UTC")
        try:
            ZoneInfo(tz)
        except (ZoneInfoNotFoundError, ValueError):
            problems.append(f"[sources.{name}] time_zone = {tz!r}: not a known IANA time zone")
        senders = tuple(entry.get("automated_senders", SourceSettings.automated_senders))
        mapping = None
        if kind not in CODED_KINDS:
            mapping = _merge_mapping(_preset(kind), {k: entry[k] for k in ("objects", "lookups") if k in entry})
            try:
                from pipelines.mapped.spec import MappingError, parse_source_map

                parse_source_map(f"[sources.{name}]", mapping)
            except MappingError as exc:
                problems.append(str(exc))
        domains = tuple(d.lower().lstrip("@") for d in entry.get("internal_domains", doc.get("organisation", {}).get("domains", [])))
        sources.append(SourceSettings(name, kind, _resolve(entry["path"]), tz, senders, mapping, entry.get("stage_map"), domains))
    if problems:
        raise SettingsError(f"{path}: " + "; ".join(problems))
    wh = doc.get("warehouse", {}).get("path")
    freshness = doc.get("load", {}).get("freshness_warning_hours", 24)
    join_rules: dict[str, tuple[str, ...]] = {}
    from pipelines.joins import DEFAULT_RULES

    known_rules = {"application_id", "external_event_id", "candidate_email", "email", "address"}
    for table, order in doc.get("joins", {}).items():
        if table not in DEFAULT_RULES:
            problems.append(f"[joins] {table}: joins apply to {', '.join(DEFAULT_RULES)}")
        elif not isinstance(order, list) or not set(order) <= known_rules:
            problems.append(f"[joins] {table} = {order!r}: a list of rules from {', '.join(sorted(known_rules))}")
        else:
            join_rules[table] = tuple(order)
    if problems:
        raise SettingsError(f"{path}: " + "; ".join(problems))
    return Settings(
        clock_skew=timedelta(minutes=skew),
        freshness_warning_hours=float(freshness),
        join_rules=join_rules,
        # The environment wins over the file so tests and previews can point elsewhere.
        warehouse=_resolve(wh) if wh and "STAGETRUTH_WAREHOUSE" not in os.environ else warehouse_path(),
        sources=tuple(sources),
    )
