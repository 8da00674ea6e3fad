"""Identity resolution end to end: candidate records in; person, identity_link and identity_pair out.

Order of evidence (strongest first, see pipelines.identity.cluster): people's decisions, the
deterministic rules in their configured order, then the probabilistic stage for what the rules
leave unresolved. Pure function of the canonical records, the settings and the decisions.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import polars as pl

from pipelines.identity.cluster import Clusters
from pipelines.identity.decisions import decided_links, record_ref
from pipelines.identity.golden import golden_records
from pipelines.identity.normalize import normalise
from pipelines.identity.rules import candidate_pairs
from pipelines.identity.settings import IdentitySettings
from pipelines.identity.tables import IdentityLink, IdentityPair, Person
from pipelines.schema import polars_schema

SCORED = {"left": pl.String, "right": pl.String, "rule": pl.String, "match_probability": pl.Float64,
          "match_weight": pl.Float64, "band": pl.String, "hard_negative": pl.Boolean, "levels": pl.String,
          "reasons": pl.String, "priority": pl.Int32}


@dataclass(frozen=True)
class Resolution:
    person: pl.DataFrame
    identity_link: pl.DataFrame
    identity_pair: pl.DataFrame
    skipped: int  # links a negative (a decision or a hard-negative rule) stopped


def identity_tables(tables: dict[str, pl.DataFrame], settings: IdentitySettings | None = None,
                    decisions_path: Path | None = None) -> dict[str, pl.DataFrame]:
    """The build step: person, identity_link and identity_pair from every canonical candidate_record."""
    from pipelines.identity.settings import load_identity_settings

    from pipelines.identity.rules import applications_by_record

    applications = applications_by_record(tables["application"], tables["job"])
    result = resolve(tables["candidate_record"], settings or load_identity_settings(), decisions_path=decisions_path,
                     applications=applications)
    return {"person": result.person, "identity_link": result.identity_link, "identity_pair": result.identity_pair}


def _rule_pairs(pairs: pl.DataFrame, settings: IdentitySettings) -> pl.DataFrame:
    return pairs.select(
        "left", "right", "rule",
        match_probability=pl.when("accepted").then(1.0).when("hard_negative").then(0.0)
        .otherwise(settings.review_threshold),
        match_weight=pl.lit(None, pl.Float64),
        band=pl.when("accepted").then(pl.lit("auto")).when("hard_negative").then(pl.lit("ignore")).otherwise(pl.lit("review")),
        hard_negative="hard_negative", levels=pl.lit(None, pl.String), reasons="reasons", priority="priority",
    ).cast(SCORED)


def resolve(candidate_record: pl.DataFrame, settings: IdentitySettings, *, decisions_path: Path | None = None,
            use_decisions: bool = True, applications: pl.DataFrame | None = None) -> Resolution:
    """applications: record_key, requisition, applied_at (rules.applications_by_record) for the `application` rule."""
    records = normalise(candidate_record, settings)
    keys = records["record_key"].to_list()
    refs = {k: record_ref(k) for k in keys}
    by_ref = {r: k for k, r in refs.items()}
    clusters = Clusters(keys)
    decided = decided_links(decisions_path) if use_decisions else None
    scored = _rule_pairs(candidate_pairs(records, settings, applications), settings)
    decided_pairs: dict[tuple[str, str], tuple[str, str]] = {}
    if decided is not None:
        for status, items in (("rejected", decided.apart), ("confirmed", decided.must)):
            for a, b, audit_id in items:
                if a in by_ref and b in by_ref:
                    decided_pairs[tuple(sorted((by_ref[a], by_ref[b])))] = (status, audit_id)
        for (a, b), (status, _) in decided_pairs.items():
            if status == "rejected":
                clusters.forbid(a, b, human=True)
    for row in scored.filter("hard_negative").iter_rows(named=True):
        clusters.forbid(row["left"], row["right"], human=False)
    for (a, b), (status, audit_id) in decided_pairs.items():
        if status == "confirmed":
            clusters.link(a, b, human=True, why=f"decision {audit_id}")
    for row in scored.filter(pl.col("band") == "auto").sort("priority").iter_rows(named=True):
        clusters.link(row["left"], row["right"], why=row["rule"])
    if settings.probabilistic:
        from pipelines.identity.probabilistic import score_unresolved

        model_pairs = score_unresolved(records, clusters, settings)
        scored = pl.concat([scored, model_pairs.cast(SCORED)], how="vertical")
        for row in model_pairs.filter(pl.col("band") == "auto").sort("match_probability", descending=True).iter_rows(named=True):
            clusters.link(row["left"], row["right"], why="probabilistic")
    assignment = clusters.assignment()
    pairs = _pair_table(scored, decided_pairs, records, assignment, refs)
    links = _link_table(records, assignment, pairs, refs)
    pending = set(pairs.filter(pl.col("status") == "pending").select(pl.concat_list("left_person_id", "right_person_id"))
                  .to_series().explode().to_list())
    person = golden_records(records, assignment, pending, settings)
    IdentityPair.validate(pairs, lazy=True)
    IdentityLink.validate(links, lazy=True)
    Person.validate(person, lazy=True)
    return Resolution(person, links, pairs, len(clusters.skipped))


def _pair_table(scored: pl.DataFrame, decided: dict, records: pl.DataFrame, assignment: pl.DataFrame,
                refs: dict[str, str]) -> pl.DataFrame:
    # one row per pair: the strongest evidence (highest probability, then rule priority)
    best = (scored.sort(pl.col("match_probability"), pl.col("priority"), descending=[True, False])
            .group_by("left", "right", maintain_order=True).first())
    hard = scored.group_by("left", "right").agg(any_hard=pl.col("hard_negative").any())
    best = best.join(hard, on=["left", "right"])
    decided_frame = pl.DataFrame(
        {"left": [a for a, _ in decided], "right": [b for _, b in decided],
         "_decision": [s for s, _ in decided.values()], "audit_id": [i for _, i in decided.values()]},
        schema={"left": pl.String, "right": pl.String, "_decision": pl.String, "audit_id": pl.String})
    best = best.join(decided_frame, on=["left", "right"], how="full", coalesce=True).with_columns(
        rule=pl.col("rule").fill_null("decision"), match_probability=pl.col("match_probability").fill_null(
            pl.when(pl.col("_decision") == "confirmed").then(1.0).otherwise(0.0)),
        band=pl.col("band").fill_null(pl.when(pl.col("_decision") == "confirmed").then(pl.lit("auto")).otherwise(pl.lit("ignore"))),
        any_hard=pl.col("any_hard").fill_null(False))
    who = assignment.select("record_key", "person_id")
    src = records.select("record_key", "source", "source_id")
    out = (best.join(who, left_on="left", right_on="record_key", how="left")
           .join(who, left_on="right", right_on="record_key", how="left", suffix="_r")
           .join(src, left_on="left", right_on="record_key", how="left")
           .join(src, left_on="right", right_on="record_key", how="left", suffix="_r"))
    same = pl.col("person_id") == pl.col("person_id_r")
    out = out.with_columns(status=pl.when(pl.col("_decision").is_not_null()).then(pl.col("_decision"))
                           .when(same).then(pl.lit("linked"))
                           .when(pl.col("any_hard") | (pl.col("band") == "auto")).then(pl.lit("kept_apart"))
                           .when(pl.col("band") == "review").then(pl.lit("pending"))
                           .otherwise(pl.lit("kept_apart")))
    out = out.filter((pl.col("band") != "ignore") | (pl.col("status") != "pending"))
    ref = lambda c: pl.col(c).replace_strict(refs, return_dtype=pl.String)  # noqa: E731
    return out.select(
        left_ref=ref("left"), right_ref=ref("right"), left_source="source", left_source_id="source_id",
        right_source="source_r", right_source_id="source_id_r", left_person_id="person_id", right_person_id="person_id_r",
        rule="rule", match_probability="match_probability", match_weight="match_weight", band="band", status="status",
        levels="levels", reasons="reasons", audit_id="audit_id",
    ).select(list(polars_schema(IdentityPair))).sort("left_ref", "right_ref")


def _link_table(records: pl.DataFrame, assignment: pl.DataFrame, pairs: pl.DataFrame, refs: dict[str, str]) -> pl.DataFrame:
    base = records.select("record_key", "source", "source_id", "created_at").join(assignment, on="record_key")
    base = base.with_columns(record_ref=pl.col("record_key").replace_strict(refs, return_dtype=pl.String))
    joined = pairs.filter(pl.col("status").is_in(["linked", "confirmed"]))
    ends = pl.concat([joined.rename({"left_ref": "record_ref"}).drop("right_ref"),
                      joined.rename({"right_ref": "record_ref"}).drop("left_ref")], how="vertical_relaxed")
    strength = (pl.when(pl.col("status") == "confirmed").then(0).when(pl.col("band") != "auto").then(3)
                .when(pl.col("rule") != "probabilistic").then(1).otherwise(2))
    best = (ends.sort(strength, pl.col("match_probability"), descending=[False, True])
            .group_by("record_ref", maintain_order=True)
            .agg(pl.col("rule", "match_probability", "match_weight", "levels", "reasons", "audit_id", "status").first()))
    waiting = pairs.filter(pl.col("status") == "pending")
    pending = set(waiting["left_ref"].to_list()) | set(waiting["right_ref"].to_list())
    out = base.join(best, on="record_ref", how="left").with_columns(
        band=pl.when(pl.col("status") == "confirmed").then(pl.lit("decided"))
        .when(pl.col("status") == "linked").then(pl.lit("auto"))
        .when(pl.col("record_ref").is_in(sorted(pending))).then(pl.lit("review"))
        .otherwise(pl.lit("ignore")),
        rule=pl.col("rule").fill_null("none"),
    )
    return out.select(list(polars_schema(IdentityLink))).sort("source", "source_id")
