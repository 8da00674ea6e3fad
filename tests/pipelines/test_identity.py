"""Identity resolution: normalisation, each rule, hard negatives, bands, stable ids, survivorship."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import polars as pl
import pytest

from pipelines.contracts import CandidateRecord
from pipelines.identity.normalize import normalise
from pipelines.identity.resolve import resolve
from pipelines.identity.settings import IdentitySettings, IdentitySettingsError, parse_identity_settings
from pipelines.schema import polars_schema

RULES_ONLY = IdentitySettings(probabilistic=False)


def rec(source: str, sid: str, first: str | None, last: str | None, emails=(), phones=(), *, url=None, location=None,
        company=None, updated: int = 1) -> dict:
    at = datetime(2026, 9, updated, tzinfo=timezone.utc)
    return dict(source=source, source_id=sid, load_id="t", first_name=first, last_name=last, full_name=None,
                emails=list(emails), phones=list(phones), company=company, location=location, profile_url=url,
                created_at=at, updated_at=at)


def frame(*rows: dict) -> pl.DataFrame:
    return pl.DataFrame(list(rows), schema=polars_schema(CandidateRecord))


def persons(result) -> dict[str, str]:
    return {f"{r['source']}:{r['source_id']}": r["person_id"] for r in result.identity_link.iter_rows(named=True)}


def test_normalisation_of_emails_phones_names_and_urls():
    records = normalise(frame(
        rec("gh", "1", " Zoë  ", "Müller-Lüdenscheidt", [" Zoe.Muller+jobs@GoogleMail.com "], ["(415) 555-0101"],
            url="https://www.LinkedIn.com/in/zoe-m/?trk=x"),
        rec("gh", "2", "anna k.", "O'Brien", ["a@x.example"], ["07700 900123"]),
        rec("gh", "3", "Jim", "Brown", [], ["+44 7700 900123", "12"]),
    ), IdentitySettings())
    r = {row["source_id"]: row for row in records.iter_rows(named=True)}
    assert r["1"]["email_keys"] == ["zoemuller@gmail.com"]
    assert r["1"]["phones_e164"] == ["+14155550101"]
    assert (r["1"]["first_key"], r["1"]["last_key"]) == ("zoe", "mullerludenscheidt")
    assert r["1"]["url_key"] == "linkedin.com/in/zoe-m"
    assert r["2"]["first_key"] == "anna" and r["2"]["last_key"] == "obrien"  # middle initial and apostrophe dropped
    assert r["2"]["phone_keys"] == r["3"]["phone_keys"] == ["7700900123"]  # one number, written two ways
    assert r["3"]["first_formal"] == "james"
    plain = normalise(frame(rec("gh", "1", "Zoe", "M", ["zoe.m+x@gmail.com"])), IdentitySettings(gmail_normalise=False))
    assert plain["email_keys"][0].to_list() == ["zoe.m+x@gmail.com"]


def test_email_rule_links_across_case_whitespace_and_gmail_dots():
    result = resolve(frame(
        rec("greenhouse", "1", "Sara", "Kim", ["sara.kim@gmail.com"], ["+1 212 555 0101"]),
        rec("job_boards", "a", "SARA", "kim", [" s.a.r.a.kim+jobs@googlemail.com "], []),
        rec("job_boards", "b", "Sara", "Kim", ["other@example.com"], ["+1 212 555 0199"]),
    ), RULES_ONLY, use_decisions=False)
    who = persons(result)
    assert who["greenhouse:1"] == who["job_boards:a"] != who["job_boards:b"]
    link = result.identity_link.filter(pl.col("source_id") == "a").row(0, named=True)
    assert (link["band"], link["rule"]) == ("auto", "email")


def test_phone_rule_needs_the_name_check_and_keeps_relatives_apart():
    result = resolve(frame(
        rec("greenhouse", "1", "James", "Brown", ["jb@x.example"], ["(415) 555-0203"]),
        rec("job_boards", "a", "Jim", "Brown", ["jimbo@y.example"], ["+14155550203"]),       # nickname: same person
        rec("greenhouse", "2", "Maria", "Lopez", ["maria@x.example"], ["415-555-0205"]),
        rec("greenhouse", "3", "Carlos", "Lopez", ["carlos@x.example"], ["4155550205"]),    # her brother, same phone
        rec("greenhouse", "4", "Maria", "Lopez", ["maria.l@z.example"], ["415-555-0299"]),  # a namesake, other contacts
    ), RULES_ONLY, use_decisions=False)
    who = persons(result)
    assert who["greenhouse:1"] == who["job_boards:a"]
    assert len({who["greenhouse:2"], who["greenhouse:3"], who["greenhouse:4"]}) == 3
    kept = result.identity_pair.filter(pl.col("status") == "kept_apart").row(0, named=True)
    assert (kept["rule"], kept["band"]) == ("phone_name", "ignore") and "first names differ" in kept["reasons"]


def test_a_hard_negative_stops_a_chain_of_links():
    # a family inbox links Maria to Carlos by email, but their shared phone says they are two people
    result = resolve(frame(
        rec("greenhouse", "2", "Maria", "Lopez", ["lopez.family@x.example"], ["415-555-0205"]),
        rec("greenhouse", "3", "Carlos", "Lopez", ["lopez.family@x.example"], ["415-555-0205"]),
    ), RULES_ONLY, use_decisions=False)
    who = persons(result)
    assert who["greenhouse:2"] != who["greenhouse:3"]
    assert set(result.identity_link["band"]) == {"ignore"}


def test_profile_url_rule_and_rule_order_are_configurable():
    rows = frame(rec("greenhouse", "1", "Ravi", "Shah", [], [], url="https://linkedin.com/in/ravi-shah"),
                 rec("job_boards", "a", "Ravi", "Shah", [], [], url="linkedin.com/in/ravi-shah/"),
                 rec("greenhouse", "2", "Ravi", "Shah", [], ["+1 212 555 0101"], url="linkedin.com/in/ravi-shah-01"),
                 rec("greenhouse", "3", "Ravi", "Shah", [], ["+1 212 555 0199"], url="linkedin.com/in/ravi-shah-01"))
    assert "profile_url" not in RULES_ONLY.rules  # off by default: the demo's name-NN slugs collide
    default = persons(resolve(rows, RULES_ONLY, use_decisions=False))
    assert default["greenhouse:1"] != default["job_boards:a"]
    with_url = IdentitySettings(rules=("email", "phone_name", "profile_url"), probabilistic=False)
    result = resolve(rows, with_url, use_decisions=False)
    on = persons(result)
    assert on["greenhouse:1"] == on["job_boards:a"]
    assert on["greenhouse:2"] != on["greenhouse:3"]  # same slug, two known phones that differ: review
    assert result.identity_pair.filter(pl.col("status") == "pending")["reasons"].to_list() == ["same profile URL; phones differ"]


def test_application_rule_links_a_board_copy_applied_within_the_window():
    at = datetime(2026, 9, 1, 9, tzinfo=timezone.utc)
    rows = frame(rec("greenhouse", "1", "Ravi", "Shah", ["ravi@x.example"]),
                 rec("job_boards", "Indeed|a", "Ravi", "Shah", ["ravishah77@y.example"]),
                 rec("job_boards", "Indeed|b", "Ravi", "Shah", ["r.shah@z.example"]),       # a namesake, next day
                 rec("job_boards", "Indeed|c", "Rita", "Shah", ["rita@z.example"]))         # his sister, same hour
    apps = pl.DataFrame({
        "record_key": ["greenhouse:1", "job_boards:Indeed|a", "job_boards:Indeed|b", "job_boards:Indeed|c"],
        "requisition": ["ENG-1001"] * 4,
        "applied_at": [at, at - timedelta(minutes=30), at + timedelta(days=1), at],
    })
    who = persons(resolve(rows, RULES_ONLY, use_decisions=False, applications=apps))
    assert who["greenhouse:1"] == who["job_boards:Indeed|a"]
    assert len({who["greenhouse:1"], who["job_boards:Indeed|b"], who["job_boards:Indeed|c"]}) == 3


def test_a_shared_email_with_phones_that_differ_waits_for_review():
    result = resolve(frame(rec("greenhouse", "1", "Finn", "Ortiz", ["finn@x.example"], ["+1 212 555 0101"]),
                           rec("job_boards", "a", "Finn", "Ortiz", ["finn@x.example"], ["+1 212 555 0199"])),
                     RULES_ONLY, use_decisions=False)
    assert len(set(persons(result).values())) == 2
    assert set(result.identity_link["band"]) == {"review"}


def test_person_ids_are_stable_when_membership_does_not_change():
    base = [rec("greenhouse", "1", "Sara", "Kim", ["sara@x.example"]), rec("job_boards", "a", "Sara", "Kim", ["sara@x.example"]),
            rec("greenhouse", "2", "Ali", "Khan", ["ali@x.example"])]
    first = persons(resolve(frame(*base), RULES_ONLY, use_decisions=False))
    again = persons(resolve(frame(*reversed(base), rec("greenhouse", "9", "Bo", "Li", ["bo@x.example"])), RULES_ONLY,
                            use_decisions=False))
    assert all(again[k] == v for k, v in first.items())


def test_bands_follow_the_thresholds():
    s = IdentitySettings(auto_threshold=0.9, review_threshold=0.4)
    assert [s.band(p) for p in (0.95, 0.9, 0.5, 0.4, 0.39)] == ["auto", "auto", "review", "review", "ignore"]
    with pytest.raises(IdentitySettingsError, match="review_threshold"):
        parse_identity_settings({"auto_threshold": 0.5, "review_threshold": 0.8})
    with pytest.raises(IdentitySettingsError, match="rules"):
        parse_identity_settings({"rules": ["email", "shoe_size"]})
    with pytest.raises(IdentitySettingsError, match="region"):
        parse_identity_settings({"default_region": "Atlantis"})


def test_golden_record_follows_survivorship():
    rows = frame(
        rec("job_boards", "a", "Sara", "Kim", ["sara@x.example"], ["+1 212 555 0101"], location="Austin, TX", updated=20),
        rec("greenhouse", "1", "Sara", "Kim-Lee", ["sara@x.example"], [], location=None, company="Acme", updated=2),
        rec("greenhouse", "2", "Sara", "Kim", ["sara@x.example"], [], location="Denver, CO", updated=5),
    )
    person = resolve(rows, RULES_ONLY, use_decisions=False).person.row(0, named=True)
    assert person["records"] == 3 and person["sources"] == ["greenhouse", "job_boards"]
    assert person["last_name"] == "Kim"          # greenhouse wins; within it the most recent record
    assert person["location"] == "Denver, CO"    # greenhouse's only non-empty location beats the board's
    assert person["phone"] == "+12125550101"     # only the board has one: most recent non-empty
    assert person["company"] == "Acme"
    boards_first = IdentitySettings(probabilistic=False, field_priority={"location": ("job_boards", "greenhouse")})
    assert resolve(rows, boards_first, use_decisions=False).person["location"][0] == "Austin, TX"


def test_empty_and_partial_records_resolve_without_inventing_values():
    rows = pl.DataFrame([
        dict(rec("lever", "1", None, None), full_name="Anna K. Smith", emails=None, phones=None, created_at=None,
             updated_at=None),
        dict(rec("lever", "2", "", "  ", ["", None], ["", "abc", None]), company="", location="", profile_url="not a url"),
        rec("bullhorn", "3", "Anna", "Smith", ["ANNA@x.example"], ["+1 (415) 555-0100 ext. 12"]),
        rec("merge", "4", "anna", "smith", ["anna@x.example", " "], ["415 555 0100"]),
    ], schema=polars_schema(CandidateRecord))
    result = resolve(rows, RULES_ONLY, use_decisions=False)
    who = persons(result)
    assert who["bullhorn:3"] == who["merge:4"] and len(set(who.values())) == 3  # a name alone links nothing
    people = {r["person_id"]: r for r in result.person.iter_rows(named=True)}
    empty = people[who["lever:2"]]
    assert (empty["first_name"], empty["email"], empty["phone"], empty["emails"]) == (None, None, None, [])
    named = people[who["lever:1"]]
    assert (named["first_name"], named["last_name"]) == ("Anna K.", "Smith")
    both = people[who["merge:4"]]
    assert both["emails"] == ["anna@x.example"] and both["phones"] == ["+14155550100"]
