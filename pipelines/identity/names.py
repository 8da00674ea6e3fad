"""Names: normalised for comparison, nicknames folded to one formal name, and the name check.

A name is compared without case, accents, punctuation or extra whitespace; a middle initial
("Anna K. Smith") is dropped. A first name is folded through the nickname table (Jim -> james)
so that "Jim" and "James" agree; the project's own entries ([identity.nicknames]) extend it.
The name check is deliberately strict about first names: relatives share surnames, phones and
addresses, so a shared contact with a different first name is a hard negative, never a link.
"""

from __future__ import annotations

import polars as pl
from rapidfuzz.distance import JaroWinkler
from rapidfuzz.process import cpdist

# nickname -> formal name (lower case, plain ASCII). Two nicknames of one name fold together.
NICKNAMES: dict[str, str] = {
    "jim": "james", "jimmy": "james", "jamie": "james", "dan": "daniel", "danny": "daniel", "sam": "samuel",
    "sammy": "samuel", "ollie": "oliver", "andy": "andrew", "drew": "andrew", "dima": "dmitri", "vic": "victor",
    "em": "emily", "emmy": "emily", "lena": "elena", "jules": "julia", "luke": "lukas", "teo": "mateo",
    "tom": "tomas", "tommy": "thomas", "ben": "benjamin", "benny": "benjamin", "matt": "matthew",
    "matty": "matthew", "henk": "henrik", "ibo": "ibrahim", "sophie": "sofia", "sophia": "sofia",
    "hanna": "hannah", "nadya": "nadia", "teddy": "theo", "kiki": "chiara", "jon": "jonas", "cami": "camila",
    "tima": "fatima", "ruthie": "ruth", "essie": "esther", "inga": "ingrid", "bill": "william", "will": "william",
    "billy": "william", "liz": "elizabeth", "beth": "elizabeth", "betty": "elizabeth", "bob": "robert",
    "rob": "robert", "bobby": "robert", "dick": "richard", "rick": "richard", "rich": "richard", "mike": "michael",
    "mick": "michael", "kate": "katherine", "katie": "katherine", "kathy": "katherine", "chris": "christopher",
    "alex": "alexander", "sasha": "alexander", "nick": "nicholas", "nico": "nicholas", "tony": "anthony",
    "joe": "joseph", "joey": "joseph", "steve": "stephen", "pat": "patricia", "peggy": "margaret",
    "maggie": "margaret", "meg": "margaret", "jen": "jennifer", "jenny": "jennifer", "ed": "edward",
    "eddie": "edward", "ted": "edward", "fred": "frederick", "greg": "gregory", "jeff": "jeffrey",
    "larry": "lawrence", "ron": "ronald", "tim": "timothy", "vince": "vincent", "wes": "wesley", "zach": "zachary",
}
# Where a nickname serves two formal names (Sam: Samuel and Samir), both stay possible.
AMBIGUOUS: dict[str, tuple[str, ...]] = {"sam": ("samuel", "samir", "samantha"), "jon": ("jonas", "jonathan", "john"),
                                          "tom": ("tomas", "thomas"), "alex": ("alexander", "alexandra")}
def plain_expr(column: str) -> pl.Expr:
    """Lower case, accents dropped, "-._" read as spaces, other punctuation removed, whitespace
    collapsed; null when nothing is left."""
    text = (pl.col(column).str.normalize("NFKD").str.replace_all(r"\p{M}", "").str.to_lowercase()
            .str.replace_all(r"[-._]", " ").str.replace_all(r"[^a-z0-9 ]", "").str.replace_all(r"\s+", " ")
            .str.strip_chars())
    return pl.when(text != "").then(text)


def name_columns(frame: pl.DataFrame, extra_nicknames: dict[str, str] | None = None) -> pl.DataFrame:
    """first/last as compared: plain text, middle initials dropped, nicknames folded (first_formal).

    A record with only a full name is split at its last space (given names, family name).
    """
    out = frame.with_columns(_full=plain_expr("full_name"), _first=plain_expr("first_name"),
                             _last=plain_expr("last_name")).with_columns(
        _first=pl.coalesce("_first", pl.col("_full").str.extract(r"^(.*) [^ ]+$")),
        _last=pl.coalesce("_last", pl.col("_full").str.extract(r" ([^ ]+)$")),
    )
    # middle initials: single letters after the first word are dropped ("anna k" -> "anna")
    words = pl.col("_first").str.split(" ")
    given = words.list.eval(pl.element().filter(pl.element().str.len_chars() > 1)).list.first()
    table = {**NICKNAMES, **(extra_nicknames or {})}
    out = out.with_columns(first_key=pl.coalesce(given, words.list.first()),
                           last_key=pl.col("_last").str.replace_all(" ", ""))
    return out.with_columns(first_formal=pl.col("first_key").replace(table)).drop("_full", "_first", "_last")


def _similar(a: list[str | None], b: list[str | None], threshold: float) -> list[bool]:
    aa = [x or "" for x in a]
    bb = [x or "" for x in b]
    if not aa:
        return []
    scores = cpdist(aa, bb, scorer=JaroWinkler.normalized_similarity, workers=1)
    return [bool(s >= threshold) and x != "" and y != "" for s, x, y in zip(scores.tolist(), aa, bb)]


def first_names_agree(a_key, a_formal, b_key, b_formal, threshold: float = 0.9) -> list[bool]:
    """Same formal name, an ambiguous nickname of either, one an initial of the other, or a typo apart."""
    fuzzy = [x or y for x, y in zip(_similar(list(a_formal), list(b_formal), threshold),
                                    _similar(list(a_key), list(b_key), threshold))]
    out = []
    for ak, af, bk, bf, fz in zip(a_key, a_formal, b_key, b_formal, fuzzy):
        if not ak or not bk:
            out.append(False)
        elif af == bf or fz or (len(ak) == 1 and bk.startswith(ak)) or (len(bk) == 1 and ak.startswith(bk)):
            out.append(True)
        else:
            out.append(bf in AMBIGUOUS.get(ak, ()) or af in AMBIGUOUS.get(bk, ()))
    return out


def last_names_agree(a_last, b_last, threshold: float = 0.9) -> list[bool]:
    fuzzy = _similar(list(a_last), list(b_last), threshold)
    return [bool(a) and bool(b) and (a == b or f) for a, b, f in zip(a_last, b_last, fuzzy)]
