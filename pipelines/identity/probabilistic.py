"""The probabilistic stage: Splink (DuckDB backend) for the records the rules leave alone.

The model is trained on the data at each build: u by random sampling, the prior from the
email rule (taken to find 70% of matches), m by expectation maximisation on two blockings
(same phone; same folded first name and surname). Comparisons: first name and surname
(Jaro-Winkler levels, term-frequency adjusted: a common surname says less), emails and phones
(array overlap), email user name without digits, and city (term-frequency adjusted).
Prediction blocks on exact first-and-last name, on phone and on email user name, never on
surname alone (STACK-NOTES: that merged namesakes and took minutes).

Only pairs with a record the rules left alone (a person of one) and not already one person are
kept. Hard negatives are kept apart (band ignore) whatever their probability: both records have
phones and emails and none agree (namesakes with other contacts), or both first names are known
and disagree. Every pair carries its match weight and the partial match weight of each
comparison (`levels`). Off by default ([identity] probabilistic): on the demo it adds review
pairs, almost all namesakes, and no recall the rules lack (docs/known-limits.md has the figures).
"""

from __future__ import annotations

import logging

import polars as pl

from pipelines import warehouse
from pipelines.identity.cluster import Clusters
from pipelines.identity.names import first_names_agree
from pipelines.identity.settings import IdentitySettings

LOG = logging.getLogger(__name__)
MIN_RECORDS = 300  # below this there is too little to train on; the rules decide alone
COLUMNS = ("first_name", "last_name", "email_keys", "phone_keys", "email_user", "city")
EMPTY = {"left": pl.String, "right": pl.String, "rule": pl.String, "match_probability": pl.Float64,
         "match_weight": pl.Float64, "band": pl.String, "hard_negative": pl.Boolean, "levels": pl.String,
         "reasons": pl.String, "priority": pl.Int32}


def _input(records: pl.DataFrame) -> pl.DataFrame:
    user = pl.col("email_keys").list.first().str.extract(r"^([^@]+)@").str.replace_all(r"[^a-z]", "")
    return records.select(
        unique_id="record_key", first_name="first_formal", last_name="last_key", email_keys="email_keys",
        phone_keys="phone_keys", email_user=pl.when(user != "").then(user), city="city",
        first_key="first_key",
    )


def _settings(prior: float):
    import splink.comparison_library as cl
    from splink import SettingsCreator, block_on

    return SettingsCreator(
        link_type="dedupe_only",
        probability_two_random_records_match=prior,
        unique_id_column_name="unique_id",
        comparisons=[
            cl.JaroWinklerAtThresholds("first_name", [0.92]).configure(term_frequency_adjustments=True),
            cl.JaroWinklerAtThresholds("last_name", [0.92]).configure(term_frequency_adjustments=True),
            cl.ArrayIntersectAtSizes("email_keys", [1]),
            cl.ArrayIntersectAtSizes("phone_keys", [1]),
            cl.ExactMatch("city").configure(term_frequency_adjustments=True),
        ],
        blocking_rules_to_generate_predictions=[
            block_on("first_name", "last_name"), block_on("email_user"),
        ],
        retain_intermediate_calculation_columns=True,
        retain_matching_columns=False,
    )


def score_unresolved(records: pl.DataFrame, clusters: Clusters, settings: IdentitySettings) -> pl.DataFrame:
    if records.height < MIN_RECORDS:
        return pl.DataFrame(schema=EMPTY)
    logging.getLogger("splink").setLevel(logging.WARNING)
    frame = _input(records)
    con = warehouse.memory()
    try:
        return _score(frame, con, clusters, settings)
    except Exception as exc:  # noqa: BLE001 - a model that cannot train must not stop the build
        LOG.warning("identity: the probabilistic stage was skipped (%s: %s); the rules decided alone",
                    type(exc).__name__, exc)
        return pl.DataFrame(schema=EMPTY)
    finally:
        con.close()


