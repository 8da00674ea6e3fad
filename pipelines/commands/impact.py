"""`stagetruth impact`: each velocity KPI before and after a connector went live."""

from __future__ import annotations

import json
from datetime import date
from typing import Annotated, Optional

import typer
from rich.markup import escape
from rich.table import Table

from pipelines.cli import _friendly_errors, app, console, out


@app.command()
def impact(
    source: Annotated[str, typer.Option("--source", help="The configured source (connector) that went live.")],
    go_live: Annotated[Optional[str], typer.Option("--go-live", help="Go-live day, YYYY-MM-DD "
                                                   "(default: [kpis.go_live] in data/stagetruth.toml).")] = None,
    weeks: Annotated[int, typer.Option(help="Whole weeks compared on each side of the go-live day.", min=1, max=104)] = 12,
    resamples: Annotated[int, typer.Option(help="Bootstrap resamples for the confidence interval.", min=100)] = 2000,
    seed: Annotated[int, typer.Option(help="Random seed of the bootstrap (same seed, same interval).")] = 7,
    fmt: Annotated[str, typer.Option("--format", "-f", help="table or json.")] = "table",
) -> None:
    """Compare each velocity KPI before and after a connector's go-live: medians, the difference
    (after - before) with a 95% bootstrap confidence interval, and the sample sizes."""
    from metrics import kpi_settings
    from metrics.compute import info
    from metrics.impact import compare
    from pipelines.config import load_settings

    if fmt not in ("table", "json"):
        raise typer.BadParameter("use table or json", param_hint="--format")
    with _friendly_errors():
        settings = load_settings()
        settings.source(source)  # an unknown source is a clear error naming the configured ones
        configured = kpi_settings.load().go_live.get(source)
        if go_live is None and configured is None:
            console.print(f"[red]error:[/red] no go-live day for {source!r}: pass --go-live YYYY-MM-DD or set "
                          + escape(f"[kpis.go_live] {source} = \"YYYY-MM-DD\" in data/stagetruth.toml"))
            raise typer.Exit(2)
        try:
            day = date.fromisoformat(go_live) if go_live else configured
        except ValueError:
            raise typer.BadParameter(f"{go_live!r} is not a date (YYYY-MM-DD)", param_hint="--go-live")
        meta = info(settings.warehouse)
        try:
            results = compare(day, as_of=meta.as_of, path=meta.path, weeks=weeks, resamples=resamples, seed=seed)
        except ValueError as exc:
            console.print(f"[red]error:[/red] {exc}")
            raise typer.Exit(2)
        if fmt == "json":
            out.print_json(json.dumps([{**r.__dict__, "source": source, "go_live": day.isoformat(), "weeks": weeks}
                                       for r in results]))
            return
        table = Table(title=f"{source} live from {day}: {weeks} weeks before against after (95% bootstrap CI, seed {seed})")
        table.add_column("KPI", no_wrap=True)
        for col in ("n before", "median before", "n after", "median after", "change", "95% CI"):
            table.add_column(col, justify="right")
        num = lambda v, unit="": "-" if v is None else f"{v:,.1f}{unit}"  # noqa: E731
        for r in results:
            unit = " h" if r.unit == "hours" else " d"
            interval = "-" if r.ci_low is None else f"{r.ci_low:+,.1f} to {r.ci_high:+,.1f}"
            table.add_row(r.title, f"{r.n_before:,}", num(r.median_before, unit), f"{r.n_after:,}", num(r.median_after, unit),
                          "-" if r.difference is None else f"{r.difference:+,.1f}{unit}", interval)
        out.print(table)
        console.print("A difference whose interval excludes 0 is a change beyond resampling noise; it is not proof "
                      "the connector caused it (other things change at the same time).")
