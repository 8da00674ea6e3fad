"""The ingest filter: a staged row is suppressed when any key it carries is on the erasure list."""

from __future__ import annotations

import polars as pl

from pipelines.privacy import keys as K
from pipelines.privacy.suppression import split

SECRET = "test-secret"


def messages() -> pl.DataFrame:
    return pl.DataFrame({
        "source": ["gh"] * 5,
        "source_id": ["m1", "m2", "m3", "m4", "m5"],
        "candidate_id": ["c1", "c1", "c2", "c3", None],
        "application_id": [None, "a9", None, None, None],
        "sender": [" Ana@Mail.example ", "rec@acme.example", "+1 (415) 555-0100", "rec@acme.example", None],
        "recipient": ["rec@acme.example", "ana@mail.example", "rec@acme.example", "bo@mail.example", None],
        "subject": ["hi", "re: hi", "sms", "hello", "orphan"],
    })


def candidates() -> pl.DataFrame:
    return pl.DataFrame({
        "source": ["gh", "gh", "gh"],
        "source_id": ["c1", "c2", "c3"],
        "emails": [["x@mail.example"], ["ANA@mail.example "], None],
        "phones": [[], None, ["415.555.0100"]],
    })


def kept_ids(frame: pl.DataFrame, table: str, keys: list[str]) -> tuple[list[str], list[str]]:
    kept, dropped = split(table, frame, keys, SECRET)
    assert kept.height + dropped.height == frame.height
    return sorted(kept["source_id"]), sorted(dropped["source_id"])


def test_an_email_key_catches_every_column_and_list_carrying_it_whatever_its_case():
    key = K.email_key("ana@mail.example", SECRET)
    assert kept_ids(messages(), "message", [key]) == (["m3", "m4", "m5"], ["m1", "m2"])
    assert kept_ids(candidates(), "candidate_record", [key]) == (["c1", "c3"], ["c2"])


def test_a_phone_key_matches_any_formatting_and_a_record_key_catches_children():
    phone = K.phone_key("415-555-0100", SECRET)
    assert kept_ids(candidates(), "candidate_record", [phone]) == (["c1", "c2"], ["c3"])
    assert kept_ids(messages(), "message", [phone]) == (["m1", "m2", "m4", "m5"], ["m3"])
    parent = K.record_key("gh", "candidate_record", "c3", SECRET)
    application = K.record_key("gh", "application", "a9", SECRET)
    assert kept_ids(messages(), "message", [parent, application]) == (["m1", "m3", "m5"], ["m2", "m4"])


def test_keys_made_with_another_secret_match_nothing_and_no_keys_cost_nothing():
    other = K.email_key("ana@mail.example", "another-secret")
    assert kept_ids(messages(), "message", [other]) == (["m1", "m2", "m3", "m4", "m5"], [])
    kept, dropped = split("message", messages(), [], SECRET)
    assert kept.height == 5 and dropped.height == 0
