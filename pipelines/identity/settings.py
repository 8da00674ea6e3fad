"""The [identity] section of data/stagetruth.toml, read with a clear error for every wrong entry.

Every knob of identity resolution lives here: the rules and their order, the bands, the phone
region, the gmail rule, the nicknames added to the shipped table, survivorship per field, and
whether the probabilistic stage runs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from pipelines.config import SettingsError, settings_document

RULES = ("email", "phone_name", "application", "profile_url")
FIELDS = ("first_name", "last_name", "email", "phone", "location", "company", "profile_url")


class IdentitySettingsError(SettingsError):
    """The [identity] section is wrong; the message names the file and the entry."""


@dataclass(frozen=True)
class IdentitySettings:
    rules: tuple[str, ...] = ("email", "phone_name", "application")
    auto_threshold: float = 0.95
    review_threshold: float = 0.60
    default_region: str = "US"
    fallback_regions: tuple[str, ...] = ("GB", "DE")
    gmail_normalise: bool = True
    gmail_domains: tuple[str, ...] = ("gmail.com", "googlemail.com")
    # A key shared by more records than this (a team inbox, a switchboard) links nothing.
    max_group: int = 12
    application_window_hours: float = 2.0
    probabilistic: bool = False
    nicknames: dict[str, str] = field(default_factory=dict)
    source_priority: tuple[str, ...] = ("greenhouse", "lever", "bullhorn", "merge", "job_boards")
    field_priority: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def priority(self, column: str) -> tuple[str, ...]:
        """Sources in the order they win `column` (unlisted sources come after, most recent first)."""
        return self.field_priority.get(column, self.source_priority)

    def band(self, probability: float) -> str:
        if probability >= self.auto_threshold:
            return "auto"
        return "review" if probability >= self.review_threshold else "ignore"


def load_identity_settings(path: Path | None = None) -> IdentitySettings:
    doc, path = settings_document(path, IdentitySettingsError)
    if doc is None:
        return IdentitySettings()
    return parse_identity_settings(doc.get("identity", {}), str(path))


def parse_identity_settings(doc: dict, where: str = "settings") -> IdentitySettings:
    base = IdentitySettings()
    problems: list[str] = []
    known = {"rules", "auto_threshold", "review_threshold", "default_region", "fallback_regions", "gmail_normalise",
             "gmail_domains", "max_group", "application_window_hours", "probabilistic", "nicknames", "survivorship"}
    for key in doc:
        if key not in known:
            problems.append(f"[identity] {key}: unknown entry (known: {', '.join(sorted(known))})")
    rules = tuple(doc.get("rules", base.rules))
    if not rules or not set(rules) <= set(RULES) or len(set(rules)) != len(rules):
        problems.append(f"[identity] rules = {list(rules)!r}: a list of distinct rules from {', '.join(RULES)}")
    auto = doc.get("auto_threshold", base.auto_threshold)
    review = doc.get("review_threshold", base.review_threshold)
    if not all(isinstance(v, (int, float)) and 0 < v <= 1 for v in (auto, review)) or review > auto:
        problems.append(f"[identity] review_threshold = {review!r}, auto_threshold = {auto!r}: "
                        "probabilities in (0, 1] with review_threshold <= auto_threshold")
    regions = [doc.get("default_region", base.default_region), *doc.get("fallback_regions", base.fallback_regions)]
    import phonenumbers

    for region in regions:
        if region not in phonenumbers.SUPPORTED_REGIONS:
            problems.append(f"[identity] region {region!r}: not a region phonenumbers knows (e.g. US, GB, DE)")
    max_group = doc.get("max_group", base.max_group)
    if not isinstance(max_group, int) or max_group < 2:
        problems.append(f"[identity] max_group = {max_group!r}: a whole number >= 2")
    window = doc.get("application_window_hours", base.application_window_hours)
    if not isinstance(window, (int, float)) or window <= 0:
        problems.append(f"[identity] application_window_hours = {window!r}: a number of hours > 0")
    nicknames = doc.get("nicknames", {})
    if not isinstance(nicknames, dict) or not all(isinstance(v, str) for v in nicknames.values()):
        problems.append("[identity.nicknames]: entries are nickname = \"formal name\"")
        nicknames = {}
    surv = doc.get("survivorship", {})
    order = tuple(surv.get("default", base.source_priority))
    per_field: dict[str, tuple[str, ...]] = {}
    for key, value in surv.items():
        if key == "default":
            continue
        if key not in FIELDS:
            problems.append(f"[identity.survivorship] {key}: fields are {', '.join(FIELDS)} (and default)")
        elif not isinstance(value, list):
            problems.append(f"[identity.survivorship] {key} = {value!r}: a list of source names")
        else:
            per_field[key] = tuple(value)
    if problems:
        raise IdentitySettingsError(f"{where}: " + "; ".join(problems))
    return IdentitySettings(
        rules=rules, auto_threshold=float(auto), review_threshold=float(review), default_region=regions[0],
        fallback_regions=tuple(regions[1:]), gmail_normalise=bool(doc.get("gmail_normalise", base.gmail_normalise)),
        gmail_domains=tuple(d.lower() for d in doc.get("gmail_domains", base.gmail_domains)), max_group=max_group, application_window_hours=float(window),
        probabilistic=bool(doc.get("probabilistic", base.probabilistic)),
        nicknames={k.lower(): v.lower() for k, v in nicknames.items()}, source_priority=order, field_priority=per_field,
    )
