"""Connector steps built from a source mapping (pipelines.mapped.spec): no code per source.

Each (object, table) pair becomes one step. Records of an object are read once; a table can
explode a nested list (`explode`), with `^.` paths reaching the parent record. After the fields
are extracted and typed, the canonical rules every source shares are applied here: stage names
go through the stage map (unmapped: quarantined), outcomes and exits follow the stage, children
must find their parents when the source maps the parent table.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import polars as pl

import pipelines.formats  # noqa: F401  (registers the readers for .ics and mailboxes)
from pipelines.contracts import CANONICAL_MODELS
from pipelines.mapped.spec import FieldMap, ObjectMap, SourceMap, TableMap
from pipelines.readers import RECORDS_SCHEMA, Field, read_records
from pipelines.schema import polars_schema
from pipelines.stages import EXITS
from pipelines.steps import StepContext, known_ids, staged_frame
from pipelines.validate import PROBLEM, add_problem
from pipelines.warehouse import registered

TABLE_ORDER = ("candidate_record", "client", "job", "job_stage", "application", "stage_event", "interview", "offer", "message",
               "check", "handoff", "sync_error")
PARENTS = {
    "job": (("client_id", "client", "unknown_client"),),
    "application": (("candidate_id", "candidate_record", "unknown_candidate"), ("job_id", "job", "unknown_job")),
    "job_stage": (("job_id", "job", "unknown_job"),),
    "stage_event": (("application_id", "application", "unknown_application"),),
    "interview": (("application_id", "application", "unknown_application"),),
    "offer": (("application_id", "application", "unknown_application"),),
    "message": (("candidate_id", "candidate_record", "unknown_candidate"),),
    "check": (("application_id", "application", "unknown_application"),),
    "handoff": (("application_id", "application", "unknown_application"),),
}
DEFAULTS: dict[str, dict[str, object]] = {
    "stage_event": {"system": "ats", "derived": False},
    "interview": {"reschedule_count": 0},
    "offer": {"via": "ats", "outcome": "pending"},
    "message": {"automated": False, "channel": "email"},
    "handoff": {"confirmed": False},
    "sync_error": {"status": "open"},
}


def _json_path(path: str) -> str:
    """A column name or key becomes a quoted JSON path; paths pass through."""
    if path.startswith(("$", "^")):
        return path
    return '$."' + path.replace('"', '\\"') + '"'


def _exploded_path(path: str) -> str:
    path = _json_path(path)
    if path.startswith("^"):
        return "$.parent" + path[1:]
    return "$.item" + path[1:]


@dataclass
class _ObjectRecords:
    records: pl.DataFrame
    files: int
    skipped: int
    problems: list
    used: bool = False


class MappedConnector:
    def __init__(self, spec: SourceMap):
        self.spec = spec
        self._cache: dict[str, _ObjectRecords] = {}
        self._lookup_cache: dict[str, pl.DataFrame] = {}
        self._mapped_tables = {t.table for o in spec.objects for t in o.tables}

    def steps(self) -> list[tuple[str, str, Callable[[StepContext], pl.DataFrame]]]:
        out = []
        for table in TABLE_ORDER:
            for obj in self.spec.objects:
                for tmap in obj.tables:
                    if tmap.table == table:
                        label = obj.name if len(obj.tables) == 1 else f"{obj.name}.{table}"
                        out.append((table, label, self._step(obj, tmap)))
                    if table == "stage_event" and tmap.table == "application" and tmap.snapshot_events:
                        out.append(("stage_event", f"{obj.name}.snapshots", self._snapshot_step(obj, tmap)))
        return out

    def _snapshot_step(self, obj: ObjectMap, tmap: TableMap) -> Callable[[StepContext], pl.DataFrame]:
        """Stage events derived from successive snapshots of the current stage (marked derived).

        An application whose canonical stage differs from what the previous load staged (or that
        is new and past applied) entered that stage no later than the snapshot: the event's time
        is the snapshot's `snapshot_at` (an exit uses its own exit time when the source gives it).
        """

        def step(ctx: StepContext) -> pl.DataFrame:
            records = self._records(ctx, obj)
            ctx.files_read = ctx.files_skipped = 0
            ctx.last_records = pl.DataFrame(schema=RECORDS_SCHEMA)
            when = [Field("_id", _json_path(p)) for p in tmap.id.paths[:1]] if tmap.id.join is None else []
            snap = ctx.typed(records, [*when, Field("_seen", _json_path(tmap.snapshot_at or "$.modified_at"), "timestamp")])
            fresh = ctx.fresh.get("application", pl.DataFrame(schema={"source_id": pl.String}))
            empty = pl.DataFrame(schema={"source_id": pl.String, "_previous": pl.String})
            before = ctx.before.get("application", pl.DataFrame(schema={"source_id": pl.String, "current_stage": pl.String}))
            previous = before.select("source_id", _previous="current_stage") if before.height else empty
            seen = snap.select(source_id="_id", _seen="_seen", _file="_file", _record_no="_record_no", _payload="_payload") \
                if "_id" in snap.columns else snap.select(source_id=pl.lit(None, dtype=pl.String), _seen="_seen",
                                                         _file="_file", _record_no="_record_no", _payload="_payload")
            moved = (
                fresh.join(previous, on="source_id", how="left")
                .join(seen.unique("source_id", keep="last"), on="source_id", how="left")
                .filter(pl.col("current_stage") != pl.coalesce(pl.col("_previous"), pl.lit("applied")))
            )
            entered = pl.when(pl.col("current_stage").is_in(EXITS)).then(pl.coalesce("exited_at", "_seen")).otherwise(pl.col("_seen"))
            events = moved.with_columns(_entered=entered).select(
                source_id=pl.col("source_id") + pl.lit("|") + pl.col("current_stage") + pl.lit("|")
                + pl.col("_entered").dt.strftime("%Y-%m-%dT%H:%M:%S"),
                application_id=pl.col("source_id"),
                source_stage=pl.col("source_stage"),
                stage=pl.col("current_stage"),
                entered_at=pl.col("_entered"),
                actor=pl.lit(None, dtype=pl.String),
                actor_type=pl.lit("unknown"),
                system=pl.lit("ats"),
                derived=pl.lit(True),
                _file=pl.col("_file"),
                _record_no=pl.col("_record_no"),
                _payload=pl.col("_payload"),
                _problems=pl.lit([], dtype=pl.List(PROBLEM)),
            )
            return events.with_columns(source=pl.lit(ctx.source.name))

        return step

    # -- reading ---------------------------------------------------------------------------
    def _records(self, ctx: StepContext, obj: ObjectMap) -> pl.DataFrame:
        """The object's records, read once; the first table of the object reports its files."""
        if obj.name not in self._cache:
            files = sorted({p for pattern in obj.files for p in ctx.source.root.glob(pattern) if p.is_file()})
            records = ctx.records(obj.name, files=files)
            if obj.records:
                records = self._unnest(ctx, records, obj.records)
            self._cache[obj.name] = _ObjectRecords(records, ctx.files_read, ctx.files_skipped, ctx.file_problems)
            ctx.last_records = records
            return records
        cached = self._cache[obj.name]
        # Later tables of the same object: its files and raw records are accounted for already.
        ctx.files_read, ctx.files_skipped, ctx.file_problems = cached.files, cached.skipped, []
        ctx.last_records = pl.DataFrame(schema=RECORDS_SCHEMA)
        return cached.records

    @staticmethod
    def _unnest(ctx: StepContext, records: pl.DataFrame, path: str) -> pl.DataFrame:
        # A list of records is unnested; a single object (Lever's {"data": {...}}) is one record;
        # a record without the path stays, marked, so it is quarantined rather than lost.
        missing = (f"json_object('__row_error__', 'the record has no {path}', '__rule__', 'unexpected_shape', "
                   "'record', _payload::JSON)::VARCHAR")
        with registered(ctx.con, "_outer", records):
            items = ctx.con.sql(
                "SELECT _file, unnest(CASE WHEN j IS NULL THEN [" + missing + "::JSON] "
                "WHEN json_type(j) = 'ARRAY' THEN json_extract(j, '$[*]') ELSE [j] END)::VARCHAR AS _payload "
                f"FROM (SELECT _file, _payload, json_extract(_payload, '{path.removesuffix('[*]')}') AS j FROM _outer)"
            ).pl()
        return items.select("_file", _record_no=pl.int_range(pl.len(), dtype=pl.Int64).over("_file"), _payload="_payload")

    @staticmethod
    def _explode(ctx: StepContext, records: pl.DataFrame, path: str) -> pl.DataFrame:
        path = path if path.endswith("[*]") else path + "[*]"
        with registered(ctx.con, "_outer", records):
            items = ctx.con.sql(
                "SELECT _file, _record_no, json_object('item', item, 'parent', _payload::JSON)::VARCHAR AS _payload "
                f"FROM (SELECT _file, _record_no, _payload, unnest(json_extract(_payload, '{path}')) AS item FROM _outer)"
            ).pl()
        return items.with_columns(pl.col("_record_no").cast(pl.Int64))

    # -- mapping ---------------------------------------------------------------------------
    def _step(self, obj: ObjectMap, tmap: TableMap) -> Callable[[StepContext], pl.DataFrame]:
        def step(ctx: StepContext) -> pl.DataFrame:
            records = self._records(ctx, obj)
            rewrite = _json_path
            if tmap.explode:
                records = self._explode(ctx, records, tmap.explode)
                rewrite = _exploded_path
            frame = self._extract(ctx, records, tmap, rewrite)
            frame = self._apply_lookups(ctx, frame, tmap)
            frame = _canonical(ctx, tmap.table, frame)
            frame = self._check_parents(ctx, tmap.table, frame)
            if tmap.merge_duplicates:
                # Many records describe one entity (Lever contacts): the latest copy stands for it.
                if "updated_at" in frame.columns:
                    frame = frame.sort("updated_at", nulls_last=False, maintain_order=True)
                frame = frame.unique("source_id", keep="last", maintain_order=True)
            return frame

        return step

    def _extract(self, ctx: StepContext, records: pl.DataFrame, tmap: TableMap, rewrite) -> pl.DataFrame:
        fields: list[Field] = []
        for f in (tmap.id, *tmap.fields):
            kind = "str" if f.map or f.lookup or f.join is not None or f.when_present is not None else f.type
            for i, path in enumerate(f.paths):
                fields.append(Field(f"{f.name}__{i}", rewrite(path), kind, f.format))
        out = ctx.typed(records, fields)
        for f in (tmap.id, *tmap.fields):
            out = out.with_columns(_value(f, out))
        return out.with_columns(pl.col("source_id").cast(pl.String)).drop([c for c in out.columns if "__" in c])

    def _apply_lookups(self, ctx: StepContext, frame: pl.DataFrame, tmap: TableMap) -> pl.DataFrame:
        for f in tmap.fields:
            if not f.lookup:
                continue
            lk = next(lk for lk in self.spec.lookups if lk.name == f.lookup)
            obj = next(o for o in self.spec.objects if o.name == lk.object) if any(o.name == lk.object for o in self.spec.objects) else None
            if obj is None:
                continue
            records = self._records_for_lookup(ctx, obj)
            table = ctx.typed(records, [Field("_k", _json_path(lk.key)), Field("_v", _json_path(lk.value))])
            pairs = dict(zip(table["_k"].to_list(), table["_v"].to_list()))
            # A value the lookup does not know stays as it was (Lever's default stage ids read well),
            # unless the lookup says otherwise (keep_unmatched = false): then it is empty.
            looked_up = pl.col(f.name).cast(pl.String)
            frame = frame.with_columns(looked_up.replace(pairs) if lk.keep_unmatched
                                       else looked_up.replace_strict(pairs, default=None, return_dtype=pl.String))
            frame = frame.with_columns(_mapped_value(f, pl.col(f.name)))
        return frame

    def _records_for_lookup(self, ctx: StepContext, obj: ObjectMap) -> pl.DataFrame:
        """Every file of a lookup object, read whole: an incremental load skips files, a lookup may not."""
        if obj.name not in self._lookup_cache:
            files = sorted({p for pattern in obj.files for p in ctx.source.root.glob(pattern) if p.is_file()})
            records, _ = read_records(ctx.con, files)
            self._lookup_cache[obj.name] = self._unnest(ctx, records, obj.records) if obj.records else records
        return self._lookup_cache[obj.name]

    def _check_parents(self, ctx: StepContext, table: str, frame: pl.DataFrame) -> pl.DataFrame:
        for column, parent, rule in PARENTS.get(table, ()):
            if parent not in self._mapped_tables or column not in frame.columns:
                continue  # the parent lives in another system: joined later, not checked here
            frame = add_problem(
                frame, pl.col(column).is_not_null() & ~pl.col(column).is_in(known_ids(ctx, parent).implode()), rule,
                pl.lit(f"{parent} ") + pl.col(column) + pl.lit(" was not loaded"),
            )
        return frame


