"""Deterministic rules: candidate pairs from shared keys, each accepted or not by a name check.

Rules run in the configured priority order ([identity] rules); a pair found by several keeps the
first rule that accepts it. Each rule pairs records sharing a key (a key shared by more than
`max_group` records, like a team inbox, pairs nothing) and then checks the names:

- `email`: same normalised email; accepted unless both first names are known and disagree
  (a family address shared by relatives) or both records have phones and none is shared: those
  go to review instead.
- `phone_name`: same phone (national number) and both first and last names agree. A shared phone
  with different first names is a hard negative (relatives, a shared line): it may never link.
- `application`: same first and last name, applications to the same requisition within
  `application_window_hours` (a board application and the ATS application it became), and no two known phones that differ.
- `profile_url`: same normalised profile URL, first and last names agree, and no two known phones
  that differ (slugs like name-NN are not unique everywhere); otherwise the pair waits for review.

"Agree" is folded nicknames, an initial, or a Jaro-Winkler similarity of 0.9 or more (a typo).
"""

from __future__ import annotations

import polars as pl

from pipelines.identity.names import first_names_agree, last_names_agree
from pipelines.identity.settings import IdentitySettings

PAIR_SCHEMA = {"left": pl.String, "right": pl.String, "rule": pl.String, "priority": pl.Int32, "accepted": pl.Boolean,
               "hard_negative": pl.Boolean, "reasons": pl.String}
NAME_COLUMNS = ("first_key", "first_formal", "last_key")


def _shared(records: pl.DataFrame, keys: pl.Expr, max_group: int) -> pl.DataFrame:
    """Pairs of records (left < right) sharing at least one key, with the shared key."""
    exploded = records.select("record_key", key=keys).explode("key").drop_nulls("key").unique()
    exploded = exploded.filter(pl.len().over("key").is_between(2, max_group))
    pairs = exploded.join(exploded, on="key", suffix="_r").filter(pl.col("record_key") < pl.col("record_key_r"))
    return (pairs.group_by("record_key", "record_key_r").agg(pl.col("key").first())
            .rename({"record_key": "left", "record_key_r": "right"}))


def _with_names(pairs: pl.DataFrame, records: pl.DataFrame) -> pl.DataFrame:
    names = records.select("record_key", *NAME_COLUMNS)
    out = pairs.join(names, left_on="left", right_on="record_key", how="left").join(
        names, left_on="right", right_on="record_key", how="left", suffix="_r")
    first = first_names_agree(out["first_key"], out["first_formal"], out["first_key_r"], out["first_formal_r"])
    last = last_names_agree(out["last_key"], out["last_key_r"])
    known = out["first_key"].is_not_null() & out["first_key_r"].is_not_null()
    return out.with_columns(first_agree=pl.Series(first, dtype=pl.Boolean), last_agree=pl.Series(last, dtype=pl.Boolean),
                            first_known=known)


def _phones_differ(pairs: pl.DataFrame, records: pl.DataFrame) -> pl.DataFrame:
    """phones_differ: both records have phones and none is shared (evidence against one person)."""
    phones = records.select("record_key", "phone_keys")
    out = pairs.join(phones, left_on="left", right_on="record_key", how="left").join(
        phones, left_on="right", right_on="record_key", how="left", suffix="_r")
    differ = ((pl.col("phone_keys").list.len() > 0) & (pl.col("phone_keys_r").list.len() > 0)
              & (pl.col("phone_keys").list.set_intersection("phone_keys_r").list.len() == 0))
    return out.with_columns(phones_differ=differ).drop("phone_keys", "phone_keys_r")


def _email(records: pl.DataFrame, s: IdentitySettings) -> pl.DataFrame:
    out = _phones_differ(_with_names(_shared(records, pl.col("email_keys"), s.max_group), records), records)
    names_ok = pl.col("first_agree") | ~pl.col("first_known")
    accepted = names_ok & ~pl.col("phones_differ")
    return out.with_columns(
        accepted=accepted, hard_negative=pl.lit(False),
        reasons=pl.when(accepted).then(pl.lit("same email; names agree"))
        .when(names_ok).then(pl.lit("same email; phones differ"))
        .otherwise(pl.lit("same email; first names differ (shared family or team address?)")))


