"""KPI definitions: one SQL file per KPI under metrics/kpis/, a header and one query.

Header lines open the file, `-- key: value`; an indented `--   ...` line continues the previous
value. Required keys: name (= file name), title, unit (hours, days, ratio), direction
(lower_is_better, higher_is_better), owner, target, cohort, description; ratios also state
numerator and denominator; `order` (a number) places it on the pages; `group` (velocity,
conversion, health; default velocity) says which page family it belongs to, and `headline: yes`
puts it on the Overview. The query reads warehouse tables with named parameters
($start, $end: the cohort window, half-open; $as_of; $target) and returns one row per week
plus a total row (week NULL), with at least the columns week, value and n.

`load_definitions` checks every file and raises one DefinitionError listing every problem as
file:line:col, so a broken definition never reaches a page.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

from metrics.sql import Problem, check, pretty
from pipelines.paths import KPI_DIR
from pipelines.schema import warehouse_columns

REQUIRED_KEYS = ("name", "title", "unit", "direction", "owner", "target", "cohort", "description")
RATIO_KEYS = ("numerator", "denominator")
OPTIONAL_KEYS = (*RATIO_KEYS, "order", "group", "headline")
GROUPS = ("velocity", "conversion", "health")
UNITS = ("hours", "days", "ratio")
DIRECTIONS = ("lower_is_better", "higher_is_better")
REQUIRED_OUTPUTS = ("week", "value", "n")
_HEADER = re.compile(r"^--\s*([a-z_]+):\s*(.*)$")
_CONTINUATION = re.compile(r"^--\s{2,}(\S.*)$")


class DefinitionError(ValueError):
    """One or more KPI definitions are invalid; the message lists every problem."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__(f"{len(problems)} problem(s) in KPI definitions:\n" + "\n".join(f"  {p}" for p in problems))


@dataclass(frozen=True)
class Kpi:
    name: str
    title: str
    unit: str
    direction: str
    owner: str
    target: float
    cohort: str
    description: str
    numerator: str | None
    denominator: str | None
    sql: str
    path: Path
    order: float = 1000.0
    group: str = "velocity"
    headline: bool = False

    @property
    def is_ratio(self) -> bool:
        return self.unit == "ratio"

    @property
    def pretty_sql(self) -> str:
        return pretty(self.sql)

    def meets_target(self, value: float | None) -> bool | None:
        if value is None:
            return None
        return value <= self.target if self.direction == "lower_is_better" else value >= self.target


def _parse_header(text: str) -> tuple[dict[str, tuple[str, int]], int]:
    """Header values with their line numbers, and the line where the SQL starts."""
    header: dict[str, tuple[str, int]] = {}
    last: str | None = None
    lines = text.splitlines()
    for i, line in enumerate(lines):
        cont = _CONTINUATION.match(line)
        if cont and last is not None:
            value, at = header[last]
            header[last] = (f"{value} {cont.group(1).strip()}", at)
            continue
        found = _HEADER.match(line)
        if found:
            last = found.group(1)
            header[last] = (found.group(2).strip(), i + 1)
            continue
        if line.strip() == "" or line.startswith("--"):
            continue
        return header, i
    return header, len(lines)