def _value(f: FieldMap, frame: pl.DataFrame) -> pl.Expr:
    if f.value is not None and not f.paths:
        return pl.lit(f.value).alias(f.name)
    cols = [pl.col(f"{f.name}__{i}") for i in range(len(f.paths))]
    if f.type == "list[str]":
        parts = [c if frame.schema[f"{f.name}__{i}"] == pl.List(pl.String) else pl.concat_list(c) for i, c in enumerate(cols)]
        expr = pl.concat_list(parts).list.drop_nulls().list.eval(pl.element().filter(pl.element().str.strip_chars() != ""))
    elif f.join is not None:
        expr = pl.concat_str([c.cast(pl.String) for c in cols], separator=f.join)
    else:
        expr = pl.coalesce([pl.when(c.cast(pl.String).str.strip_chars() != "").then(c) for c in cols]) if len(cols) > 1 else cols[0]
    return expr.alias(f.name) if f.lookup else _mapped_value(f, expr)


def _mapped_value(f: FieldMap, expr: pl.Expr) -> pl.Expr:
    """Apply the field's value map and default (after any lookup)."""
    if f.when_present is not None:
        present = expr.is_not_null() & (expr.cast(pl.String).str.strip_chars() != "")
        expr = pl.when(present).then(pl.lit(f.when_present)).otherwise(pl.lit(f.default) if f.default is not None else pl.lit(None))
        return expr.alias(f.name)
    if f.map is not None:
        mapped = expr.cast(pl.String).replace_strict({str(k): v for k, v in f.map.items()}, default=None)
        expr = pl.coalesce(mapped, pl.lit(f.default) if f.default is not None else expr.cast(pl.String))
    elif f.default is not None:
        expr = pl.coalesce(expr, pl.lit(f.default))
    return expr.alias(f.name)


