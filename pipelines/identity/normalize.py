"""Candidate records made comparable: one row per record with its normalised keys.

- email: trimmed, lower case; for gmail-like domains (configurable) dots and "+tags" in the
  local part are dropped and googlemail.com reads gmail.com (the rule can be switched off).
- phone: E.164 through `phonenumbers`, read in the default region and, when a number is not a
  possible number there, in the fallback regions in order (first valid one wins); `phone_keys`
  hold the national significant number, which matches however the country was written
  ("+44 7700 900123", "07700 900123").
- names: see pipelines.identity.names; city: the locality of a location ("Austin, TX ...").
- profile URL: scheme, "www.", query and trailing slash dropped, lower case ("linkedin.com/in/x").
The source records are read, never changed: the keys live in new columns of a new frame.
"""

from __future__ import annotations

from functools import lru_cache

import phonenumbers
import polars as pl

from pipelines.identity.names import name_columns
from pipelines.identity.settings import IdentitySettings


def record_key(source: pl.Expr | str = "source", source_id: pl.Expr | str = "source_id") -> pl.Expr:
    """source:source_id, the id every identity table and decision uses for a record."""
    src = pl.col(source) if isinstance(source, str) else source
    sid = pl.col(source_id) if isinstance(source_id, str) else source_id
    return pl.concat_str([src, pl.lit(":"), sid])


