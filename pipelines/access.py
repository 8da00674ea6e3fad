"""Who may see what: roles, the pages and capabilities they grant, and the redaction of people data.

Every page and every export asks this module. The role map lives in the settings file:

    [access]
    default_role = "admin"          # local mode (no sign-in configured): everyone gets this role
    [access.users]                  # signed-in mode: the signed-in email picks the role
    "lead@acme.example" = "hr_leader"

With sign-in configured (Streamlit's st.login, an [auth] block in .streamlit/secrets.toml), a
user not in [access.users] gets no role and sees no data. Without it, local mode applies
default_role, and the sidebar says so.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from pipelines.config import SettingsError, settings_document

ROLES = ("hr_leader", "analyst", "recruiting_ops", "admin")
CAPABILITIES: dict[str, frozenset[str]] = {
    "aggregates": frozenset(ROLES),                      # KPI figures, charts, pseudonymous drill-down
    "people": frozenset({"recruiting_ops", "admin"}),    # names, emails, phones, records as received
    "decide": frozenset({"recruiting_ops", "admin"}),    # duplicate and mismatch decisions
    "load": frozenset({"admin"}),                        # run loads, see source configuration
    "audit": frozenset({"admin"}),                       # read and export the audit trail
}
# Page (file stem under pages/) -> the capability it needs. A page not listed is shown to nobody.
PAGES: dict[str, str] = {
    "overview": "aggregates", "velocity": "aggregates", "conversion": "aggregates", "scorecard": "aggregates",
    "data_health": "aggregates", "duplicates": "people", "mismatches": "people", "sources": "load", "audit": "audit",
}
# Columns that carry people data anywhere in the warehouse or a page's frames.
PERSONAL_COLUMNS = frozenset({
    "first_name", "last_name", "full_name", "name_display", "emails", "phones", "email", "phone", "candidate_email",
    "sender", "recipient", "subject", "location", "profile_url", "payload", "detail", "organizer",
})
# Ids that point at one person: shown to roles without people access as keyed pseudonyms.
PERSON_IDS = frozenset({"candidate_id", "application_id", "person_id", "record_id", "source_id"})


@dataclass(frozen=True)
class AccessSettings:
    default_role: str | None = "analyst"  # least privilege when the settings say nothing
    users: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Access:
    user: str | None
    role: str | None
    mode: str  # "local", "signed_in", "signed_out", "unknown_user"

    def can(self, capability: str) -> bool:
        if capability not in CAPABILITIES:
            raise KeyError(f"unknown capability {capability!r}")
        return self.role is not None and self.role in CAPABILITIES[capability]

    def may_open(self, page: str) -> bool:
        return page in PAGES and self.can(PAGES[page])

    @property
    def actor(self) -> str:
        """Who the audit trail names: the signed-in email, else the local user (STAGETRUTH_USER or the OS user)."""
        from pipelines.decisions import current_actor

        return self.user or current_actor()

    def describe(self) -> str:
        if self.mode == "local":
            return f"Local mode: everyone is {self.role} ([access] default_role)."
        if self.mode == "signed_in":
            return f"Signed in as {self.user} · {self.role}"
        if self.mode == "unknown_user":
            return f"Signed in as {self.user}, who has no role: ask an admin."
        return "Not signed in."


def load_access_settings(path: Path | None = None) -> AccessSettings:
    doc, path = settings_document(path)
    section = (doc or {}).get("access", {})
    problems = []
    default = section.get("default_role", "analyst")
    if default is not None and default not in ROLES:
        problems.append(f"[access] default_role = {default!r}: one of {', '.join(ROLES)}")
    users = {}
    for email, role in section.get("users", {}).items():
        if role not in ROLES:
            problems.append(f"[access.users] {email!r} = {role!r}: one of {', '.join(ROLES)}")
        users[email.strip().lower()] = role
    if problems:
        raise SettingsError(f"{path}: " + "; ".join(problems))
    return AccessSettings(default or None, users)


def resolve(settings: AccessSettings, *, sign_in_configured: bool, signed_in: bool, email: str | None) -> Access:
    if not sign_in_configured:
        return Access(None, settings.default_role, "local")
    if not signed_in or not email:
        return Access(None, None, "signed_out")
    role = settings.users.get(email.strip().lower())
    return Access(email, role, "signed_in" if role else "unknown_user")


def pseudonym(value: str | None, prefix: str = "ID") -> str | None:
    """A stable keyed pseudonym: the same id always maps to the same token, which cannot be reversed."""
    from pipelines.privacy.keys import keyed

    return None if value is None else f"{prefix}-{keyed('pseudonym', str(value))[:12]}"


def redact(frame: pl.DataFrame, access: Access) -> pl.DataFrame:
    """The frame as this role may see it: without people columns, person ids as pseudonyms."""
    if access.can("people"):
        return frame
    if not access.can("aggregates"):
        return frame.clear().drop(frame.columns)
    kept = frame.drop([c for c in frame.columns if c in PERSONAL_COLUMNS])
    ids = [c for c in kept.columns if c in PERSON_IDS and kept.schema[c] in (pl.String, pl.Int64, pl.Int32)]
    if not ids or kept.height == 0:
        return kept
    return kept.with_columns(
        pl.col(c).cast(pl.String).map_elements(lambda v, c=c: pseudonym(v, c.split("_")[0][:3].upper()), return_dtype=pl.String)
        for c in ids
    )


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value):
    """A text cell that a spreadsheet would run as a formula gets a leading apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def safe_frame(frame: pl.DataFrame) -> pl.DataFrame:
    """Every text column guarded against formula injection (see safe_cell)."""
    texts = [c for c, t in frame.schema.items() if t == pl.String]
    starts = "^[=+\\-@\t\r]"
    return frame.with_columns(
        pl.when(pl.col(c).str.contains(starts)).then(pl.lit("'") + pl.col(c)).otherwise(pl.col(c)).alias(c) for c in texts
    )
