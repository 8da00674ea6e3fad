"""Source mappings written as configuration: parse and check them, with every problem at once.

A mapped source names objects (sets of files with one record shape) and, per object, the
canonical tables it feeds and where each field sits:

    [sources.icims.objects.workflows]
    files = ["applications*.csv"]              # globs under the source's path
    records = "$.data[*]"                      # optional: records sit in a list inside each file
    [sources.icims.objects.workflows.application]
    id = "Workflow ID"                         # a column/key, a JSON path ($...), or a list joined by |
    applied_at = { from = "Applied On", type = "timestamp", format = "%m/%d/%Y %H:%M" }
    source_stage = "Status"
    outcome = { from = "Status", map = { Hired = "hired", Rejected = "rejected" }, default = "active" }

A field is a column name or key, a JSON path (`$.a.b`, or `^.a` for the parent record when the
table explodes a nested list; `$.fields[name=application_id].value` picks a list element by
one of its keys), a list of them (the first non-empty; for list fields, all of them),
or a table with `from`, `type` (str, int, float, bool, timestamp, date, epoch_ms, epoch_s,
list[str]), `format` (strptime, for timestamps), `map` (source value -> value), `default`,
`value` (a constant), `lookup` (a named lookup table of the source, applied before `map`) and
`join` (several paths joined into one value with this separator, e.g. a composite key) and
`when_present` (the value to use whenever the source has one: `rejected_at` -> "rejected").
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pipelines.contracts import CANONICAL_MODELS
from pipelines.schema import polars_schema

TYPES = ("str", "int", "float", "bool", "timestamp", "date", "epoch_ms", "epoch_s", "list[str]")
TABLE_OPTIONS = ("id", "explode", "merge_duplicates", "snapshot_events", "snapshot_at")
# Columns a mapping may fill per table (the trace columns and derived ones are filled by the engine).
ENGINE_COLUMNS = {"source", "source_id", "load_id", "current_stage", "stage", "exit_stage"}
EXTRA_FIELDS = {"application": {"rejection_type"}}


class MappingError(ValueError):
    """The mapping configuration is wrong; the message lists every problem with its place."""


@dataclass(frozen=True)
class FieldMap:
    name: str
    paths: tuple[str, ...] = ()
    type: str = "str"
    format: str | None = None
    map: dict[str, Any] | None = None
    default: Any = None
    value: Any = None
    lookup: str | None = None
    join: str | None = None  # several paths joined into one value with this separator
    when_present: Any = None  # the value to use when the source has any value (e.g. rejected_at -> "rejected")


@dataclass(frozen=True)
class TableMap:
    table: str
    id: FieldMap
    fields: tuple[FieldMap, ...]
    explode: str | None = None
    merge_duplicates: bool = False
    snapshot_events: bool = False
    snapshot_at: str | None = None


@dataclass(frozen=True)
class ObjectMap:
    name: str
    files: tuple[str, ...]
    records: str | None
    tables: tuple[TableMap, ...]


@dataclass(frozen=True)
class LookupMap:
    name: str
    object: str
    key: str
    value: str
    keep_unmatched: bool = True  # a value the lookup does not know stays as it was


@dataclass(frozen=True)
class SourceMap:
    objects: tuple[ObjectMap, ...]
    lookups: tuple[LookupMap, ...] = field(default_factory=tuple)


def _default_type(table: str, column: str) -> str:
    dtype = str(polars_schema(CANONICAL_MODELS[table]).get(column, "String"))
    if dtype.startswith("Datetime"):
        return "timestamp"
    if dtype.startswith("List"):
        return "list[str]"
    return {"Int32": "int", "Int64": "int", "Float64": "float", "Boolean": "bool", "Date": "date"}.get(dtype, "str")


def _paths(value: Any) -> tuple[str, ...]:
    return tuple(value) if isinstance(value, list) else (value,)


def _field(where: str, table: str, name: str, raw: Any, problems: list[str]) -> FieldMap | None:
    kind = _default_type(table, name)
    if isinstance(raw, (str, list)):
        return FieldMap(name, _paths(raw), kind)
    if not isinstance(raw, dict):
        problems.append(f"{where}.{name}: expected a column/path, a list of them, or a table")
        return None
    unknown = set(raw) - {"from", "type", "format", "map", "default", "value", "lookup", "join", "when_present"}
    if unknown:
        problems.append(f"{where}.{name}: unknown option(s) {', '.join(sorted(unknown))}")
    kind = raw.get("type", kind)
    if kind not in TYPES:
        problems.append(f"{where}.{name}: type {kind!r} must be one of {', '.join(TYPES)}")
    if "from" not in raw and "value" not in raw:
        problems.append(f"{where}.{name}: needs 'from' (where the value sits) or 'value' (a constant)")
    if "map" in raw and not isinstance(raw["map"], dict):
        problems.append(f"{where}.{name}: 'map' must be a table of source value = value")
    return FieldMap(name, _paths(raw["from"]) if "from" in raw else (), kind, raw.get("format"), raw.get("map"),
                    raw.get("default"), raw.get("value"), raw.get("lookup"), raw.get("join"), raw.get("when_present"))


def parse_source_map(where: str, doc: dict[str, Any]) -> SourceMap:
    """Parse `[sources.NAME]`'s objects and lookups; raise MappingError listing every problem."""
    problems: list[str] = []
    objects: list[ObjectMap] = []
    for obj_name, obj in (doc.get("objects") or {}).items():
        at = f"{where}.objects.{obj_name}"
        files = obj.get("files")
        if not files:
            problems.append(f"{at}: 'files' (one or more globs under the source path) is required")
            files = []
        tables: list[TableMap] = []
        for table, spec in obj.items():
            if table in ("files", "records"):
                continue
            if table not in CANONICAL_MODELS:
                problems.append(f"{at}.{table}: not a canonical table ({', '.join(CANONICAL_MODELS)})")
                continue
            if "id" not in spec:
                problems.append(f"{at}.{table}: 'id' (where the record's id sits) is required")
            allowed = set(polars_schema(CANONICAL_MODELS[table])) - ENGINE_COLUMNS | EXTRA_FIELDS.get(table, set())
            fields: list[FieldMap] = []
            for name, raw in spec.items():
                if name in TABLE_OPTIONS:
                    continue
                if name not in allowed:
                    problems.append(f"{at}.{table}.{name}: not a field of {table} (fields: {', '.join(sorted(allowed))})")
                    continue
                parsed = _field(f"{at}.{table}", table, name, raw, problems)
                if parsed:
                    fields.append(parsed)
            raw_id = spec.get("id", "")
            if isinstance(raw_id, list):
                raw_id = {"from": raw_id, "join": "|"}  # a composite id: its parts joined by |
            id_map = _field(f"{at}.{table}", "job", "source_id", raw_id, problems) or FieldMap("source_id")
            tables.append(TableMap(table, id_map, tuple(fields), spec.get("explode"),
                                   bool(spec.get("merge_duplicates", False)), bool(spec.get("snapshot_events", False)),
                                   spec.get("snapshot_at")))
        objects.append(ObjectMap(obj_name, tuple(_paths(files)), obj.get("records"), tuple(tables)))
    lookups = []
    for name, spec in (doc.get("lookups") or {}).items():
        missing = [k for k in ("object", "key", "value") if k not in spec]
        if missing:
            problems.append(f"{where}.lookups.{name}: needs {', '.join(missing)}")
            continue
        lookups.append(LookupMap(name, spec["object"], spec["key"], spec["value"], bool(spec.get("keep_unmatched", True))))
    known_lookups = {lk.name for lk in lookups}
    for obj in objects:
        for table in obj.tables:
            for f in table.fields:
                if f.lookup and f.lookup not in known_lookups:
                    problems.append(f"{where}.objects.{obj.name}.{table.table}.{f.name}: unknown lookup {f.lookup!r}")
    if not objects:
        problems.append(f"{where}: no objects mapped (add [{where}.objects.NAME] with files and tables)")
    if problems:
        raise MappingError("; ".join(problems))
    return SourceMap(tuple(objects), tuple(lookups))
