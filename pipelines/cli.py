"""The `stagetruth` command: demo, ingest, build, kpis, dashboard.

Errors a user can fix (a missing folder, a bad settings entry, a broken KPI definition) are
printed as one clear message and exit code 2, never as a traceback.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from contextlib import contextmanager
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path
from typing import Annotated, Iterator, Optional

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from pipelines.config import Settings, SettingsError, SourceSettings, load_settings
from pipelines.paths import PROJECT_ROOT, demo_dir

app = typer.Typer(
    help="stagetruth: recruiting data from every tool, held to one set of definitions.",
    no_args_is_help=True,
    add_completion=False,
)
# Tables stay readable when output goes to a log rather than a terminal.
console = Console(stderr=True, width=None if sys.stderr.isatty() else 120)
out = Console()

AsOf = Annotated[Optional[str], typer.Option("--as-of", help="The 'now' of the data, YYYY-MM-DD (UTC). Default: now.")]
Format = Annotated[str, typer.Option("--format", "-f", help="table or json.")]


def _as_of(value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        return datetime.combine(date.fromisoformat(value), time(), tzinfo=timezone.utc)
    except ValueError:
        raise typer.BadParameter(f"{value!r} is not a date (YYYY-MM-DD)", param_hint="--as-of")


@contextmanager
def _friendly_errors() -> Iterator[None]:
    from metrics.catalog import DefinitionError
    from pipelines.stages import StageMapError
    from pipelines.validate import ContractError
    from pipelines.warehouse import WarehouseMissing

    try:
        yield
    except (SettingsError, StageMapError, DefinitionError, ContractError, WarehouseMissing, FileNotFoundError) as exc:
        console.print(f"[red]error:[/red] {exc}", soft_wrap=True)
        raise typer.Exit(2)
    except (typer.Exit, typer.BadParameter, KeyboardInterrupt):
        raise
    except Exception as exc:  # an unexpected failure: say what, keep the traceback for debugging
        if os.environ.get("STAGETRUTH_DEBUG"):
            raise
        console.print(f"[red]error:[/red] {type(exc).__name__}: {exc}", soft_wrap=True)
        console.print("Nothing was published. Set STAGETRUTH_DEBUG=1 to see the traceback.")
        raise typer.Exit(1)


@contextmanager
def _progress(label: str) -> Iterator[callable]:
    with Progress(TextColumn("[bold]{task.description}"), BarColumn(), TextColumn("{task.completed}/{task.total}"),
                  TimeElapsedColumn(), console=console, transient=False) as bar:
        task = bar.add_task(label, total=1)

        def update(step: str, done: int, total: int) -> None:
            bar.update(task, description=f"{label}: {step}", completed=done, total=max(total, 1))

        yield update
        bar.update(task, description=f"{label}: done", completed=1, total=1)


def _summary(results: list) -> None:
    for result in results:
        table = Table(title=f"Load summary: {result.source} (load {result.load_id})")
        for col in ("object", "files", "unchanged", "rows in", "loaded", "quarantined", "status"):
            table.add_column(col, justify="left" if col in ("object", "status") else "right", no_wrap=True)
        for o in result.objects:
            colour = {"ok": "green", "partial": "yellow", "error": "red"}[o.status]
            table.add_row(o.obj, str(o.files), str(o.files_skipped), f"{o.rows_in:,}", f"{o.loaded:,}", f"{o.quarantined:,}",
                          f"[{colour}]{o.status}[/{colour}]")
        rows_in, loaded, quarantined = result.totals
        table.add_row("[bold]total", "", "", f"{rows_in:,}", f"{loaded:,}", f"{quarantined:,}", "")
        if result.full:
            table.caption = "full load: every file read (first load, --full, or the mapping changed)"
        console.print(table)
        for o in result.objects:
            if o.message and o.status != "ok" or (o.message and o.files == 0 and o.files_skipped == 0):
                console.print(f"[yellow]{o.obj}:[/yellow] {o.message}", soft_wrap=True)
        if quarantined:
            console.print(f"{quarantined:,} record(s) quarantined with their rule: see the Data health page.")
        if suppressed := sum(o.suppressed for o in result.objects):
            console.print(f"{suppressed:,} record(s) of erased people kept out (suppressed), counted in rows in.")


def _ingest(settings: Settings, sources: list[SourceSettings], full: bool = False) -> list:
    from pipelines.load import ingest as run_ingest

    results = []
    for source in sources:
        with _progress(f"ingest {source.name}") as update:
            results.append(run_ingest(source, settings, progress=update, full=full))
    _summary(results)
    return results


def _build(settings: Settings, as_of: datetime | None) -> None:
    from pipelines.build import build as run_build

    with _progress("build") as update:
        result = run_build(settings.warehouse, as_of=as_of, progress=update, join_rules=settings.join_rules)
    console.print(
        f"warehouse [bold]{result.path}[/bold] published (build {result.build_id}, definitions {result.definitions_version}): "
        + ", ".join(f"{t} {n:,}" for t, n in result.rows.items() if n)
    )


@app.command()
def demo(
    candidates: Annotated[int, typer.Option(help="How many candidates to generate.", min=10)] = 3000,
    seed: Annotated[int, typer.Option(help="Random seed; the same seed and --as-of give the same files.")] = 7,
    as_of: AsOf = None,
    out_dir: Annotated[Optional[Path], typer.Option("--out", help="Where to write the sources (default data/demo).")] = None,
) -> None:
    """Generate one hiring history as every source (ATS, job boards, calendar, mail, SMS, checks,
    e-signature, payroll, sync errors) with planted defects and ground truth; ingest and build."""
    from pipelines.config import _preset
    from pipelines.demo.stack import SOURCES, generate_stack

    with _friendly_errors():
        settings = load_settings()
        root = out_dir or demo_dir()
        with _progress("generate demo sources") as update:
            generate_stack(root, candidates=candidates, seed=seed, as_of=_as_of(as_of), progress=update)
        console.print(f"demo sources written to {root} (ground truth in {root / 'ground_truth'})")
        configured = {s.name: s for s in settings.sources}
        sources = []
        for name, (kind, extra) in SOURCES.items():
            base = configured.get(name)
            if base is not None and base.kind == kind:
                sources.append(SourceSettings(name, kind, root / name, base.time_zone, base.automated_senders, base.mapping,
                                              base.stage_map, base.internal_domains))
            else:
                mapping = None if kind in ("greenhouse", "calendar") else _preset(kind)
                sources.append(SourceSettings(name, kind, root / name, mapping=mapping,
                                              internal_domains=tuple(extra.get("internal_domains", ()))))
        _ingest(settings, sources, full=True)
        _build(settings, _as_of(as_of))


@app.command()
def ingest(
    names: Annotated[Optional[list[str]], typer.Argument(help="Configured sources to load (default: all).")] = None,
    path: Annotated[Optional[Path], typer.Option(help="Read this folder instead of the configured path (one source).")] = None,
    full: Annotated[bool, typer.Option("--full", help="Re-read every file, not only new or changed ones.")] = False,
) -> None:
    """Read, validate and stage configured sources; bad records go to quarantine with their rule.

    Loads are incremental: files already loaded with the same content and mapping are skipped,
    and records upsert by their id.
    """
    with _friendly_errors():
        settings = load_settings()
        sources = [settings.source(n) for n in names] if names else list(settings.sources)
        if not sources:
            raise SettingsError("no sources configured in data/stagetruth.toml")
        if path is not None:
            if len(sources) != 1:
                raise SettingsError("--path needs exactly one source name")
            s = sources[0]
            sources = [SourceSettings(s.name, s.kind, path.resolve(), s.time_zone, s.automated_senders)]
        _ingest(settings, sources, full=full)


@app.command()
def build(as_of: AsOf = None) -> None:
    """Derive tables, check KPI definitions and publish a new warehouse atomically."""
    with _friendly_errors():
        _build(load_settings(), _as_of(as_of))


def _week_range(week: str) -> tuple[date, date]:
    try:
        monday = datetime.strptime(week + "-1", "%G-W%V-%u").date()
    except ValueError:
        raise typer.BadParameter(f"{week!r} is not an ISO week like 2026-W47", param_hint="--week")
    return monday, monday + timedelta(days=6)


@app.command()
def kpis(
    week: Annotated[Optional[str], typer.Option(help="An ISO week, e.g. 2026-W47.")] = None,
    start: Annotated[Optional[str], typer.Option(help="First day, YYYY-MM-DD.")] = None,
    end: Annotated[Optional[str], typer.Option(help="Last day, YYYY-MM-DD (inclusive).")] = None,
    department: Annotated[Optional[list[str]], typer.Option(help="Only these departments (repeatable).")] = None,
    recruiter: Annotated[Optional[list[str]], typer.Option(help="Only these recruiters (repeatable).")] = None,
    channel: Annotated[Optional[list[str]], typer.Option(help="Only these sources/channels (repeatable).")] = None,
    client: Annotated[Optional[list[str]], typer.Option(help="Only these clients (repeatable).")] = None,
    job: Annotated[Optional[list[str]], typer.Option(help="Only these jobs, by key SOURCE:JOB_ID (repeatable).")] = None,
    business_days: Annotated[bool, typer.Option("--business-days", help="Durations in business days (Mon-Fri, UTC).")] = False,
    fmt: Format = "table",
) -> None:
    """Print every KPI for a week or date range (default: the last 12 full weeks)."""
    from metrics.compute import Filters, info, last_full_week, tiles

    with _friendly_errors():
        meta = info(load_settings().warehouse)
        if week:
            first, last = _week_range(week)
        else:
            last_monday = last_full_week(meta.as_of)
            first = date.fromisoformat(start) if start else last_monday - timedelta(weeks=11)
            last = date.fromisoformat(end) if end else last_monday + timedelta(days=6)
        filters = Filters(first, last, tuple(department or ()), tuple(recruiter or ()), tuple(channel or ()),
                          clients=tuple(client or ()), jobs=tuple(job or ()), business_days=business_days)
        results = tiles(filters, as_of=meta.as_of, path=meta.path)
        rows = [
            {"kpi": t.kpi.name, "title": t.kpi.title, "unit": t.kpi.unit, "value": t.value, "n": t.n,
             "target": t.kpi.target, "meets_target": t.meets_target, "start": first.isoformat(), "end": last.isoformat(),
             "definitions_version": meta.definitions_version}
            for t in results
        ]
        if fmt == "json":
            out.print_json(json.dumps(rows))
            return
        if fmt != "table":
            raise typer.BadParameter("use table or json", param_hint="--format")
        table = Table(title=f"KPIs {first} to {last}")
        for col in ("KPI", "value", "n", "target", "on target"):
            table.add_column(col, justify="left" if col == "KPI" else "right")
        for t in results:
            fmt_value = lambda v: "-" if v is None else (f"{v:.1%}" if t.kpi.is_ratio else f"{v:,.1f} {t.kpi.unit}")  # noqa: E731
            table.add_row(t.kpi.title, fmt_value(t.value), f"{t.n:,}", fmt_value(t.kpi.target),
                          {True: "yes", False: "no", None: "-"}[t.meets_target])
        out.print(table)


@app.command()
def dashboard(
    port: Annotated[int, typer.Option(help="Port to serve on.")] = 8501,
    headless: Annotated[bool, typer.Option(help="Do not open a browser.")] = True,
) -> None:
    """Start the dashboard; builds the demo warehouse first if none exists."""
    settings = load_settings()
    if not settings.warehouse.exists():
        console.print(f"no warehouse at {settings.warehouse}: building the demo data set first")
        demo(candidates=3000, seed=7, as_of=None, out_dir=None)
    cmd = [sys.executable, "-m", "streamlit", "run", str(PROJECT_ROOT / "app.py"), "--server.port", str(port),
           "--server.headless", str(headless).lower(), "--browser.gatherUsageStats", "false"]
    console.print(f"dashboard on http://localhost:{port}")
    raise typer.Exit(subprocess.call(cmd, env=os.environ.copy()))


# Topic commands register themselves on `app` (see pipelines/commands/__init__.py).
from pipelines.commands import register_all  # noqa: E402

register_all()

if __name__ == "__main__":
    app()
