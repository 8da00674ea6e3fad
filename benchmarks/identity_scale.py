"""Identity resolution at a million candidate records: a built warehouse's records, copied until
there are enough (each copy made a different set of people), then resolved and timed.

    .venv/bin/python benchmarks/identity_scale.py --records 1000000
    .venv/bin/python benchmarks/identity_scale.py --records 1000000 --warehouse data/stagetruth.duckdb

Each copy keeps every key shared inside the copy (so the same duplicates are found) and shares
none with the other copies: ids, email user names and domains get a copy label, phones another
valid area code and exchange digit, names a copy suffix (so namesakes across copies stay namesakes of their own
copy only). The scaled run must find exactly copies × the persons of one copy: the script checks
it. It prints records per minute for the rule stage (deterministic rules, clustering, golden
record) against the unscaled run, and the peak memory of the process. Target: >= 500,000 records
per minute, within 24 GB.
"""

from __future__ import annotations

import argparse
import math
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import phonenumbers  # noqa: E402
import polars as pl  # noqa: E402

from pipelines import warehouse  # noqa: E402
from pipelines.identity.resolve import identity_tables  # noqa: E402
from pipelines.paths import warehouse_path  # noqa: E402

TABLES = ("candidate_record", "application", "job")


def area_codes() -> list[str]:
    """US area codes under which a number like AAA-234-5678 is valid."""
    return [str(a) for a in range(201, 990)
            if phonenumbers.is_valid_number(phonenumbers.parse(f"+1{a}2345678"))]


def letters(i: int) -> str:
    out = ""
    while True:
        i, r = divmod(i, 26)
        out = "abcdefghijklmnopqrstuvwxyz"[r] + out
        if i == 0:
            return "x" + out


def copy_of(frames: dict[str, pl.DataFrame], i: int, codes: list[str]) -> dict[str, pl.DataFrame]:
    if i == 0:
        return frames
    tag = letters(i)  # letters, not digits: name keys drop digits, and a copy's names must stay its own
    out = {}
    for name, frame in frames.items():
        ids = [c for c, t in frame.schema.items() if t == pl.String and (c == "source_id" or c.endswith("_id"))]
        frame = frame.with_columns(pl.col(c) + f"~{tag}" for c in ids)
        if name == "candidate_record":
            # another valid area code and exchange digit per copy: equal within a copy, unequal across copies
            prefix = f"+1{codes[i % len(codes)]}{2 + (i // len(codes)) % 8}"
            digits = pl.element().str.replace_all(r"[^0-9]", "")
            frame = frame.with_columns(
                emails=pl.col("emails").list.eval(pl.element().str.replace("@", f"{tag}@{tag}.")),
                phones=pl.col("phones").list.eval(pl.lit(prefix) + digits.str.slice(-6)),
                last_name=pl.col("last_name") + tag, full_name=pl.col("full_name") + tag,
                profile_url=pl.col("profile_url") + tag,
            )
        out[name] = frame
    return out


def resolve(frames: dict[str, pl.DataFrame], decisions: Path) -> tuple[dict[str, pl.DataFrame], float]:
    started = time.perf_counter()
    result = identity_tables(dict(frames), decisions_path=decisions)
    return result, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--warehouse", type=Path, default=None)
    args = parser.parse_args()
    path = args.warehouse or warehouse_path()
    with warehouse.read_only(path) as con:
        base = {t: warehouse.read_table(con, t) for t in TABLES}
    decisions = Path(tempfile.mkdtemp(prefix="stagetruth-id-")) / "decisions.duckdb"
    codes = area_codes()

    one, one_time = resolve(base, decisions)
    copies = max(1, math.ceil(args.records / base["candidate_record"].height))
    started = time.perf_counter()
    parts = [copy_of(base, i, codes) for i in range(copies)]
    scaled = {t: pl.concat([p[t] for p in parts]) for t in TABLES}
    del parts
    copy_time = time.perf_counter() - started
    big, big_time = resolve(scaled, decisions)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 / 1024

    records, one_records = scaled["candidate_record"].height, base["candidate_record"].height
    persons, one_persons = big["person"].height, one["person"].height
    rate = lambda n, s: n / s * 60  # noqa: E731
    print(f"warehouse {path}: {one_records:,} candidate records -> {one_persons:,} persons in {one_time:.2f} s "
          f"({rate(one_records, one_time):,.0f} records/min)")
    print(f"scaled x{copies}: {records:,} records (copying took {copy_time:.1f} s) -> {persons:,} persons "
          f"(expected {one_persons * copies:,}) in {big_time:.1f} s: {rate(records, big_time):,.0f} records/min "
          f"(target >= 500,000); {rate(records, big_time) / rate(one_records, one_time):.2f}x the unscaled rate")
    print(f"review pairs {big['identity_pair'].height:,} (one copy: {one['identity_pair'].height:,})")
    print(f"peak memory of the process: {rss:.1f} GiB (limit 24)")
    if persons != one_persons * copies:
        sys.exit("the scaled run found a different number of persons than copies x one copy")


if __name__ == "__main__":
    main()