def email_expr(column: str, settings: IdentitySettings) -> pl.Expr:
    e = pl.col(column).str.strip_chars().str.to_lowercase()
    e = pl.when(e.str.contains(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")).then(e)
    if not settings.gmail_normalise:
        return e
    local, domain = e.str.extract(r"^([^@]+)@"), e.str.extract(r"@(.+)$")
    gmail = domain.is_in(list(settings.gmail_domains))
    folded = local.str.replace(r"\+.*$", "").str.replace_all(".", "", literal=True) + pl.lit("@gmail.com")
    return pl.when(gmail).then(folded).otherwise(e)


@lru_cache(maxsize=1_000_000)
def _phone(text: str, regions: tuple[str, ...]) -> tuple[str | None, str | None]:
    """(E.164 or None, national significant number or None) for one written phone."""
    digits = "".join(ch for ch in text if ch.isdigit())
    if len(digits) < 7:
        return None, None
    first = None
    for i, region in enumerate(regions):
        try:
            number = phonenumbers.parse(text, region)
        except phonenumbers.NumberParseException:
            continue
        first = first or number
        if text.lstrip().startswith("+") or (i == 0 and phonenumbers.is_possible_number(number)) \
                or phonenumbers.is_valid_number(number):
            return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164), str(number.national_number)
    return None, (str(first.national_number) if first is not None else digits.lstrip("0"))


def _fast_phones(unique_phones: pl.DataFrame, default_region: str) -> pl.DataFrame:
    """E.164 and key without phonenumbers for the unambiguous shapes (most of any export):
    "+<country code><number>" (country codes are prefix-free), and 10-digit national numbers
    where the default region is in the North American plan. Everything else: null (slow path)."""
    by_length = {n: sorted({str(c) for c in phonenumbers.COUNTRY_CODE_TO_REGION_CODE if c and len(str(c)) == n})
                 for n in (1, 2, 3)}
    frame = unique_phones.with_columns(_d=pl.col("phone").str.replace_all(r"\D", ""),
                                       _plus=pl.col("phone").str.strip_chars().str.starts_with("+"))
    frame = frame.with_columns(_cc=pl.coalesce([
        pl.when(pl.col("_d").str.slice(0, n).is_in(codes)).then(pl.col("_d").str.slice(0, n)) for n, codes in by_length.items()]))
    frame = frame.with_columns(_written=pl.col("_d").str.slice(pl.col("_cc").str.len_chars()))
    # "(0)" trunk digits dropped: the key is the national number as phonenumbers gives it
    frame = frame.with_columns(_rest=pl.col("_written").str.strip_chars_start("0"))
    international = (pl.col("_plus") & ~pl.col("phone").str.contains(r"[A-Za-z]")
                     & pl.col("_rest").str.len_chars().is_between(4, 14))
    nanp_ok = phonenumbers.country_code_for_region(default_region) == 1
    national = pl.col("_d").str.contains(r"^1?[2-9]\d{2}[2-9]\d{6}$") & ~pl.col("_plus") & pl.lit(nanp_ok)
    kept = pl.when(pl.col("_cc") == "39").then(pl.col("_written")).otherwise(pl.col("_rest"))  # Italy keeps its 0
    return frame.select(
        "phone",
        e164=pl.when(international).then(pl.concat_str(pl.lit("+"), "_cc", kept))
        .when(national).then(pl.concat_str(pl.lit("+1"), pl.col("_d").str.slice(-10))),
        phone_key=pl.when(international).then("_rest").when(national).then(pl.col("_d").str.slice(-10)),
    )


def _national_phones(phones: list[str], regions: tuple[str, ...]) -> pl.DataFrame:
    """Numbers written nationally with a trunk 0 ("07700 900123"): the region is decided once per
    leading digits and length (phonenumbers on one of them), the rest follow it."""
    frame = pl.DataFrame({"phone": phones}, schema={"phone": pl.String}).with_columns(
        _d=pl.col("phone").str.replace_all(r"\D", ""))
    frame = frame.with_columns(_key=pl.col("_d").str.strip_chars_start("0"),
                               _shape=pl.concat_str(pl.col("_d").str.slice(0, 7), pl.lit(":"), pl.col("_d").str.len_chars()))
    trunk = frame.filter(pl.col("_d").str.contains(r"^0[1-9]\d{5,}$"))
    reps = trunk.group_by("_shape").agg(pl.col("phone").first())
    prefix: dict[str, str | None] = {}
    for shape, phone in reps.iter_rows():
        e164, key = _phone(phone, regions)
        prefix[shape] = e164[: len(e164) - len(key)] if e164 and key and e164.endswith(key) else None
    trunk = trunk.with_columns(_cc=pl.col("_shape").replace_strict(prefix, default=None, return_dtype=pl.String))
    done = trunk.filter(pl.col("_cc").is_not_null()).select(
        "phone", e164=pl.concat_str("_cc", "_key"), phone_key="_key")
    known = set(done["phone"].to_list())
    rest = [p for p in phones if p not in known]
    parsed = [_phone(p, regions) for p in rest]
    slow = pl.DataFrame({"phone": rest, "e164": [p[0] for p in parsed], "phone_key": [p[1] for p in parsed]},
                        schema={"phone": pl.String, "e164": pl.String, "phone_key": pl.String})
    return pl.concat([done, slow], how="vertical")


def phone_columns(frame: pl.DataFrame, settings: IdentitySettings) -> pl.DataFrame:
    regions = (settings.default_region, *settings.fallback_regions)
    written = frame.select("record_key", phone=pl.col("phones")).explode("phone").drop_nulls("phone")
    written = written.filter(pl.col("phone").str.strip_chars() != "")
    uniq = _fast_phones(written.select("phone").unique(), settings.default_region)
    slow = uniq.filter(pl.col("phone_key").is_null())["phone"].to_list()
    lookup = pl.concat([uniq.filter(pl.col("phone_key").is_not_null()), _national_phones(slow, regions)], how="vertical")
    per = (written.join(lookup, on="phone", how="left").group_by("record_key", maintain_order=True)
           .agg(phones_e164=pl.col("e164").drop_nulls().unique(maintain_order=True),
                phone_keys=pl.col("phone_key").drop_nulls().unique(maintain_order=True)))
    return frame.join(per, on="record_key", how="left")


def url_expr(column: str) -> pl.Expr:
    u = (pl.col(column).str.strip_chars().str.to_lowercase().str.replace(r"^[a-z]+://", "").str.replace(r"^www\.", "")
         .str.replace(r"[?#].*$", "").str.strip_chars_end("/"))
    return pl.when(u.str.contains(r"^[^/\s]+\.[^/\s]+/.+")).then(u)


def city_expr(column: str) -> pl.Expr:
    """The locality: last line of an address, before its first comma, without postcodes."""
    last_line = pl.col(column).str.split("\n").list.last()
    city = (last_line.str.split(",").list.first().str.replace_all(r"\b[A-Z0-9]{1,4}\s?[0-9][A-Z0-9]{0,3}\b", "")
            .str.replace_all(r"\d+", "").str.strip_chars().str.to_lowercase())
    return pl.when(city != "").then(city)


def normalise(records: pl.DataFrame, settings: IdentitySettings) -> pl.DataFrame:
    """One row per candidate record with record_key and every key the rules compare."""
    frame = records.with_columns(record_key=record_key())
    emails = (frame.select("record_key", email=pl.col("emails")).explode("email")
              .with_columns(email=email_expr("email", settings)).drop_nulls("email")
              .group_by("record_key", maintain_order=True).agg(email_keys=pl.col("email").unique(maintain_order=True)))
    frame = frame.join(emails, on="record_key", how="left")
    frame = phone_columns(frame, settings)
    frame = name_columns(frame, settings.nicknames)
    empty = pl.lit([], dtype=pl.List(pl.String))
    return frame.with_columns(
        email_keys=pl.col("email_keys").fill_null(empty), phone_keys=pl.col("phone_keys").fill_null(empty),
        phones_e164=pl.col("phones_e164").fill_null(empty),
        url_key=url_expr("profile_url"), city=city_expr("location"),
    )
