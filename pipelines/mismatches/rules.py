"""The mismatch rules: what each one means, its grace period and severity ([mismatches] in data/stagetruth.toml).

A rule fires on a pair of facts from two systems that cannot both be true for long. Each
detection carries `since_at`, the moment the disagreement began (e.g. when the calendar slot was
confirmed); it becomes a mismatch once it has lasted its rule's grace period: at `since_at + grace` it is
raised, a moment earlier it is not.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import timedelta
from pathlib import Path

from pipelines.config import SettingsError, settings_document

SEVERITIES = ("low", "medium", "high")


@dataclass(frozen=True)
class Rule:
    name: str
    title: str
    means: str
    grace: timedelta
    severity: str


# Defaults; data/stagetruth.toml [mismatches.rules.<name>] overrides grace_hours and severity.
RULES: dict[str, Rule] = {r.name: r for r in (
    Rule("interview_confirmed_ats_before_interviewing", "Interview confirmed, ATS before interviewing",
         "a scheduling tool has an interview (not a screening call) confirmed while the ATS application is still "
         "active before interviewing", timedelta(hours=1), "medium"),
    Rule("rejected_interview_booked", "Rejected or withdrawn, interview still booked",
         "the ATS rejected or withdrew the application while a scheduling tool still has an interview booked ahead",
         timedelta(hours=1), "high"),
    Rule("esign_signed_no_ats_acceptance", "Offer signed in e-sign, not accepted in the ATS",
         "an e-signature envelope was completed while the ATS shows neither an accepted offer nor a hire",
         timedelta(hours=4), "high"),
    Rule("envelope_sent_no_ats_offer", "Offer envelope sent, no ATS offer",
         "an offer envelope was sent from e-signature for an application that has no offer in the ATS",
         timedelta(hours=1), "medium"),
    Rule("check_complete_stuck_at_offer", "Background check complete, application stuck at offer",
         "a background check completed while the ATS application is still active at offer",
         timedelta(hours=1), "medium"),
    Rule("hired_no_payroll_handoff", "Hired, no payroll handoff by the start date",
         "the ATS marked the application hired, its start date has passed and payroll has no new hire for it",
         timedelta(hours=24), "high"),
    Rule("payroll_hire_no_ats_hire", "Payroll new hire, no ATS hire",
         "payroll has a new hire for an application the ATS never marked hired, or for nobody the ATS knows",
         timedelta(hours=1), "high"),
    Rule("crm_stage_disagrees_with_ats", "Staffing CRM submission status against ATS stage",
         "a staffing CRM submission and the ATS application of the same person for the same requisition are in "
         "different canonical stages", timedelta(hours=48), "medium"),
)}


class MismatchSettingsError(SettingsError):
    """The [mismatches] section is wrong; the message names the file and the entry."""


@dataclass(frozen=True)
class MismatchSettings:
    rules: dict[str, Rule] = field(default_factory=lambda: dict(RULES))
    # Interviews whose title contains one of these (case-insensitive) are screening calls, not interviews.
    screening_titles: tuple[str, ...] = ("screen", "phone", "intro call")
    # Sources that are a staffing CRM (their applications are submissions compared with the ATS).
    crm_sources: tuple[str, ...] = ("bullhorn",)
    # A backward move within this many hours of the move it undoes is a reverted move (stage_correction).
    revert_within_hours: float = 4.0


def load_mismatch_settings(path: Path | None = None) -> MismatchSettings:
    """[mismatches] of the settings file, every problem reported at once."""
    doc, path = settings_document(path, MismatchSettingsError)
    if doc is None:
        return MismatchSettings()
    section = doc.get("mismatches", {})
    problems: list[str] = []
    rules = dict(RULES)
    for name, entry in section.get("rules", {}).items():
        if name not in RULES:
            problems.append(f"[mismatches.rules.{name}]: no such rule (rules: {', '.join(RULES)})")
            continue
        grace = entry.get("grace_hours", RULES[name].grace.total_seconds() / 3600)
        severity = entry.get("severity", RULES[name].severity)
        if not isinstance(grace, (int, float)) or isinstance(grace, bool) or grace < 0:
            problems.append(f"[mismatches.rules.{name}] grace_hours = {grace!r}: must be a number of hours >= 0")
            continue
        if severity not in SEVERITIES:
            problems.append(f"[mismatches.rules.{name}] severity = {severity!r}: must be one of {', '.join(SEVERITIES)}")
            continue
        rules[name] = replace(RULES[name], grace=timedelta(hours=grace), severity=severity)
    titles = section.get("screening_titles", list(MismatchSettings.screening_titles))
    crm = section.get("crm_sources", list(MismatchSettings.crm_sources))
    for key, value in (("screening_titles", titles), ("crm_sources", crm)):
        if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
            problems.append(f"[mismatches] {key} = {value!r}: must be a list of strings")
    revert = section.get("revert_within_hours", MismatchSettings.revert_within_hours)
    if not isinstance(revert, (int, float)) or isinstance(revert, bool) or revert < 0:
        problems.append(f"[mismatches] revert_within_hours = {revert!r}: must be a number of hours >= 0")
    if problems:
        raise MismatchSettingsError(f"{path}: " + "; ".join(problems))
    return MismatchSettings(rules, tuple(t.lower() for t in titles), tuple(crm), float(revert))