def _prior(clusters: Clusters) -> float:
    """The chance two random records match: pairs the rules linked, taken as 70% of all matches."""
    n = len(clusters.keys)
    linked = sum(len(m) * (len(m) - 1) // 2 for m in clusters.members.values())
    return min(0.5, max(linked, 1) / 0.7 / max(n * (n - 1) / 2, 1))


def _score(frame: pl.DataFrame, con, clusters: Clusters, settings: IdentitySettings) -> pl.DataFrame:
    from splink import DuckDBAPI, Linker, block_on

    db_api = DuckDBAPI(connection=con)
    sdf = db_api.register(frame.drop("first_key").to_arrow(), table_name="identity_records")
    linker = Linker(sdf, _settings(_prior(clusters)), log_level=logging.WARNING)
    linker.training.estimate_u_using_random_sampling(max_pairs=2e5, seed=7)
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("first_name", "last_name"))
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("email_user"))
    predicted = linker.inference.predict(threshold_match_probability=settings.review_threshold)
    pairs = pl.from_arrow(predicted.as_pyarrow_table())
    if pairs.height == 0:
        return pl.DataFrame(schema=EMPTY)
    pairs = pairs.rename({"unique_id_l": "left", "unique_id_r": "right"}).with_columns(
        left=pl.min_horizontal("left", "right"), right=pl.max_horizontal("left", "right"))
    keep = [not clusters.same(a, b) and (len(clusters.members[clusters.find(clusters.index[a])]) == 1
                                         or len(clusters.members[clusters.find(clusters.index[b])]) == 1)
            for a, b in zip(pairs["left"].to_list(), pairs["right"].to_list())]
    pairs = pairs.filter(pl.Series(keep, dtype=pl.Boolean))
    if pairs.height == 0:
        return pl.DataFrame(schema=EMPTY)
    return _banded(pairs, frame, settings)


def _banded(pairs: pl.DataFrame, frame: pl.DataFrame, settings: IdentitySettings) -> pl.DataFrame:
    side = frame.select("unique_id", "first_key", "first_name", "email_keys", "phone_keys")
    j = pairs.join(side, left_on="left", right_on="unique_id").join(side, left_on="right", right_on="unique_id", suffix="_r")
    first_ok = pl.Series(first_names_agree(j["first_key"], j["first_name"], j["first_key_r"], j["first_name_r"]))
    both = lambda c: (pl.col(c).list.len() > 0) & (pl.col(f"{c}_r").list.len() > 0)  # noqa: E731
    overlap = lambda c: pl.col(c).list.set_intersection(f"{c}_r").list.len() > 0  # noqa: E731
    other_contacts = both("email_keys") & both("phone_keys") & ~overlap("email_keys") & ~overlap("phone_keys")
    first_conflict = pl.col("first_key").is_not_null() & pl.col("first_key_r").is_not_null() & ~first_ok
    # partial match weight of each comparison (tf adjustment folded in): the levels behind the score
    names = [c[3:] for c in pairs.columns if c.startswith("mw_") and not c.startswith("mw_tf_adj_")]
    weight = lambda n: pl.col(f"mw_{n}") + (pl.col(f"mw_tf_adj_{n}") if f"mw_tf_adj_{n}" in pairs.columns else 0)  # noqa: E731
    level_text = pl.concat_str([pl.concat_str(pl.lit(f"{n} "), weight(n).round(1).cast(pl.String)) for n in names],
                               separator="; ") if names else pl.lit(None, pl.String)
    prob = pl.col("match_probability")
    band = (pl.when(prob >= settings.auto_threshold).then(pl.lit("auto"))
            .when(prob >= settings.review_threshold).then(pl.lit("review")).otherwise(pl.lit("ignore")))
    # hard negatives: namesakes with other contacts, or first names that disagree, never link by score
    capped = pl.when(other_contacts | first_conflict).then(pl.lit("ignore")).otherwise(band)
    reasons = (pl.when(first_conflict).then(pl.lit("model score; first names differ: kept apart"))
               .when(other_contacts).then(pl.lit("model score; names agree but every email and phone differs "
                                                 "(namesakes): kept apart"))
               .otherwise(pl.lit("model score over name, email, phone and city")))
    return j.with_columns(first_ok=first_ok).select(
        "left", "right", rule=pl.lit("probabilistic"), match_probability=prob, match_weight="match_weight",
        band=capped, hard_negative=pl.lit(False), levels=level_text, reasons=reasons, priority=pl.lit(99, pl.Int32),
    ).cast(EMPTY)