def _phone_name(records: pl.DataFrame, s: IdentitySettings) -> pl.DataFrame:
    out = _with_names(_shared(records, pl.col("phone_keys"), s.max_group), records)
    accepted = pl.col("first_agree") & pl.col("last_agree")
    hard = pl.col("first_known") & ~pl.col("first_agree")
    return out.with_columns(
        accepted=accepted, hard_negative=hard,
        reasons=pl.when(accepted).then(pl.lit("same phone; first and last names agree"))
        .when(hard).then(pl.lit("same phone; first names differ (relatives or a shared line): kept apart"))
        .otherwise(pl.lit("same phone; last names differ")))


def _profile_url(records: pl.DataFrame, s: IdentitySettings) -> pl.DataFrame:
    out = _phones_differ(_with_names(_shared(records, pl.concat_list(pl.col("url_key")), s.max_group), records), records)
    # profile slugs are not unique everywhere (name-NN): two known phones that differ outweigh one
    contradicted = pl.col("phones_differ")
    accepted = pl.col("first_agree") & pl.col("last_agree") & ~contradicted
    return out.with_columns(
        accepted=accepted, hard_negative=pl.lit(False),
        reasons=pl.when(accepted).then(pl.lit("same profile URL; names agree"))
        .when(contradicted).then(pl.lit("same profile URL; phones differ"))
        .otherwise(pl.lit("same profile URL; names differ")))


def _application(records: pl.DataFrame, s: IdentitySettings, applications: pl.DataFrame | None) -> pl.DataFrame:
    if applications is None or applications.height == 0:
        return pl.DataFrame(schema={"left": pl.String, "right": pl.String, "accepted": pl.Boolean,
                                    "hard_negative": pl.Boolean, "reasons": pl.String})
    keyed = applications.join(records.select("record_key", "last_key"), on="record_key").drop_nulls("last_key")
    pairs = (keyed.join(keyed, on=["requisition", "last_key"], suffix="_r")
             .filter((pl.col("record_key") < pl.col("record_key_r"))
                     & ((pl.col("applied_at") - pl.col("applied_at_r")).abs() <= pl.duration(hours=s.application_window_hours)))
             .group_by("record_key", "record_key_r").agg(key=pl.col("requisition").first())
             .rename({"record_key": "left", "record_key_r": "right"}))
    # a shared surname alone says little (relatives, common names): only name-agreeing pairs are candidates
    out = _phones_differ(_with_names(pairs, records).filter(pl.col("first_agree") & pl.col("last_agree")), records)
    out = out.filter(~pl.col("phones_differ"))
    return out.with_columns(
        accepted=pl.lit(True), hard_negative=pl.lit(False),
        reasons=pl.lit(f"same name; applied to the same requisition within {s.application_window_hours:g} h"))


RULE_FUNCTIONS = {"email": _email, "phone_name": _phone_name, "profile_url": _profile_url}


def applications_by_record(application: pl.DataFrame, job: pl.DataFrame) -> pl.DataFrame:
    """record_key, requisition, applied_at per application: the job's requisition id where the source
    has job rows, else the job id the application names (a board's posting code is the requisition)."""
    req = job.select("source", job_id="source_id", _req="requisition_id")
    return (application.join(req, on=["source", "job_id"], how="left")
            .select(record_key=pl.concat_str("source", pl.lit(":"), "candidate_id"),
                    requisition=pl.coalesce("_req", "job_id"), applied_at="applied_at")
            .drop_nulls())


def candidate_pairs(records: pl.DataFrame, settings: IdentitySettings,
                    applications: pl.DataFrame | None = None) -> pl.DataFrame:
    """Every pair a rule found: accepted links, hard negatives, and pairs for review, one row per pair.

    A pair keeps the highest-priority rule that accepted it; a pair no rule accepted keeps the
    first rule that found it (and is a hard negative if any rule said so).
    """
    found = []
    for priority, rule in enumerate(settings.rules):
        pairs = (_application(records, settings, applications) if rule == "application"
                 else RULE_FUNCTIONS[rule](records, settings))
        found.append(pairs.select("left", "right", rule=pl.lit(rule), priority=pl.lit(priority, pl.Int32),
                                  accepted="accepted", hard_negative="hard_negative", reasons="reasons"))
    if not found:
        return pl.DataFrame(schema=PAIR_SCHEMA)
    every = pl.concat(found, how="vertical").cast(PAIR_SCHEMA)
    hard = every.group_by("left", "right").agg(any_hard=pl.col("hard_negative").any())
    best = (every.sort(pl.col("accepted").not_(), "priority").group_by("left", "right", maintain_order=True).first()
            .join(hard, on=["left", "right"]))
    return best.with_columns(hard_negative=pl.col("any_hard") & ~pl.col("accepted")).select(list(PAIR_SCHEMA))