def _convert(expr: pl.Expr, source: pl.DataType, target: pl.DataType) -> pl.Expr:
    """A mapped or looked-up value (text) into its column's type; what does not fit becomes null."""
    if source == target:
        return expr
    if source == pl.String and isinstance(target, pl.Datetime):
        return expr.str.to_datetime(time_zone="UTC", strict=False).dt.cast_time_unit("us")
    if source == pl.String and target == pl.Date:
        return expr.str.to_date(strict=False)
    if source == pl.String and target == pl.Boolean:
        lowered = expr.str.strip_chars().str.to_lowercase()
        return pl.when(lowered.is_in(["true", "1", "yes", "y"])).then(True).when(lowered.is_in(["false", "0", "no", "n"])).then(False)
    return expr.cast(target, strict=False)


def _message_rules(ctx: StepContext, frame: pl.DataFrame) -> pl.DataFrame:
    """Direction from the organisation's domains when unmapped; automated senders are automated."""
    domains = [d.lower() for d in ctx.source.internal_domains]
    sender = pl.col("sender").cast(pl.String).str.strip_chars().str.to_lowercase() if "sender" in frame.columns \
        else pl.lit(None, dtype=pl.String)
    recipient = pl.col("recipient").cast(pl.String).str.strip_chars().str.to_lowercase() if "recipient" in frame.columns \
        else pl.lit(None, dtype=pl.String)
    ours = lambda addr: pl.any_horizontal([addr.str.ends_with("@" + d) for d in domains]) if domains else pl.lit(False)  # noqa: E731
    by_domain = pl.when(ours(sender)).then(pl.lit("outbound")).when(ours(recipient)).then(pl.lit("inbound"))
    direction = pl.coalesce(pl.col("direction"), by_domain) if "direction" in frame.columns else by_domain
    robot = pl.any_horizontal([sender.str.starts_with(p) for p in ctx.source.automated_senders]).fill_null(False) \
        if ctx.source.automated_senders else pl.lit(False)
    automated = (pl.col("automated").cast(pl.Boolean, strict=False).fill_null(False) if "automated" in frame.columns
                 else pl.lit(False)) | robot
    return frame.with_columns(direction=direction, automated=automated)


