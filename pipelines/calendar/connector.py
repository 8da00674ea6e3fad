"""Calendar invites (.ics files) -> interviews, one per calendar UID.

An interview's state depends on every message about it (requests, replies, cancellations), so
each load folds all the source's .ics messages again (see pipelines.formats.ics). Only new or
changed files are parsed: the messages of unchanged files come from the raw layer, where the
load that parsed them kept them. Loading the same files twice still changes nothing.
"""

from __future__ import annotations

import json

import polars as pl

from pipelines.formats.ics import fold
from pipelines.readers import ROW_ERROR
from pipelines.steps import StepContext, staged_frame
from pipelines.validate import PROBLEM

FOLDED = {
    "uid": pl.String, "summary": pl.String, "organizer": pl.String, "candidate_email": pl.String, "start": pl.String,
    "end": pl.String, "invite_sent_at": pl.String, "slot_confirmed_at": pl.String, "cancelled_at": pl.String,
    "reschedule_count": pl.Int32, "status": pl.String, "messages": pl.Int64,
    "_file": pl.String, "_record_no": pl.Int64, "_payload": pl.String,
}


def interviews(ctx: StepContext) -> pl.DataFrame:
    files = sorted(ctx.source.root.rglob("*.ics"))
    fresh = ctx.records("calendar", files=files)
    read = {str(f) for f in ctx.last_files}
    unchanged = [f for f in files if str(f) not in read]
    kept = ctx.stored_records("calendar", unchanged) if unchanged and ctx.stored_records else fresh.clear()
    records = pl.concat([kept.with_columns(_kept=pl.lit(True)), fresh.with_columns(_kept=pl.lit(False))]).sort("_file", "_record_no")
    parsed = [json.loads(p) for p in records["_payload"].to_list()]
    rows, bad = [], []
    by_uid: dict[str, list[tuple[dict, str, int]]] = {}
    for rec, file, no, was_kept in zip(parsed, records["_file"].to_list(), records["_record_no"].to_list(),
                                       records["_kept"].to_list()):
        if ROW_ERROR in rec:
            if was_kept:
                continue  # quarantined by the load that parsed its file
            bad.append(dict(_file=file, _record_no=no, _payload=json.dumps(rec), rule=rec.get("__rule__", "bad_row"),
                            detail=rec[ROW_ERROR]))
        else:
            by_uid.setdefault(rec["uid"], []).append((rec, file, no))
    for uid, items in by_uid.items():
        folded = fold([i[0] for i in items], ctx.source.internal_domains)
        rows.append(dict(folded, _file=items[0][1], _record_no=items[0][2], _payload=json.dumps([i[0] for i in items])))
    frame = pl.DataFrame(rows, schema=FOLDED)
    ts = lambda c: pl.col(c).str.to_datetime(time_zone="UTC", strict=False).dt.cast_time_unit("us")  # noqa: E731
    good = staged_frame(
        frame.with_columns(_problems=pl.lit([], dtype=pl.List(PROBLEM))),
        ctx.source.name,
        {
            "source_id": pl.col("uid"),
            "application_id": pl.lit(None, dtype=pl.String),
            "external_event_id": pl.col("uid"),
            "candidate_email": pl.col("candidate_email").cast(pl.String),
            "title": pl.col("summary").cast(pl.String),
            "invite_sent_at": ts("invite_sent_at"),
            "slot_confirmed_at": ts("slot_confirmed_at"),
            "cancelled_at": ts("cancelled_at"),
            "start_at": ts("start"),
            "end_at": ts("end"),
            "status": pl.col("status").cast(pl.String),
            "reschedule_count": pl.col("reschedule_count").cast(pl.Int32),
            "organizer": pl.col("organizer").cast(pl.String),
        },
    )
    if not bad:
        return good
    quarantined = pl.DataFrame(bad).select(
        source=pl.lit(ctx.source.name), source_id=pl.lit(None, dtype=pl.String),
        _file="_file", _record_no=pl.col("_record_no").cast(pl.Int64), _payload="_payload",
        _problems=pl.concat_list(pl.struct(rule="rule", detail="detail")),
    )
    return pl.concat([good, quarantined], how="diagonal_relaxed")


STEPS = [("interview", "calendar", interviews)]