def _check_file(path: Path, schema: dict[str, dict[str, str]]) -> tuple[Kpi | None, list[str]]:
    text = path.read_text(encoding="utf-8")
    header, sql_start = _parse_header(text)
    where = lambda line, col=1: f"{path}:{line}:{col}"  # noqa: E731
    problems: list[str] = []
    for key in REQUIRED_KEYS:
        if key not in header or not header[key][0]:
            problems.append(f"{where(1)}: header lacks '-- {key}: ...'")
    for key, (_, line) in header.items():
        if key not in REQUIRED_KEYS and key not in OPTIONAL_KEYS:
            problems.append(f"{where(line)}: unknown header key {key!r}")
    order_value = 1000.0
    if "order" in header:
        try:
            order_value = float(header["order"][0])
        except ValueError:
            problems.append(f"{where(header['order'][1])}: order {header['order'][0]!r} is not a number")
    name = header.get("name", ("", 1))
    if name[0] and name[0] != path.stem:
        problems.append(f"{where(name[1])}: name {name[0]!r} must equal the file name {path.stem!r}")
    unit = header.get("unit", ("", 1))
    if unit[0] and unit[0] not in UNITS:
        problems.append(f"{where(unit[1])}: unit {unit[0]!r} must be one of {', '.join(UNITS)}")
    direction = header.get("direction", ("", 1))
    if direction[0] and direction[0] not in DIRECTIONS:
        problems.append(f"{where(direction[1])}: direction {direction[0]!r} must be one of {', '.join(DIRECTIONS)}")
    target_value: float | None = None
    if "target" in header:
        try:
            target_value = float(header["target"][0])
        except ValueError:
            problems.append(f"{where(header['target'][1])}: target {header['target'][0]!r} is not a number")
    if unit[0] == "ratio":
        for key in RATIO_KEYS:
            if key not in header:
                problems.append(f"{where(1)}: a ratio must state '-- {key}: ...' (what it counts)")
    group = header.get("group", ("velocity", 1))
    if group[0] not in GROUPS:
        problems.append(f"{where(group[1])}: group {group[0]!r} must be one of {', '.join(GROUPS)}")
    headline = header.get("headline", ("no", 1))
    if headline[0] not in ("yes", "no"):
        problems.append(f"{where(headline[1])}: headline {headline[0]!r} must be yes or no")
    sql_lines = text.splitlines()[sql_start:]
    sql = "\n".join(sql_lines)
    for p in check(sql, schema, REQUIRED_OUTPUTS):
        problems.append(f"{where(p.line + sql_start if p.line else 0, p.col)}: {p.message}")
    if problems:
        return None, problems
    get = lambda k: header[k][0] if k in header else None  # noqa: E731
    return (
        Kpi(
            name=path.stem, title=get("title"), unit=unit[0], direction=direction[0], owner=get("owner"),
            target=target_value if target_value is not None else 0.0, cohort=get("cohort"),
            description=get("description"), numerator=get("numerator"), denominator=get("denominator"),
            sql=sql, path=path, order=order_value, group=group[0], headline=headline[0] == "yes",
        ),
        [],
    )


def load_definitions(*directories: Path) -> dict[str, Kpi]:
    """Every KPI definition in the directories (default: metrics/kpis), checked.

    Raises DefinitionError listing every problem, including a name defined twice.
    """
    default = not directories
    directories = directories or (KPI_DIR,)
    schema = warehouse_columns()
    problems: list[str] = []
    kpis: dict[str, Kpi] = {}
    seen: dict[str, Path] = {}
    files = [path for directory in directories for path in sorted(directory.glob("*.sql"))]
    if not files:
        raise DefinitionError([f"{', '.join(map(str, directories))}: no KPI definition files (*.sql)"])
    for path in files:
        kpi, found = _check_file(path, schema)
        problems.extend(found)
        if kpi is None:
            continue
        if kpi.name in seen:
            problems.append(f"{path}:1:1: duplicate KPI name {kpi.name!r} (also in {seen[kpi.name]})")
            continue
        seen[kpi.name] = path
        kpis[kpi.name] = kpi
    if default:
        problems.extend(_configured_targets(kpis))
    if problems:
        raise DefinitionError(problems)
    return dict(sorted(kpis.items(), key=lambda item: (item[1].order, item[0])))


def _configured_targets(kpis: dict[str, Kpi]) -> list[str]:
    """Targets set in data/stagetruth.toml [kpis.targets] win over the files' own."""
    from dataclasses import replace

    from metrics.kpi_settings import KpiSettingsError, load

    try:
        targets = load().targets
    except KpiSettingsError as exc:
        return [str(exc)]
    unknown = [f"[kpis.targets] {name}: no KPI of that name" for name in targets if name not in kpis]
    for name, value in targets.items():
        if name in kpis:
            kpis[name] = replace(kpis[name], target=value)
    return unknown


def definitions_version(directory: Path = KPI_DIR) -> str:
    """A short hash of every definition file (and of the targets data/stagetruth.toml overrides):
    stamps builds and exports."""
    digest = hashlib.sha256()
    for path in sorted(directory.glob("*.sql")):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    if directory == KPI_DIR:
        # targets and the stale threshold set in the settings change the figures: part of the version
        from metrics.kpi_settings import KpiSettingsError, load

        try:
            settings = load()
        except KpiSettingsError:
            settings = None
        if settings is not None:
            for name, value in sorted(settings.targets.items()):
                digest.update(f"target:{name}={value}".encode())
            digest.update(f"stale_after_days={settings.stale_after_days}".encode())
    return digest.hexdigest()[:12]


__all__ = ["DefinitionError", "Kpi", "Problem", "definitions_version", "load_definitions"]