def _canonical(ctx: StepContext, table: str, frame: pl.DataFrame) -> pl.DataFrame:
    """Fill what every source shares: stages through the stage map, outcomes, defaults, types."""
    sm = ctx.stage_map
    schema = polars_schema(CANONICAL_MODELS[table])
    for column, value in DEFAULTS.get(table, {}).items():
        frame = frame.with_columns((pl.coalesce(pl.col(column), pl.lit(value)) if column in frame.columns else pl.lit(value)).alias(column))
    mapped = lambda col: pl.col(col).cast(pl.String).str.strip_chars().replace_strict(sm.stages, default=None)  # noqa: E731
    if table == "candidate_record":
        name = pl.concat_str([pl.col("first_name"), pl.col("last_name")], separator=" ", ignore_nulls=True) \
            if {"first_name", "last_name"} <= set(frame.columns) else pl.lit(None, dtype=pl.String)
        full = pl.col("full_name") if "full_name" in frame.columns else pl.lit(None, dtype=pl.String)
        frame = frame.with_columns(full_name=pl.coalesce(full, pl.when(name != "").then(name)))
    if table == "application":
        frame = frame.with_columns(_mapped=mapped("source_stage") if "source_stage" in frame.columns else pl.lit(None, dtype=pl.String))
        given = pl.col("outcome") if "outcome" in frame.columns else pl.lit(None, dtype=pl.String)
        outcome = pl.coalesce(
            pl.when(given != "active").then(given),
            pl.when(pl.col("_mapped") == "hired").then(pl.lit("hired")),
            pl.when(pl.col("_mapped").is_in(EXITS)).then(pl.col("_mapped")),
            given, pl.lit("active"),
        )
        frame = frame.with_columns(outcome=outcome)
        frame = frame.with_columns(
            current_stage=pl.when(pl.col("outcome") == "active").then(pl.col("_mapped")).otherwise(pl.col("outcome")),
            exit_stage=pl.when(pl.col("outcome").is_in(EXITS) & ~pl.col("_mapped").is_in([*EXITS, "hired"])).then(pl.col("_mapped")),
        )
        frame = add_problem(frame, pl.col("source_stage").is_not_null() & pl.col("_mapped").is_null() & (pl.col("outcome") == "active"),
                            "unmapped_stage", pl.lit("stage '") + pl.col("source_stage").cast(pl.String) + pl.lit("' is not in the stage map")) \
            if "source_stage" in frame.columns else frame
    if table in ("stage_event", "job_stage"):
        source_col = "source_stage" if table == "stage_event" else "name"
        frame = frame.with_columns(stage=mapped(source_col))
        frame = add_problem(frame, pl.col(source_col).is_not_null() & pl.col("stage").is_null(), "unmapped_stage",
                            pl.lit("stage '") + pl.col(source_col).cast(pl.String) + pl.lit("' is not in the stage map"))
        if table == "stage_event":
            actor_type = pl.when(pl.col("actor").is_not_null()).then(pl.lit("user")).otherwise(pl.lit("unknown")) \
                if "actor" in frame.columns else pl.lit("unknown")
            frame = frame.with_columns(actor_type=pl.coalesce(pl.col("actor_type"), actor_type) if "actor_type" in frame.columns else actor_type)
    if table == "message":
        frame = _message_rules(ctx, frame)
    columns = {}
    for column, dtype in schema.items():
        if column == "load_id":
            continue
        present = column in frame.columns
        if not present:
            columns[column] = pl.lit(None).cast(dtype)
            continue
        converted = _convert(pl.col(column), frame.schema[column], dtype)
        columns[column] = converted if column != "source_id" else pl.col(column).cast(pl.String)
        if frame.schema[column] != dtype and column != "source_id":
            # A mapped value that does not fit its column is a bad type, not a silent null.
            frame = add_problem(frame, pl.col(column).is_not_null() & converted.is_null(),
                                "bad_type", pl.lit(f"{column} = '") + pl.col(column).cast(pl.String) + pl.lit(f"' is not a valid {dtype}"))
    return staged_frame(frame.with_columns(_problems=pl.col("_problems").fill_null(pl.lit([], dtype=pl.List(PROBLEM)))),
                        ctx.source.name, {k: v for k, v in columns.items() if k != "source"})

